package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"winnow/crawler"
	"winnow/crawler/schedule"
	"winnow/sink/analyst"
	"winnow/sink/natsbus"
	"winnow/sink/record"
)

// outcomeSchemaVersion is the version of the outcomeEvent layout.
const outcomeSchemaVersion = 1

// outcomeEvent is what a crawl process publishes on
// crawl.outcomes.<source> (stream OUTCOMES): the outcomes of one source's
// tasks it settled during a short window, added up. Storage consumers
// record the counts in crawl_outcomes; the scheduler adds a source's
// events up into the result of its run.
type outcomeEvent struct {
	SchemaVersion int    `json:"schema_version"`
	Source        string `json:"source"`
	// Worker and Seq identify the event (its Nats-Msg-Id is
	// Worker:Epoch:Seq, so a republished event is stored once).
	Worker string    `json:"worker"`
	Epoch  int64     `json:"epoch"`
	Seq    uint64    `json:"seq"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Outcomes counts tasks by UTC day, kind and reason.
	Outcomes []outcomeCount `json:"outcomes"`
	// Status counts fetched tasks by final status class (2xx … 5xx,
	// none).
	Status map[string]int `json:"status,omitempty"`
	// Bytes is the decompressed body bytes read.
	Bytes int64 `json:"bytes"`
	// Pages counts responses received, 2xx and 304.
	Pages int `json:"pages"`
	// Articles and SpamPages count the records produced.
	Articles  int `json:"articles"`
	SpamPages int `json:"spam_pages"`
	// Errors counts failed fetches by scheduler error class.
	Errors map[schedule.ErrorClass]int `json:"errors,omitempty"`
	// NewURLs counts URLs found on the source's pages that were new to
	// the frontier.
	NewURLs int `json:"new_urls"`
	// EntryPoints counts entry points read; EntryUnchanged those that
	// answered 304; EntryChanged those that answered with content
	// listing a URL new to the frontier.
	EntryPoints    int `json:"entry_points"`
	EntryUnchanged int `json:"entry_unchanged"`
	EntryChanged   int `json:"entry_changed"`
	// EntryURLs are the entry points settled (any outcome), so a
	// scheduler knows when the entry points it queued are done.
	EntryURLs []string `json:"entry_urls,omitempty"`
	// ArticleURLs are the articles stored for the first time, for
	// sources that re-fetch (at most maxEventURLs per event).
	ArticleURLs []string `json:"article_urls,omitempty"`
}

// outcomeCount is one (day, kind, reason) count of an event.
type outcomeCount struct {
	Day    string `json:"day"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// maxEventURLs bounds the URL lists of one event.
const maxEventURLs = 1000

// errorClassOf maps a crawl outcome to the scheduler's error class; ""
// for outcomes that are not failures (skips other than robots and
// blocked addresses are decisions, not errors).
func errorClassOf(o crawler.Outcome) schedule.ErrorClass {
	switch o.Kind {
	case crawler.OutcomeFailed:
		switch {
		case o.Reason == crawler.ReasonTimeout:
			return schedule.ClassTimeout
		case o.Reason == crawler.ReasonConnection || o.Reason == crawler.ReasonDNS:
			return schedule.ClassNetwork
		case o.StatusCode == 429 || o.StatusCode >= 500:
			return schedule.ClassHTTP5xx
		case o.StatusCode >= 400:
			return schedule.ClassHTTP4xx
		}
		return schedule.ClassOther
	case crawler.OutcomeSkipped:
		switch o.Reason {
		case crawler.ReasonRobots:
			return schedule.ClassRobots
		case crawler.ReasonRobotsUnavailable:
			return schedule.ClassNetwork
		case crawler.ReasonBlockedAddress:
			return schedule.ClassOther
		}
	}
	return ""
}

// add merges o into e.
func (e *outcomeEvent) add(o *outcomeEvent) {
	e.Outcomes = mergeCounts(e.Outcomes, o.Outcomes)
	for k, v := range o.Status {
		e.Status[k] += v
	}
	for k, v := range o.Errors {
		e.Errors[k] += v
	}
	e.Bytes += o.Bytes
	e.Pages += o.Pages
	e.Articles += o.Articles
	e.SpamPages += o.SpamPages
	e.NewURLs += o.NewURLs
	e.EntryPoints += o.EntryPoints
	e.EntryUnchanged += o.EntryUnchanged
	e.EntryChanged += o.EntryChanged
	e.EntryURLs = appendCapped(e.EntryURLs, o.EntryURLs...)
	e.ArticleURLs = appendCapped(e.ArticleURLs, o.ArticleURLs...)
	if e.Start.IsZero() || (!o.Start.IsZero() && o.Start.Before(e.Start)) {
		e.Start = o.Start
	}
	if o.End.After(e.End) {
		e.End = o.End
	}
}

func appendCapped(s []string, v ...string) []string {
	for _, x := range v {
		if len(s) >= maxEventURLs {
			break
		}
		s = append(s, x)
	}
	return s
}

func mergeCounts(a, b []outcomeCount) []outcomeCount {
	type key struct{ day, kind, reason string }
	m := map[key]int{}
	for _, l := range [][]outcomeCount{a, b} {
		for _, c := range l {
			m[key{c.Day, c.Kind, c.Reason}] += c.Count
		}
	}
	out := make([]outcomeCount, 0, len(m))
	for k, n := range m {
		out = append(out, outcomeCount{Day: k.day, Kind: k.kind, Reason: k.reason, Count: n})
	}
	slices.SortFunc(out, func(x, y outcomeCount) int {
		return strings.Compare(x.Day+"\x00"+x.Kind+"\x00"+x.Reason, y.Day+"\x00"+y.Kind+"\x00"+y.Reason)
	})
	return out
}

// outcomePublisher is where an aggregator's events go.
type outcomePublisher interface {
	PublishOutcome(ctx context.Context, source, msgID string, data []byte) error
}

// outcomeAggregator adds up a crawl process's outcomes per source and
// publishes them as outcome events every window (or once a source has
// batch outcomes). A failed publish keeps the counts and retries with the
// next flush, merged with what came since, so nothing is lost while the
// process lives. Safe for concurrent use.
type outcomeAggregator struct {
	pub      outcomePublisher
	worker   string
	epoch    int64
	window   time.Duration
	batch    int
	refetch  map[string]bool // sources whose new articles are reported
	log      *slog.Logger
	nowFn    func() time.Time
	kick     chan struct{}
	mu       sync.Mutex
	seq      uint64
	open     map[string]*outcomeEvent // being added up
	failed   map[string]*outcomeEvent // published unsuccessfully (keeps its seq)
	counted  map[string]int           // outcomes in open, per source
	entryNew map[string]int           // entry point URL -> new URLs it listed
	pending  sync.WaitGroup
}

func newOutcomeAggregator(pub outcomePublisher, worker string, window time.Duration, refetch map[string]bool, log *slog.Logger) *outcomeAggregator {
	if window <= 0 {
		window = 2 * time.Second
	}
	return &outcomeAggregator{
		pub: pub, worker: worker, epoch: time.Now().UnixNano(), window: window, batch: 500, refetch: refetch, log: log,
		nowFn: time.Now, kick: make(chan struct{}, 1),
		open: map[string]*outcomeEvent{}, failed: map[string]*outcomeEvent{}, counted: map[string]int{}, entryNew: map[string]int{},
	}
}

// event returns the open event of source (the lock is held).
func (g *outcomeAggregator) event(source string) *outcomeEvent {
	e := g.open[source]
	if e == nil {
		e = &outcomeEvent{SchemaVersion: outcomeSchemaVersion, Source: source, Worker: g.worker, Epoch: g.epoch,
			Start: g.nowFn().UTC(), Status: map[string]int{}, Errors: map[schedule.ErrorClass]int{}}
		g.open[source] = e
	}
	return e
}

// linksQueued notes that a page of source (referrer) listed n URLs new to
// the frontier; called before the page's outcome.
func (g *outcomeAggregator) linksQueued(source, referrer string, n int) {
	if n <= 0 {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.event(source).NewURLs += n
	if referrer != "" {
		g.entryNew[referrer] += n
	}
}

// produced counts a record the content path made of a page.
func (g *outcomeAggregator) produced(a *record.Article) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.event(a.Source)
	if a.Hygiene.Verdict == record.VerdictSpamPage {
		e.SpamPages++
	} else {
		e.Articles++
	}
}

// observe counts one crawl outcome.
func (g *outcomeAggregator) observe(o crawler.Outcome) {
	src := o.Task.Source
	g.mu.Lock()
	e := g.event(src)
	at := o.At
	if at.IsZero() {
		at = g.nowFn()
	}
	e.Outcomes = mergeCounts(e.Outcomes, []outcomeCount{{Day: analyst.Day(at), Kind: string(o.Kind), Reason: o.Reason, Count: 1}})
	if o.Fetched() && o.Attempts > 0 {
		e.Status[statusClass(o.StatusCode)]++
	}
	e.Bytes += int64(o.Bytes)
	if (o.StatusCode >= 200 && o.StatusCode <= 299) || o.StatusCode == 304 {
		e.Pages++
	}
	if c := errorClassOf(o); c != "" {
		e.Errors[c]++
	}
	if o.Task.Kind.IsEntryPoint() {
		e.EntryURLs = appendCapped(e.EntryURLs, o.Task.URL)
		switch o.Reason {
		case crawler.ReasonUnchanged:
			e.EntryUnchanged++
		case crawler.ReasonEntryPoint:
			e.EntryPoints++
			if g.entryNew[o.Task.URL] > 0 {
				e.EntryChanged++
			}
		}
		delete(g.entryNew, o.Task.URL)
	}
	if o.Kind == crawler.OutcomeHandled && g.refetch[src] {
		e.ArticleURLs = appendCapped(e.ArticleURLs, o.Task.URL)
	}
	g.counted[src]++
	full := g.counted[src] >= g.batch
	g.mu.Unlock()
	if full {
		select {
		case g.kick <- struct{}{}:
		default:
		}
	}
}

// run flushes every window (and when a source fills a batch) until ctx
// ends, then flushes once more within the bound.
func (g *outcomeAggregator) run(ctx context.Context, final time.Duration) {
	t := time.NewTicker(g.window)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), final)
			g.flush(fctx)
			cancel()
			return
		case <-t.C:
		case <-g.kick:
		}
		g.flush(ctx)
	}
}

// flush publishes every open and failed event.
func (g *outcomeAggregator) flush(ctx context.Context) {
	g.mu.Lock()
	for src, e := range g.open {
		e.End = g.nowFn().UTC()
		if f := g.failed[src]; f != nil {
			// Merge into the event that failed: one id, one event.
			f.add(e)
		} else {
			g.seq++
			e.Seq = g.seq
			g.failed[src] = e
		}
	}
	g.open = map[string]*outcomeEvent{}
	g.counted = map[string]int{}
	todo := make([]*outcomeEvent, 0, len(g.failed))
	for _, e := range g.failed {
		todo = append(todo, e)
	}
	g.mu.Unlock()
	for _, e := range todo {
		data, err := json.Marshal(e)
		if err == nil {
			id := e.Worker + ":" + strconv.FormatInt(e.Epoch, 10) + ":" + strconv.FormatUint(e.Seq, 10)
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = g.pub.PublishOutcome(pctx, e.Source, id, data)
			cancel()
		}
		g.mu.Lock()
		if err == nil && g.failed[e.Source] == e {
			delete(g.failed, e.Source)
		}
		g.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			g.log.Warn("publishing crawl outcomes failed; kept for the next flush", "stage", "outcomes", "source", e.Source, "err", err)
		}
	}
}

// unpublished reports how many events wait for a successful publish.
func (g *outcomeAggregator) unpublished() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.failed) + len(g.open)
}

// decodeOutcomeEvent decodes an event; events of a later schema version
// are refused.
func decodeOutcomeEvent(data []byte) (*outcomeEvent, error) {
	var e outcomeEvent
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	if e.SchemaVersion != outcomeSchemaVersion {
		return nil, fmt.Errorf("outcome event schema version %d, want %d", e.SchemaVersion, outcomeSchemaVersion)
	}
	if !natsbus.ValidSourceID(e.Source) {
		return nil, fmt.Errorf("outcome event: invalid source %q", e.Source)
	}
	if e.Status == nil {
		e.Status = map[string]int{}
	}
	if e.Errors == nil {
		e.Errors = map[schedule.ErrorClass]int{}
	}
	return &e, nil
}

// runResult is a run's result built from the outcome events attributed
// to it (see the scheduler's Trigger).
func (e *outcomeEvent) runResult() schedule.RunResult {
	r := schedule.RunResult{Pages: e.Pages, Articles: e.Articles, SpamPages: e.SpamPages, Changed: e.EntryChanged > 0,
		ArticleURLs: slices.Clone(e.ArticleURLs)}
	if len(e.Errors) > 0 {
		r.Errors = maps.Clone(e.Errors)
	}
	return r
}

// watermarkSource, watermarkDay and watermarkKind name the
// crawl_outcomes row in which an outcome recorder keeps the last OUTCOMES
// stream sequence it recorded, per consumer and stream incarnation
// (reason = durable@stream-creation-time). It is written in the same
// transaction as the counts (RecordOutcomes adds the difference), so a
// redelivered event is never counted twice. "_watermark" is not a valid
// source id and 1970 is outside every chart.
const (
	watermarkSource = "_watermark"
	watermarkDay    = "1970-01-01"
	watermarkKind   = "stream_seq"
)

// outcomeRecorder records outcome events into crawl_outcomes for one
// storage consumer (durable): one process at a time (the lease
// natsbus.OutcomeLeaseKey(durable) in crawl_leases), in stream order,
// with a sequence watermark committed together with the counts.
type outcomeRecorder struct {
	conn    *natsbus.Conn
	cc      natsbus.ConsumerConfig
	an      *analyst.Analyst
	leases  *natsbus.State
	owner   string
	ttl     time.Duration
	log     *slog.Logger
	onBatch func(events int) // tests and metrics; may be nil
}

// recordOutcomes runs the recorder until ctx ends: it waits for the
// lease, then consumes. After taking the lease over it waits one ack
// wait first when events are still held by a previous owner, so those
// come back (redeliveries first) before anything newer.
func (r *outcomeRecorder) run(ctx context.Context) error {
	key := natsbus.OutcomeLeaseKey(r.cc.Durable)
	for ctx.Err() == nil {
		ok, err := r.leases.TryLease(ctx, key, r.owner, r.ttl)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("outcome recorder lease", "stage", "outcomes", "err", err)
		}
		if !ok {
			sleepFor(ctx, r.ttl/3)
			continue
		}
		if err := r.lead(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// lead consumes while holding the lease, renewing it; it returns when ctx
// ends or the lease is lost.
func (r *outcomeRecorder) lead(ctx context.Context, key string) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		rctx, c := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = r.leases.ReleaseLease(rctx, key, r.owner)
		c()
	}()
	go func() {
		t := time.NewTicker(r.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
				ok, err := r.leases.TryLease(lctx, key, r.owner, r.ttl)
				if lctx.Err() != nil {
					return
				}
				if err == nil && !ok {
					r.log.Warn("outcome recorder lease lost", "stage", "outcomes")
					cancel()
					return
				}
			}
		}
	}()
	held, created, err := r.consumerState(lctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if held > 0 {
		sleepFor(lctx, r.cc.BackOff[0])
	}
	mark := r.cc.Durable + "@" + strconv.FormatInt(created.UnixNano(), 10)
	w, err := r.watermark(lctx, mark)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	return natsbus.ConsumeEvents(lctx, r.conn.JetStream(), r.cc, func(ctx context.Context, msgs []natsbus.Message) error {
		var tally []analyst.OutcomeCount
		last := w
		for _, m := range msgs {
			if m.Sequence <= w {
				continue // recorded before a redelivery
			}
			last = max(last, m.Sequence)
			e, err := decodeOutcomeEvent(m.Data)
			if err != nil {
				r.log.Warn("skipping an undecodable outcome event", "stage", "outcomes", "seq", m.Sequence, "err", err)
				continue
			}
			for _, c := range e.Outcomes {
				if c.Count > 0 {
					tally = append(tally, analyst.OutcomeCount{Source: e.Source, Day: c.Day, Kind: c.Kind, Reason: c.Reason, Count: int64(c.Count)})
				}
			}
		}
		if last == w {
			return nil
		}
		tally = append(tally, analyst.OutcomeCount{Source: watermarkSource, Day: watermarkDay, Kind: watermarkKind, Reason: mark, Count: int64(last - w)})
		if err := r.an.RecordOutcomes(ctx, mergeOutcomeCounts(tally)); err != nil {
			return err
		}
		w = last
		if r.onBatch != nil {
			r.onBatch(len(msgs))
		}
		return nil
	})
}

// consumerState reports the events the consumer holds unacknowledged
// and the OUTCOMES stream's creation time.
func (r *outcomeRecorder) consumerState(ctx context.Context) (held int, created time.Time, err error) {
	js := r.conn.JetStream()
	st, err := natsbus.StreamInfo(ctx, js, r.cc.Stream)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("outcome recorder: %w", err)
	}
	_, inFlight, err := natsbus.ConsumerLag(ctx, js, r.cc.Stream, r.cc.Durable)
	if errors.Is(err, natsbus.ErrConsumerMissing) {
		return 0, st.Created, nil // ConsumeEvents creates it (unless pre-created is required)
	}
	if err != nil {
		return 0, st.Created, err
	}
	return inFlight, st.Created, nil
}

// watermark reads the last recorded sequence of mark.
func (r *outcomeRecorder) watermark(ctx context.Context, mark string) (uint64, error) {
	rows, err := r.an.Outcomes(ctx, analyst.Filter{Source: watermarkSource, Kind: watermarkKind})
	if err != nil {
		return 0, err
	}
	for _, c := range rows {
		if c.Reason == mark && c.Day == watermarkDay {
			return uint64(c.Count), nil
		}
	}
	return 0, nil
}

// mergeOutcomeCounts adds up counts with the same key.
func mergeOutcomeCounts(in []analyst.OutcomeCount) []analyst.OutcomeCount {
	type key struct{ s, d, k, r string }
	m := map[key]int64{}
	var order []key
	for _, c := range in {
		k := key{c.Source, c.Day, c.Kind, c.Reason}
		if _, ok := m[k]; !ok {
			order = append(order, k)
		}
		m[k] += c.Count
	}
	out := make([]analyst.OutcomeCount, 0, len(order))
	for _, k := range order {
		out = append(out, analyst.OutcomeCount{Source: k.s, Day: k.d, Kind: k.k, Reason: k.r, Count: m[k]})
	}
	return out
}

// sleepFor waits d or until ctx ends.
func sleepFor(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
