package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"winnow/sink/record"
)

// Task is one URL to crawl, the payload of a frontier message.
type Task struct {
	// URL is the absolute http(s) URL to fetch, canonicalized by the
	// caller (the dedup key is a hash of it).
	URL string `json:"url"`
	// Source is the configured source id, "" for ad-hoc.
	Source string `json:"source"`
	// Kind says what the URL is for the crawler (article, listing, feed,
	// sitemap …); free text to this package.
	Kind string `json:"kind"`
	// Depth is the link distance from the source's entry points.
	Depth int `json:"depth"`
	// Referrer is the page the URL was found on, "" for entry points.
	Referrer string `json:"referrer"`
	// Published is the publication time a feed or sitemap announced for
	// the URL (so a crawler can skip old articles); zero when unknown.
	Published time.Time `json:"published,omitzero"`
	// Revisit skips the permanent dedup (crawl_seen), for entry points that
	// the scheduler re-queues when due. The stream's duplicate window still
	// drops a second add within FrontierDuplicates.
	Revisit bool `json:"revisit,omitempty"`
	// RevisitID, for a Revisit task, names one revisit (the scheduler's
	// firing): it joins the URL hash in the Nats-Msg-Id, so a new firing
	// is queued even within the duplicate window while a repeated add of
	// the same firing is still dropped. Ignored without Revisit.
	RevisitID string `json:"revisit_id,omitempty"`
}

// Done settles a task returned by Next; call it exactly once (later calls
// do nothing). A nil err acknowledges the task: it ended in a recorded
// state (stored, skipped with a reason …) and leaves the frontier. An error
// made with Retry gives it back for a later attempt (NAK with delay; after
// FrontierMaxDeliver deliveries it is dead-lettered through the advisory
// forwarder). Any other error dead-letters it at once: it is copied to
// dlq.FRONTIER.frontier-<p> with err as the reason, then terminated.
type Done func(ctx context.Context, err error) error

// FrontierOptions configures NewFrontier.
type FrontierOptions struct {
	// Config is the topology: namespace, Partitions, frontier limits.
	// Every process of a deployment must use the same.
	Config Config
	// WorkerID identifies this process in partition leases; zero =
	// "<hostname>-<pid>-<random>". Use [A-Za-z0-9_-].
	WorkerID string
	// LeaseTTL is how long a partition lease lives without renewal, i.e.
	// how long a dead worker's partitions stay unserved; zero = 15s.
	LeaseTTL time.Duration
	// Heartbeat is the lease renewal and rebalancing interval; zero =
	// LeaseTTL/3. It must be below LeaseTTL/2.
	Heartbeat time.Duration
	// FetchBatch is how many tasks one pull takes from a partition; zero = 4.
	FetchBatch int
	// FetchWait bounds one pull; zero = 1s.
	FetchWait time.Duration
	// RequirePrecreated binds to admin-created partition consumers instead
	// of creating or updating them; zero = create or update.
	RequirePrecreated bool
	// Logger receives lease, rebalancing and dead-letter events; zero =
	// discard.
	Logger *slog.Logger
}

// FrontierPending counts the frontier's unfinished work.
type FrontierPending struct {
	// Queued is the number of tasks in the stream: not yet delivered,
	// in flight, or waiting for redelivery. The crawl is finished when it
	// is zero.
	Queued uint64
	// Waiting is the number of tasks not yet delivered to any worker.
	Waiting uint64
	// InFlight is the number of tasks delivered and not yet settled.
	InFlight int
}

// Idle reports whether nothing is left to crawl.
func (p FrontierPending) Idle() bool { return p.Queued == 0 }

// Frontier is the crawl frontier on JetStream: the FRONTIER work-queue
// stream, partitioned by host so that one worker owns each host's
// politeness, with permanent URL dedup in the crawl_seen bucket and
// partition ownership through leases in the crawl_leases bucket.
//
// Add may be called by any process. The first call to Next makes the
// process a worker: it registers in crawl_leases, leases its share of the
// partitions (the live workers split them evenly; a new or dead worker
// triggers rebalancing within a heartbeat or a lease TTL), and pulls tasks
// only from partitions it holds. Close releases the leases. Safe for
// concurrent use.
type Frontier struct {
	js     jetstream.JetStream
	cfg    Config
	names  Names
	o      FrontierOptions
	log    *slog.Logger
	pub    *Publisher
	seen   jetstream.KeyValue
	leases jetstream.KeyValue

	out       chan *taskDelivery
	stop      chan struct{}
	startOnce sync.Once
	closeOnce sync.Once
	wg        sync.WaitGroup

	mu    sync.Mutex
	parts map[int]*partition
}

type partition struct {
	n          int
	cons       jetstream.Consumer
	expires    time.Time // lease validity as this process knows it
	draining   bool
	drainSince time.Time
	inflight   int
	stop       chan struct{} // closed to stop the fetcher
	done       chan struct{} // closed when the fetcher has exited
}

type taskDelivery struct {
	msg  jetstream.Msg
	part *partition
}

var (
	workerIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	notIDChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
)

// NewFrontier binds to the frontier of o.Config, whose streams and buckets
// EnsureStreams created.
func NewFrontier(ctx context.Context, js jetstream.JetStream, o FrontierOptions) (*Frontier, error) {
	cfg, n, err := o.Config.validate()
	if err != nil {
		return nil, err
	}
	if o.WorkerID == "" {
		host, _ := os.Hostname()
		host = notIDChars.ReplaceAllString(host, "_")
		o.WorkerID = fmt.Sprintf("%s-%d-%04x", strings.Trim(host, "_"), os.Getpid(), rand.N(1<<16))
		o.WorkerID = strings.TrimPrefix(o.WorkerID, "-")
	}
	if !workerIDRe.MatchString(o.WorkerID) {
		return nil, fmt.Errorf("%w: WorkerID %q", ErrInvalidOptions, o.WorkerID)
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 15 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = o.LeaseTTL / 3
	}
	if o.Heartbeat >= o.LeaseTTL/2 {
		return nil, fmt.Errorf("%w: Heartbeat %s must be below LeaseTTL/2 (%s)", ErrInvalidOptions, o.Heartbeat, o.LeaseTTL/2)
	}
	if o.FetchBatch <= 0 {
		o.FetchBatch = 4
	}
	if o.FetchWait <= 0 {
		o.FetchWait = time.Second
	}
	log := o.Logger
	if log == nil {
		log = discardLogger()
	}
	log = log.With("worker", o.WorkerID)
	pub, err := NewPublisher(js, PublisherOptions{Config: cfg, Logger: log})
	if err != nil {
		return nil, err
	}
	seen, err := bindBucket(ctx, js, n.Seen)
	if err != nil {
		return nil, err
	}
	leases, err := bindBucket(ctx, js, n.Leases)
	if err != nil {
		return nil, err
	}
	return &Frontier{
		js: js, cfg: cfg, names: n, o: o, log: log, pub: pub, seen: seen, leases: leases,
		out: make(chan *taskDelivery), stop: make(chan struct{}), parts: map[int]*partition{},
	}, nil
}

// WorkerID returns the id this frontier leases partitions under.
func (f *Frontier) WorkerID() string { return f.o.WorkerID }

// Partition returns the frontier partition of host: FNV-32a of the
// lower-cased host name, modulo partitions.
func Partition(host string, partitions int) int {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(host)))
	return int(h.Sum32() % uint32(max(partitions, 1)))
}

// URLHash returns the frontier's dedup key and Nats-Msg-Id for a URL: the
// same hex hash record.NewID gives the article's id.
func URLHash(u string) string { return record.NewID(u, "", "") }

func (t Task) host() (string, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidTask, t.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%w: %q: scheme must be http or https", ErrInvalidTask, t.URL)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("%w: %q: no host", ErrInvalidTask, t.URL)
	}
	if t.Source != "" && !ValidSourceID(t.Source) {
		return "", fmt.Errorf("%w: %q: source %w", ErrInvalidTask, t.URL, ErrInvalidSourceID)
	}
	if t.Depth < 0 {
		return "", fmt.Errorf("%w: %q: negative depth", ErrInvalidTask, t.URL)
	}
	return u.Hostname(), nil
}

// Add queues tasks and returns how many were new. A URL already queued or
// crawled is dropped: within the stream's duplicate window by its
// Nats-Msg-Id (the URL hash), beyond it through the crawl_seen bucket
// (unless Task.Revisit). Invalid tasks are skipped and reported in the
// error (wrapping ErrInvalidTask) after the valid ones are queued. A full
// frontier blocks Add (back-pressure) until space frees up or ctx ends.
//
// Order of operations and its crash window: Add checks crawl_seen, then
// publishes, then creates the crawl_seen key. A crash between publish and
// create leaves a queued task without its seen key; re-adding the URL
// later queues it again (after the duplicate window), which costs one
// idempotent re-fetch: the sinks upsert by id, so nothing is duplicated.
// The reverse order could lose a URL for good, which is worse.
func (f *Frontier) Add(ctx context.Context, tasks ...Task) (int, error) {
	added := 0
	var invalid []error
	for _, t := range tasks {
		ok, err := f.add(ctx, t)
		if errors.Is(err, ErrInvalidTask) {
			invalid = append(invalid, err)
			continue
		}
		if err != nil {
			return added, err
		}
		if ok {
			added++
		}
	}
	return added, errors.Join(invalid...)
}

func (f *Frontier) add(ctx context.Context, t Task) (bool, error) {
	host, err := t.host()
	if err != nil {
		return false, err
	}
	key := URLHash(t.URL)
	if !t.Revisit {
		seen, err := f.seenBefore(ctx, key, t.URL)
		if err != nil || seen {
			return false, err
		}
	}
	data, err := json.Marshal(t)
	if err != nil {
		return false, fmt.Errorf("%w: %q: %w", ErrInvalidTask, t.URL, err)
	}
	id := key
	if t.Revisit && t.RevisitID != "" {
		id = key + "." + t.RevisitID
	}
	m := outMsg{subject: f.names.FrontierSubject(Partition(host, f.cfg.Partitions)), id: id, data: data, articleID: key}
	ack, err := f.pub.publishSync(ctx, m)
	if err != nil {
		return false, fmt.Errorf("natsbus: frontier add %s: %w", t.URL, err)
	}
	if !t.Revisit {
		if _, err := f.seen.Create(ctx, key, []byte(t.URL)); err != nil && !isConflict(err) {
			// The task is queued; only the long-term dedup entry is
			// missing (see the crash window above).
			f.log.Warn("frontier: could not record URL as seen", "url", t.URL, "err", err)
		}
	}
	return !ack.Duplicate, nil
}

// seenBefore reports whether url (hash key) is in crawl_seen. Transient
// failures (a timeout while the bucket's stream elects a new leader, a
// reconnect) are retried with the publisher's backoff until ctx ends, so
// that a failover does not drop the links of the page being processed.
func (f *Frontier) seenBefore(ctx context.Context, key, url string) (bool, error) {
	r := f.pub.retrier(f.names.Seen)
	for {
		_, err := f.seen.Get(ctx, key)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
			return false, nil
		}
		if err := r.failed(ctx, outMsg{subject: f.names.Seen, articleID: key}, err); err != nil {
			return false, fmt.Errorf("natsbus: frontier seen %s: %w", url, err)
		}
	}
}

// Next returns the next task from the partitions this worker holds,
// blocking until one is available, ctx ends, or the frontier is closed
// (ErrClosed). The returned Done must be called once the task is settled.
func (f *Frontier) Next(ctx context.Context) (Task, Done, error) {
	select {
	case <-f.stop:
		return Task{}, nil, ErrClosed
	default:
	}
	f.startOnce.Do(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		select {
		case <-f.stop:
			return // closed meanwhile: start nothing
		default:
		}
		f.wg.Add(1)
		go f.run()
	})
	for {
		select {
		case d := <-f.out:
			var t Task
			if err := json.Unmarshal(d.msg.Data(), &t); err != nil || t.URL == "" {
				reason := "undecodable task"
				if err != nil {
					reason += ": " + err.Error()
				}
				_ = f.settle(ctx, d, errors.New(reason))
				continue
			}
			var once atomic.Bool
			done := func(ctx context.Context, err error) error {
				if !once.CompareAndSwap(false, true) {
					return nil
				}
				return f.settle(ctx, d, err)
			}
			return t, done, nil
		case <-ctx.Done():
			return Task{}, nil, ctx.Err()
		case <-f.stop:
			return Task{}, nil, ErrClosed
		}
	}
}

func (f *Frontier) settle(ctx context.Context, d *taskDelivery, outcome error) error {
	defer f.addInflight(d.part, -1)
	var delivered uint64 = 1
	md, mdErr := d.msg.Metadata()
	if mdErr == nil {
		delivered = md.NumDelivered
	}
	var retry *RetryError
	switch {
	case outcome == nil:
		if err := d.msg.DoubleAck(ctx); err != nil {
			return fmt.Errorf("natsbus: frontier ack: %w", err)
		}
		return nil
	case errors.As(outcome, &retry):
		delay := retry.After
		if delay <= 0 {
			delay = backOffFor(f.cfg.FrontierBackOff, delivered)
		}
		if err := d.msg.NakWithDelay(delay); err != nil {
			return fmt.Errorf("natsbus: frontier nak: %w", err)
		}
		return nil
	}
	if mdErr != nil {
		return fmt.Errorf("natsbus: frontier dead-letter: %w", mdErr)
	}
	reason := outcome.Error()
	orig := &jetstream.RawStreamMsg{Subject: d.msg.Subject(), Sequence: md.Sequence.Stream, Header: d.msg.Headers(), Data: d.msg.Data()}
	if err := copyToDLQ(ctx, f.js, f.names.DLQSubject(md.Stream, md.Consumer), md.Stream, md.Consumer, orig, delivered, reason); err != nil {
		_ = d.msg.NakWithDelay(backOffFor(f.cfg.FrontierBackOff, delivered))
		return fmt.Errorf("natsbus: frontier dead-letter: %w", err)
	}
	f.log.Warn("frontier: task dead-lettered", "seq", md.Sequence.Stream, "reason", reason)
	if err := terminate(f.js, d.msg, reason); err != nil {
		return fmt.Errorf("natsbus: frontier term: %w", err)
	}
	return nil
}

func (f *Frontier) addInflight(p *partition, delta int) {
	f.mu.Lock()
	p.inflight += delta
	f.mu.Unlock()
}

// Owned returns the partitions this worker currently pulls from, sorted.
func (f *Frontier) Owned() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for n, p := range f.parts {
		if !p.draining {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// Pending counts the frontier's unfinished tasks over all partitions (not
// only this worker's), for `winnow run --until-idle`.
func (f *Frontier) Pending(ctx context.Context) (FrontierPending, error) {
	s, err := f.js.Stream(ctx, f.names.Frontier)
	if err != nil {
		return FrontierPending{}, fmt.Errorf("natsbus: frontier pending: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return FrontierPending{}, fmt.Errorf("natsbus: frontier pending: %w", err)
	}
	p := FrontierPending{Queued: info.State.Msgs}
	for n := range f.cfg.Partitions {
		c, err := s.Consumer(ctx, f.names.FrontierConsumer(n))
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue
		}
		if err != nil {
			return FrontierPending{}, fmt.Errorf("natsbus: frontier pending: %w", err)
		}
		ci := c.CachedInfo()
		p.Waiting += ci.NumPending
		p.InFlight += ci.NumAckPending
	}
	return p, nil
}

// Close stops pulling, gives undelivered prefetched tasks back, releases
// this worker's leases and membership so others take over at once, and
// waits for its goroutines. Tasks already returned by Next can still be
// settled with their Done while the connection is open. Safe to call more
// than once.
func (f *Frontier) Close() error {
	f.closeOnce.Do(func() {
		f.mu.Lock()
		close(f.stop)
		f.mu.Unlock()
	})
	f.wg.Wait()
	return nil
}

// run is the owner loop: heartbeat, membership, lease renewal and
// rebalancing, every Heartbeat until Close.
func (f *Frontier) run() {
	defer f.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-f.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(f.o.Heartbeat)
	defer t.Stop()
	for {
		f.rebalance(ctx)
		select {
		case <-f.stop:
			f.shutdown()
			return
		case <-t.C:
		}
	}
}

func (f *Frontier) memberKey(id string) string { return "w." + id }
func partitionKey(n int) string                { return "p." + strconv.Itoa(n) }

// members renews this worker's membership and returns the live workers,
// sorted. Expired registrations are removed.
func (f *Frontier) members(ctx context.Context) ([]string, error) {
	val, err := json.Marshal(Lease{Owner: f.o.WorkerID, ExpiresAt: time.Now().Add(f.o.LeaseTTL).UTC()})
	if err != nil {
		return nil, err
	}
	if _, err := f.leases.Put(ctx, f.memberKey(f.o.WorkerID), val); err != nil {
		return nil, fmt.Errorf("register worker: %w", err)
	}
	w, err := f.leases.Watch(ctx, "w.*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	defer w.Stop()
	live := []string{f.o.WorkerID}
	now := time.Now()
	for {
		var e jetstream.KeyValueEntry
		select {
		case e = <-w.Updates():
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e == nil {
			break
		}
		var l Lease
		_ = json.Unmarshal(e.Value(), &l)
		switch {
		case l.Owner == f.o.WorkerID:
		case now.Before(l.ExpiresAt):
			live = append(live, l.Owner)
		default:
			_ = f.leases.Delete(ctx, e.Key(), jetstream.LastRevision(e.Revision()))
		}
	}
	slices.Sort(live)
	return slices.Compact(live), nil
}

// rebalance runs one round: renew or give up held partitions, then try to
// lease the partitions assigned to this worker. Partition p is assigned to
// the (p mod k)-th of the k live workers in id order, so the live workers
// split the partitions evenly.
func (f *Frontier) rebalance(ctx context.Context) {
	members, err := f.members(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("frontier: heartbeat failed", "err", err)
		}
		return
	}
	me := slices.Index(members, f.o.WorkerID)
	want := map[int]bool{}
	for p := range f.cfg.Partitions {
		if p%len(members) == me {
			want[p] = true
		}
	}

	f.mu.Lock()
	held := make([]*partition, 0, len(f.parts))
	for _, p := range f.parts {
		held = append(held, p)
	}
	f.mu.Unlock()
	for _, p := range held {
		f.mu.Lock()
		draining, inflight, since := p.draining, p.inflight, p.drainSince
		f.mu.Unlock()
		switch {
		case draining && (inflight == 0 || time.Since(since) > f.o.LeaseTTL):
			f.release(ctx, p)
			continue
		case !draining && !want[p.n]:
			f.log.Info("frontier: handing partition over", "partition", p.n, "workers", len(members))
			f.stopFetcher(p, true)
		}
		start := time.Now()
		ok, err := tryLease(ctx, f.leases, partitionKey(p.n), f.o.WorkerID, f.o.LeaseTTL)
		switch {
		case ok:
			f.mu.Lock()
			p.expires = start.Add(f.o.LeaseTTL)
			f.mu.Unlock()
		case err == nil:
			f.log.Warn("frontier: lease lost to another worker", "partition", p.n)
			f.stopFetcher(p, false)
			f.mu.Lock()
			delete(f.parts, p.n)
			f.mu.Unlock()
		case ctx.Err() == nil:
			f.log.Warn("frontier: lease renewal failed", "partition", p.n, "err", err)
		}
	}

	for n := range f.cfg.Partitions {
		f.mu.Lock()
		_, have := f.parts[n]
		f.mu.Unlock()
		if !want[n] || have {
			continue
		}
		start := time.Now()
		ok, err := tryLease(ctx, f.leases, partitionKey(n), f.o.WorkerID, f.o.LeaseTTL)
		if err != nil || !ok {
			if err != nil && ctx.Err() == nil {
				f.log.Warn("frontier: lease failed", "partition", n, "err", err)
			}
			continue // held by a worker that is still handing it over
		}
		cons, _, err := ensureConsumer(ctx, f.js, f.names.Frontier, frontierConsumerConfig(f.cfg, f.names, n), f.o.RequirePrecreated)
		if err != nil {
			f.log.Error("frontier: partition consumer", "partition", n, "err", err)
			_ = releaseLease(ctx, f.leases, partitionKey(n), f.o.WorkerID)
			continue
		}
		p := &partition{n: n, cons: cons, expires: start.Add(f.o.LeaseTTL), stop: make(chan struct{}), done: make(chan struct{})}
		f.mu.Lock()
		f.parts[n] = p
		f.mu.Unlock()
		f.log.Info("frontier: partition acquired", "partition", n, "workers", len(members))
		f.wg.Add(1)
		go f.fetchLoop(p)
	}
}

// stopFetcher stops p's fetcher and waits for it; with drain the lease is
// kept until p's in-flight tasks are settled.
func (f *Frontier) stopFetcher(p *partition, drain bool) {
	f.mu.Lock()
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	if drain && !p.draining {
		p.draining, p.drainSince = true, time.Now()
	}
	f.mu.Unlock()
	<-p.done
}

func (f *Frontier) release(ctx context.Context, p *partition) {
	f.stopFetcher(p, false)
	if err := releaseLease(ctx, f.leases, partitionKey(p.n), f.o.WorkerID); err != nil {
		f.log.Warn("frontier: lease release failed; it will expire", "partition", p.n, "err", err)
	}
	f.mu.Lock()
	delete(f.parts, p.n)
	f.mu.Unlock()
}

// shutdown releases everything on Close, bounded in time.
func (f *Frontier) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f.mu.Lock()
	held := make([]*partition, 0, len(f.parts))
	for _, p := range f.parts {
		held = append(held, p)
	}
	// Stop every fetcher at once (each may be in a pull of up to
	// FetchWait), then release the leases.
	for _, p := range held {
		select {
		case <-p.stop:
		default:
			close(p.stop)
		}
	}
	f.mu.Unlock()
	for _, p := range held {
		f.release(ctx, p)
	}
	_ = f.leases.Delete(ctx, f.memberKey(f.o.WorkerID))
}

// valid reports whether p's lease is safely held: it stops pulling a
// quarter TTL before the lease would lapse without renewal.
func (f *Frontier) valid(p *partition) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Before(p.expires.Add(-f.o.LeaseTTL / 4))
}

// fetchLoop pulls p's tasks and hands them to Next until p is stopped.
// Tasks pulled but not handed out when it stops are NAKed so the next
// owner gets them at once.
func (f *Frontier) fetchLoop(p *partition) {
	defer f.wg.Done()
	defer close(p.done)
	stopped := func() bool {
		select {
		case <-p.stop:
			return true
		default:
			return false
		}
	}
	for !stopped() {
		if !f.valid(p) {
			select {
			case <-p.stop:
			case <-time.After(f.o.Heartbeat / 2):
			}
			continue
		}
		// Not cancelled by stop: a cancelled pull could strand tasks the
		// server already sent until their ack wait ends. It ends by itself
		// within FetchWait.
		msgs, err := fetch(context.Background(), p.cons, f.o.FetchBatch, f.o.FetchWait)
		if err != nil {
			f.log.Warn("frontier: fetch failed", "partition", p.n, "err", err)
			select {
			case <-p.stop:
			case <-time.After(time.Second):
			}
		}
		for i, m := range msgs {
			f.addInflight(p, 1)
			select {
			case f.out <- &taskDelivery{msg: m, part: p}:
			case <-p.stop:
				f.addInflight(p, -1)
				for _, r := range msgs[i:] {
					_ = r.Nak()
				}
				return
			}
		}
	}
}
