package crawler

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"winnow/crawler/discover"
	"winnow/crawler/frontier"
	"winnow/crawler/robots"
	"winnow/crawler/source"
	"winnow/crawler/ssrf"
	"winnow/sink/record/canonical"
)

// sourceRun is a source's effective settings for one run.
type sourceRun struct {
	src          *source.Source
	id           string
	userAgent    string
	strip        []string
	timeouts     source.Timeouts
	transport    http.RoundTripper
	bodyLimit    int64
	maxRedirects int
	retries      int
	conditional  bool
	obeyRobots   bool
	robotsTTL    time.Duration
	delay        time.Duration
	conc         int
	follow       bool
	feeds        bool
	sitemaps     bool
	maxDepth     int
	maxPages     int64
	maxAge       time.Duration

	pages atomic.Int64 // fetches started (first attempts)
}

// acceptsContentType applies the source's allow-list; a sitemap whose
// path ends in .gz may also come as application/octet-stream.
func (sc *sourceRun) acceptsContentType(ct string, j *job) bool {
	if sc.src.Fetch.AcceptsContentType(ct) {
		return true
	}
	if j.task.Kind == frontier.KindSitemap && strings.HasSuffix(j.url.Path, ".gz") {
		mt := mediaType(ct)
		return mt == "application/octet-stream" || mt == "binary/octet-stream"
	}
	return false
}

// job is a task inside the engine.
type job struct {
	task     frontier.Task
	done     frontier.Done
	sc       *sourceRun
	url      *url.URL
	host     *hostQueue
	attempts int
	claimed  bool
	// linksLost: the frontier refused links found on the page (its
	// validators are then not stored, so the next poll reads it again).
	linksLost bool
}

// urlSet is an atomic set of URLs (64-bit hashes).
type urlSet struct {
	seed maphash.Seed
	mu   sync.Mutex
	m    map[uint64]struct{}
}

func newURLSet() *urlSet {
	return &urlSet{seed: maphash.MakeSeed(), m: make(map[uint64]struct{})}
}

// add reports whether u was not in the set (and adds it).
func (s *urlSet) add(u string) bool {
	h := maphash.String(s.seed, u)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[h]; ok {
		return false
	}
	s.m[h] = struct{}{}
	return true
}

// remove takes u out of the set.
func (s *urlSet) remove(u string) {
	h := maphash.String(s.seed, u)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, h)
}

func (s *urlSet) has(u string) bool {
	h := maphash.String(s.seed, u)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[h]
	return ok
}

// linkHash hashes a link found on a page of source: the source (its
// scope and strip_params) and every field of the resolved URL, which
// together decide the task the link becomes.
func (s *urlSet) linkHash(source string, u *url.URL) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	user := ""
	if u.User != nil {
		user = u.User.String()
	}
	for _, f := range [...]string{source, u.Scheme, u.Opaque, user, u.Host, u.Path, u.RawPath, u.RawQuery, u.Fragment} {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(f)))
		_, _ = h.Write(n[:])
		_, _ = h.WriteString(f)
	}
	var flags byte
	if u.ForceQuery {
		flags |= 1
	}
	if u.OmitHost {
		flags |= 2
	}
	_ = h.WriteByte(flags)
	return h.Sum64()
}

// claimLinks adds the links of a page of source to the set and returns
// those that were not in it (each once), with their hashes for
// releaseLinks.
func (s *urlSet) claimLinks(source string, us []*url.URL) (fresh []*url.URL, hashes []uint64) {
	hs := make([]uint64, len(us))
	for i, u := range us {
		hs[i] = s.linkHash(source, u)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i, h := range hs {
		if _, ok := s.m[h]; ok {
			continue
		}
		s.m[h] = struct{}{}
		fresh = append(fresh, us[i])
		hs[n] = h
		n++
	}
	return fresh, hs[:n]
}

// releaseLinks takes claimed links out of the set again.
func (s *urlSet) releaseLinks(hashes []uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hashes {
		delete(s.m, h)
	}
}

// run is one call of Crawler.Run.
type run struct {
	c       *Crawler
	h       Handler
	log     *slog.Logger
	front   frontier.Frontier
	sources map[string]*sourceRun
	order   []*sourceRun
	sched   *scheduler
	fetched *urlSet // URLs fetched or being fetched in this run
	// links holds the page links already turned into tasks (or dropped
	// as out of scope), so that a link met again on another page skips
	// canonicalization and the frontier. Only with the run's own
	// in-memory frontier, which never forgets a URL (a shared frontier
	// may forget one and take it again); nil otherwise.
	links   *urlSet
	pending chan struct{} // one token per task taken and not finished

	robotsMu      sync.Mutex
	robotsApplied map[string]bool // origin + source id

	mu  sync.Mutex // guards sum and serializes OnOutcome
	sum Summary
}

// Run crawls the given sources until the frontier is idle (the default
// in-memory frontier: every URL reached an outcome) or ctx ends, handing
// article pages to h. Disabled sources are ignored. It returns the run's
// summary; the error is nil when the crawl completed, ctx's error when it
// was stopped (the summary then covers what finished), or the
// frontier's error.
//
// Each run seeds the frontier with the sources' seeds; entry points are
// fetched with conditional GET when validators from an earlier run are
// stored, and a 304 ends them with not_article/unchanged. With a frontier
// that never reports idle (JetStream), Run returns when ctx ends.
func (c *Crawler) Run(ctx context.Context, sources []*source.Source, h Handler) (Summary, error) {
	if h == nil {
		return Summary{}, fmt.Errorf("%w: nil Handler", ErrInvalidOptions)
	}
	r, err := c.newRun(sources, h)
	if err != nil {
		return Summary{}, err
	}
	return r.run(ctx)
}

func (c *Crawler) newRun(sources []*source.Source, h Handler) (*run, error) {
	r := &run{
		c:             c,
		h:             h,
		log:           c.log,
		front:         c.opts.Frontier,
		sources:       make(map[string]*sourceRun),
		sched:         newScheduler(c.opts.HostQueue),
		fetched:       newURLSet(),
		pending:       make(chan struct{}, c.opts.MaxPending),
		robotsApplied: make(map[string]bool),
	}
	for i, s := range sources {
		if s == nil {
			return nil, fmt.Errorf("%w: sources[%d] is nil", ErrInvalidSource, i)
		}
		if s.ID == "" {
			return nil, fmt.Errorf("%w: sources[%d] has no id", ErrInvalidSource, i)
		}
		if _, dup := r.sources[s.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate source id %q", ErrInvalidSource, s.ID)
		}
		if !s.IsEnabled() {
			continue
		}
		if len(s.Seeds) == 0 {
			return nil, fmt.Errorf("%w: source %q has no seeds", ErrInvalidSource, s.ID)
		}
		t := s.Fetch.Timeouts()
		tr, err := c.transport(t)
		if err != nil {
			return nil, err
		}
		sc := &sourceRun{
			src:          s,
			id:           s.ID,
			userAgent:    s.Politeness.Agent(),
			strip:        s.Scope.StripParams,
			timeouts:     t,
			transport:    tr,
			bodyLimit:    s.Fetch.BodyLimit(),
			maxRedirects: s.Fetch.RedirectLimit(),
			retries:      s.Fetch.RetryLimit(),
			conditional:  s.Fetch.Conditional(),
			obeyRobots:   s.Politeness.ObeyRobots(),
			robotsTTL:    s.Politeness.RobotsCacheTTL(),
			delay:        s.Politeness.Delay(),
			conc:         s.Politeness.PerHostConcurrency(),
			follow:       s.Discovery.Follow(),
			feeds:        s.Discovery.FollowFeeds(),
			sitemaps:     s.Discovery.FollowSitemaps(),
			maxDepth:     s.Discovery.Depth(),
			maxPages:     int64(s.Scope.PageLimit()),
			maxAge:       s.Scope.MaxAge(),
		}
		r.sources[s.ID] = sc
		r.order = append(r.order, sc)
	}
	return r, nil
}

func (r *run) run(parent context.Context) (Summary, error) {
	r.sum.Started = time.Now()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	if r.front == nil {
		mem := frontier.NewMemory()
		defer mem.Close()
		r.front = mem
		r.links = newURLSet()
	}
	if err := r.addSeeds(ctx); err != nil {
		return r.finish(), err
	}

	var wg sync.WaitGroup
	wg.Go(func() { r.sched.loop(ctx) })
	for range r.c.opts.Workers {
		wg.Go(func() { r.work(ctx) })
	}
	err := r.dispatch(ctx)
	cancel()
	wg.Wait()
	for _, j := range r.sched.drain() {
		r.abandon(j, context.Canceled)
	}
	r.c.closeIdle()
	sum := r.finish()
	switch {
	case errors.Is(err, frontier.ErrIdle):
		return sum, nil
	case parent.Err() != nil:
		return sum, parent.Err()
	default:
		return sum, err
	}
}

func (r *run) finish() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Finished = time.Now()
	return r.sum.clone()
}

// addSeeds queues every enabled source's seeds, unless Options.NoSeeds.
func (r *run) addSeeds(ctx context.Context) error {
	if r.c.opts.NoSeeds {
		return nil
	}
	var tasks []frontier.Task
	for _, sc := range r.order {
		t, err := SeedTasks(sc.src)
		if err != nil {
			return err
		}
		tasks = append(tasks, t...)
	}
	n, err := r.front.Add(ctx, tasks...)
	r.mu.Lock()
	r.sum.Discovered += n
	r.mu.Unlock()
	return err
}

// SeedTasks returns the frontier tasks of src's seeds, exactly as Run
// queues them: canonical URLs (with the source's strip_params), kind
// from the seed (listing when unset), depth 0. It is for whoever seeds a
// frontier shared by crawlers running with Options.NoSeeds. The error
// wraps ErrInvalidSource.
func SeedTasks(src *source.Source) ([]frontier.Task, error) {
	if src == nil || src.ID == "" {
		return nil, fmt.Errorf("%w: nil source or no id", ErrInvalidSource)
	}
	tasks := make([]frontier.Task, 0, len(src.Seeds))
	for _, s := range src.Seeds {
		u, err := canonical.URL(s.URL, src.Scope.StripParams...)
		if err != nil {
			return nil, fmt.Errorf("%w: source %q seed: %w", ErrInvalidSource, src.ID, err)
		}
		kind := frontier.Kind(s.Kind)
		if kind == "" {
			kind = frontier.KindListing
		}
		tasks = append(tasks, frontier.Task{URL: u, Source: src.ID, Kind: kind})
	}
	return tasks, nil
}

// dispatch moves tasks from the frontier into the per-host queues until
// the frontier is idle or fails, or ctx ends. It holds one pending token
// per task (back-pressure: at most MaxPending tasks inside the engine).
func (r *run) dispatch(ctx context.Context) error {
	deferred := 0
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	defer wait.Stop()
	for {
		select {
		case r.pending <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		t, done, err := r.front.Next(ctx)
		if err != nil {
			<-r.pending
			return err
		}
		j := &job{task: t, done: done}
		if o, skip := r.precheck(j); skip {
			r.record(j, o)
			continue
		}
		sc := j.sc
		if r.sched.enqueue(j, j.url.Host, sc.delay, sc.conc) {
			deferred = 0
			continue
		}
		// The host's queue is full: hand the task back for later and,
		// after a run of such tasks, wait for room rather than spin.
		done(frontier.ErrDeferred)
		<-r.pending
		if deferred++; deferred >= 16 {
			deferred = 0
			wait.Reset(100 * time.Millisecond)
			select {
			case <-r.sched.space:
			case <-wait.C:
			case <-ctx.Done():
				return ctx.Err()
			}
			wait.Stop()
		}
	}
}

// revisitable reports whether a task may be fetched again in the same
// run: a source's own entry points (depth 0), which the scheduler queues
// on every firing of the source, so that a long-lived run on a shared
// frontier sees them many times. Every other URL, entry points found on
// pages included, is fetched once per run.
func revisitable(t frontier.Task) bool { return t.Depth == 0 && t.Kind.IsEntryPoint() }

// precheck decides the outcomes that need no request: unknown source,
// scope, duplicate, age and page limit.
func (r *run) precheck(j *job) (Outcome, bool) {
	t := j.task
	skip := func(reason string, err error) (Outcome, bool) {
		return Outcome{Task: t, Kind: OutcomeSkipped, Reason: reason, Err: err}, true
	}
	sc := r.sources[t.Source]
	if sc == nil {
		return skip(ReasonUnknownSource, nil)
	}
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return skip(ReasonBadURL, err)
	}
	j.sc, j.url = sc, u
	if ok, why := sc.src.Scope.InScope(u); !ok {
		return skip(ReasonOutOfScope, errors.New(why))
	}
	if !revisitable(t) && r.fetched.has(t.URL) {
		return skip(ReasonDuplicate, nil)
	}
	if sc.maxAge > 0 && t.Kind == frontier.KindPage && !t.Published.IsZero() && time.Since(t.Published) > sc.maxAge {
		return skip(ReasonTooOld, nil)
	}
	if sc.pages.Load() >= sc.maxPages {
		return skip(ReasonMaxPages, nil)
	}
	return Outcome{}, false
}

// work is one worker: take a job whose host may be contacted now,
// process it, repeat.
func (r *run) work(ctx context.Context) {
	w := newWorker(r)
	for {
		j := r.sched.take(ctx)
		if j == nil {
			return
		}
		r.process(ctx, w, j)
		if w.buf.Cap() > maxKeptBuffer {
			w.buf = bytes.Buffer{}
		}
	}
}

// process runs one job in its host slot: robots.txt, the request, then
// (after giving the host slot back) discovery and the handler.
func (r *run) process(ctx context.Context, w *worker, j *job) {
	sc := j.sc
	noRequest := release{}
	if sc.obeyRobots {
		origin := robots.Origin(j.url)
		rules, cached := r.c.robots.Cached(origin)
		if !cached {
			var err error
			rules, err = r.c.robots.Get(ctx, origin, sc.userAgent, sc.robotsTTL)
			if err != nil {
				r.sched.finish(j, noRequest)
				r.abandon(j, err)
				return
			}
		}
		r.applyRobots(ctx, j, origin, rules)
		if !cached {
			// robots.txt was a request to the host: the page waits for
			// the host's delay like any other request.
			r.sched.finish(j, release{requeue: true, responded: time.Now()})
			return
		}
		switch {
		case rules.Status == robots.StatusUnavailable && errors.Is(rules.Err, ssrf.ErrBlocked):
			r.sched.finish(j, noRequest)
			r.record(j, Outcome{Task: j.task, Kind: OutcomeSkipped, Reason: ReasonBlockedAddress, Err: rules.Err})
			return
		case rules.Status == robots.StatusUnavailable:
			r.sched.finish(j, noRequest)
			r.record(j, Outcome{Task: j.task, Kind: OutcomeSkipped, Reason: ReasonRobotsUnavailable, Err: rules.Err})
			return
		case !rules.Allowed(sc.userAgent, j.url.RequestURI()):
			r.sched.finish(j, noRequest)
			r.record(j, Outcome{Task: j.task, Kind: OutcomeSkipped, Reason: ReasonRobots})
			return
		}
	}
	if j.attempts == 0 {
		if !j.claimed {
			if !r.fetched.add(j.task.URL) && !revisitable(j.task) {
				r.sched.finish(j, noRequest)
				r.record(j, Outcome{Task: j.task, Kind: OutcomeSkipped, Reason: ReasonDuplicate})
				return
			}
			j.claimed = true
		}
		if sc.pages.Add(1) > sc.maxPages {
			r.sched.finish(j, noRequest)
			r.record(j, Outcome{Task: j.task, Kind: OutcomeSkipped, Reason: ReasonMaxPages})
			return
		}
	}

	j.attempts++
	a, res := w.fetch(ctx, j)
	rel := release{responded: a.respondedAt}
	if res.canceled {
		r.sched.finish(j, rel)
		r.abandon(j, res.err)
		return
	}
	if res.retryable && j.attempts <= sc.retries {
		d := retryDelay(sc, j.attempts, res.retryAfter, r.c.opts.MaxRetryAfter)
		rel.requeue = true
		rel.notBefore = time.Now().Add(d)
		r.sched.finish(j, rel)
		r.log.Debug("retrying", "url", j.task.URL, "host", j.url.Host, "source", sc.id,
			"attempt", j.attempts, "delay", d, "reason", res.reason, "err", res.err)
		return
	}
	r.sched.finish(j, rel)

	o := Outcome{Task: j.task, Attempts: j.attempts, StatusCode: a.status, Elapsed: a.elapsed}
	if a.finalURL != nil {
		o.URL = a.finalURL.String()
	}
	if !res.ok {
		o.Kind, o.Reason, o.Err = res.kind, res.reason, res.err
		r.record(j, o)
		return
	}
	o.Bytes = w.buf.Len()
	if err := r.handle(ctx, w, j, a, &o); err != nil {
		r.abandon(j, err)
		return
	}
	r.record(j, o)
}

// handle processes a 2xx response: validators, archive, discovery, and
// for article pages the handler. It sets o's kind and reason; a non-nil
// error means the run was canceled and the task must be redelivered.
func (r *run) handle(ctx context.Context, w *worker, j *job, a *attempt, o *Outcome) error {
	sc := j.sc
	body := w.buf.Bytes()
	final := a.finalURL
	ct := a.header.Get("Content-Type")
	mt := mediaType(ct)

	// An entry point's validators are stored only once the links it
	// lists are queued: stored before, a crash in between would make the
	// next poll answer 304 and the links would never be queued.
	entryPointRead := func() {
		if !j.task.Kind.IsEntryPoint() || !sc.conditional || j.linksLost {
			return
		}
		v := Validators{ETag: a.header.Get("ETag"), LastModified: a.header.Get("Last-Modified")}
		if err := r.c.state.SetValidators(ctx, j.task.URL, v); err != nil {
			r.log.Warn("storing validators failed", "url", j.task.URL, "source", sc.id, "err", err)
		}
	}

	var ref string
	if ar := r.c.opts.Archiver; ar != nil {
		var err error
		ref, err = ar.WriteResponse(ctx, Exchange{
			URL: final.String(), Method: http.MethodGet, StatusCode: a.status, Proto: a.proto,
			Header: a.header, Body: body, FetchedAt: a.respondedAt, RemoteAddr: a.remoteAddr,
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			o.Kind, o.Reason, o.Err = OutcomeFailed, ReasonArchive, err
			return nil
		}
	}

	// Feeds and sitemaps: by kind, or by content for any other page.
	isDoc := j.task.Kind == frontier.KindFeed || j.task.Kind == frontier.KindSitemap
	if !isDoc && (strings.Contains(mt, "xml") || strings.Contains(mt, "gzip")) {
		_, isDoc = discover.Sniff(body)
	}
	if isDoc {
		res, err := discover.Parse(bytes.NewReader(body), discover.Options{MaxBytes: sc.bodyLimit})
		switch {
		case err == nil || errors.Is(err, discover.ErrTooManyEntries):
			if err != nil {
				r.log.Warn("feed or sitemap truncated", "url", j.task.URL, "source", sc.id, "err", err)
			}
			if err := r.addEntries(ctx, j, final, res); err != nil {
				return err
			}
			entryPointRead()
			o.Kind, o.Reason = OutcomeNotArticle, ReasonEntryPoint
			return nil
		case errors.Is(err, discover.ErrTooLarge):
			o.Kind, o.Reason, o.Err = OutcomeFailed, ReasonTooLarge, fmt.Errorf("%w: %w", ErrTooLarge, err)
			return nil
		case !isHTML(mt, body):
			o.Kind, o.Reason, o.Err = OutcomeFailed, ReasonBadDocument, err
			return nil
		}
		// A "feed" that is an HTML page: read it as a listing.
	}

	if isHTML(mt, body) {
		follow := sc.follow && j.task.Depth < sc.maxDepth
		feeds := sc.feeds && j.task.Kind.IsEntryPoint()
		if follow || feeds {
			links := discover.HTMLLinks(body, final)
			if !follow {
				links.Pages = nil
			}
			if !feeds {
				links.Feeds = nil
			}
			if err := r.addLinks(ctx, j, links); err != nil {
				return err
			}
		}
	}
	if j.task.Kind.IsEntryPoint() {
		entryPointRead()
		o.Kind, o.Reason = OutcomeNotArticle, ReasonEntryPoint
		return nil
	}
	if j.task.Kind != frontier.KindArticle && !sc.src.Scope.IsArticle(final) {
		o.Kind, o.Reason = OutcomeNotArticle, ReasonNotArticleURL
		return nil
	}
	canonical, err := canonical.URL(final.String(), sc.strip...)
	if err != nil {
		canonical = j.task.URL
	}
	page := &Page{
		URL:          final.String(),
		CanonicalURL: canonical,
		Source:       sc.id,
		StatusCode:   a.status,
		Header:       a.header,
		ContentType:  ct,
		Body:         body,
		FetchedAt:    a.respondedAt,
		RawRef:       ref,
	}
	err = r.h.HandlePage(ctx, page)
	switch {
	case err == nil:
		o.Kind, o.Reason = OutcomeHandled, ReasonHandled
	case errors.Is(err, ErrNotArticle):
		o.Kind, o.Reason, o.Err = OutcomeNotArticle, ReasonHandler, err
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		o.Kind, o.Reason, o.Err = OutcomeFailed, ReasonHandlerError, err
	}
	return nil
}

// isHTML reports whether a response is an HTML (or XHTML) page, by media
// type or, without one, by its first bytes.
func isHTML(mt string, body []byte) bool {
	switch mt {
	case "text/html", "application/xhtml+xml":
		return true
	case "":
		return strings.Contains(http.DetectContentType(body), "text/html")
	}
	return false
}

// addLinks queues a page's in-scope links (one hop deeper) and feeds.
// Links to hosts outside the source's scope are dropped here, silently;
// denied paths are queued and end as skipped/out_of_scope.
func (r *run) addLinks(ctx context.Context, j *job, links discover.Links) error {
	sc := j.sc
	if sc.pages.Load() >= sc.maxPages {
		return nil
	}
	pages := links.Pages
	var claimed []uint64
	if r.links != nil {
		pages, claimed = r.links.claimLinks(sc.id, pages)
	}
	tasks := make([]frontier.Task, 0, len(pages)+len(links.Feeds))
	for _, u := range pages {
		if ok, why := sc.src.Scope.InScope(u); !ok && why != source.ReasonDenied {
			continue
		}
		c, err := canonical.FromURL(u, sc.strip)
		if err != nil {
			continue
		}
		tasks = append(tasks, frontier.Task{URL: c, Source: sc.id, Kind: frontier.KindPage, Depth: j.task.Depth + 1, Referrer: j.task.URL})
	}
	for _, u := range links.Feeds {
		c, err := canonical.FromURL(u, sc.strip)
		if err != nil {
			continue
		}
		tasks = append(tasks, frontier.Task{URL: c, Source: sc.id, Kind: frontier.KindFeed, Depth: j.task.Depth + 1, Referrer: j.task.URL})
	}
	err := r.add(ctx, j, tasks)
	if claimed != nil && (err != nil || j.linksLost) {
		r.links.releaseLinks(claimed) // the frontier may not have them
	}
	return err
}

// addEntries queues a feed's or sitemap's URLs (articles) and a sitemap
// index's children (sitemaps). They are not bounded by max_depth.
func (r *run) addEntries(ctx context.Context, j *job, base *url.URL, res *discover.Result) error {
	sc := j.sc
	tasks := make([]frontier.Task, 0, len(res.Entries)+len(res.Sitemaps))
	for _, e := range res.Sitemaps {
		if abs, ok := discover.ResolveURL(base, e.URL); ok {
			if c, err := canonical.FromURL(abs, sc.strip); err == nil {
				tasks = append(tasks, frontier.Task{URL: c, Source: sc.id, Kind: frontier.KindSitemap, Depth: j.task.Depth + 1, Referrer: j.task.URL, Published: e.Modified})
			}
		}
	}
	if sc.pages.Load() < sc.maxPages {
		for _, e := range res.Entries {
			if abs, ok := discover.ResolveURL(base, e.URL); ok {
				if c, err := canonical.FromURL(abs, sc.strip); err == nil {
					tasks = append(tasks, frontier.Task{URL: c, Source: sc.id, Kind: frontier.KindPage, Depth: j.task.Depth + 1, Referrer: j.task.URL, Published: e.Time()})
				}
			}
		}
	}
	return r.add(ctx, j, tasks)
}

// add queues tasks found on j's page (j nil: robots.txt); only a canceled
// context is an error (the frontier failing otherwise is logged and
// marks j's links lost: the page itself was processed).
func (r *run) add(ctx context.Context, j *job, tasks []frontier.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	n, err := r.front.Add(ctx, tasks...)
	if n > 0 {
		r.mu.Lock()
		r.sum.Discovered += n
		r.mu.Unlock()
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.Warn("adding discovered URLs failed", "url", tasks[0].Referrer, "source", tasks[0].Source, "err", err)
		if j != nil {
			j.linksLost = true
		}
	}
	return nil
}

// applyRobots applies an origin's robots.txt once per source and run:
// Crawl-delay raises the host's delay (capped by max_crawl_delay) and
// Sitemap: lines are queued when the source reads them.
func (r *run) applyRobots(ctx context.Context, j *job, origin string, rules *robots.Rules) {
	sc := j.sc
	key := origin + " " + sc.id
	r.robotsMu.Lock()
	done := r.robotsApplied[key]
	r.robotsApplied[key] = true
	r.robotsMu.Unlock()
	if done {
		return
	}
	if cd := rules.CrawlDelay(sc.userAgent); cd > 0 {
		r.sched.raiseDelay(j.host, sc.src.Politeness.DelayWith(cd))
	}
	if !sc.sitemaps {
		return
	}
	var tasks []frontier.Task
	for _, s := range rules.Sitemaps() {
		if c, err := canonical.URL(s, sc.strip...); err == nil {
			tasks = append(tasks, frontier.Task{URL: c, Source: sc.id, Kind: frontier.KindSitemap, Depth: 1, Referrer: origin + "/robots.txt"})
		}
	}
	_ = r.add(ctx, nil, tasks) // only fails when ctx is done; the job notices
}

// record reports o, finishes the task with the frontier and returns its
// pending token.
func (r *run) record(j *job, o Outcome) {
	o.At = time.Now()
	r.mu.Lock()
	r.sum.add(o)
	if cb := r.c.opts.OnOutcome; cb != nil {
		cb(o)
	}
	r.mu.Unlock()
	if r.log.Enabled(context.Background(), slog.LevelDebug) || o.Kind == OutcomeFailed {
		host := ""
		if j.url != nil {
			host = j.url.Host
		}
		level := slog.LevelDebug
		if o.Kind == OutcomeFailed {
			level = slog.LevelInfo
		}
		r.log.Log(context.Background(), level, "outcome", "url", o.Task.URL, "host", host, "source", o.Task.Source,
			"outcome", string(o.Kind), "reason", o.Reason, "status", o.StatusCode, "err", o.Err)
	}
	j.done(nil)
	<-r.pending
}

// abandon gives an unfinished task back to the frontier (the run is
// stopping) and returns its pending token.
func (r *run) abandon(j *job, err error) {
	j.done(err)
	<-r.pending
}
