package schedule

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"winnow/crawler/source"
)

// Defaults for zero Options fields.
const (
	DefaultLeaseTTL          = 2 * time.Minute
	DefaultMaxConcurrentRuns = 4
	DefaultRetryBase         = time.Minute
	DefaultResync            = 30 * time.Second
	DefaultMaxRefetchQueue   = 1000
	DefaultRunTimeout        = 6 * time.Hour
	DefaultWatchInterval     = 5 * time.Second
)

const (
	// maxCASAttempts bounds the read-modify-write retries of one update.
	maxCASAttempts = 16
	// storeRetry is how long a source whose state could not be read or
	// written waits before the scheduler looks at it again.
	storeRetry = 5 * time.Second
	// releaseTimeout bounds giving a lease back during shutdown.
	releaseTimeout = 10 * time.Second
	// timerSlack is how late a timer may fire because the clock moved
	// while it was made (see timerAt).
	timerSlack = time.Millisecond
)

// Rand is a source of random numbers for jitter; *rand.Rand of
// math/rand/v2 is one. The scheduler serializes its calls.
type Rand interface {
	// Int64N returns a uniform number in [0, n); n > 0.
	Int64N(n int64) int64
}

// Options configure a [Scheduler]. Only Store is required.
type Options struct {
	// Store holds the per-source states (the crawl_state KV bucket).
	// Required.
	Store Store
	// Clock tells the time; nil means the wall clock.
	Clock Clock
	// Trigger fires a source. Nil makes a control handle: Status, List,
	// Pause, Resume and RunNow work, Run and Tick return ErrNoTrigger.
	Trigger Trigger
	// Logger receives run and error events; nil discards them.
	Logger *slog.Logger
	// Owner names this scheduler in leases; it must differ between
	// processes sharing a Store. "" means host-pid-random.
	Owner string
	// LeaseTTL is how long a lease lasts without renewal; the owner
	// renews it every LeaseTTL/3 while a run lasts. Zero means 2m.
	LeaseTTL time.Duration
	// Rand draws jitter; nil means math/rand/v2's global generator.
	Rand Rand
	// MaxConcurrentRuns bounds the runs in flight in this scheduler; zero
	// means 4.
	MaxConcurrentRuns int
	// RetryBase is the first retry delay after a transient failure
	// (timeout, network, http_5xx), doubled per consecutive failure up to
	// the normal interval. Zero means 1m.
	RetryBase time.Duration
	// Resync is how often Run re-reads every source's state, to see
	// changes made by other processes (RunNow, Resume from the CLI). Zero
	// means 30s.
	Resync time.Duration
	// MaxRefetchQueue bounds each source's re-fetch queue; zero means
	// 1000 (about 310 KB of state with 200-byte URLs).
	MaxRefetchQueue int
	// RunTimeout bounds one run: its context is then canceled with
	// ErrRunTimeout and the run counts as a timeout failure. Zero means
	// 6h.
	RunTimeout time.Duration
}

// Scheduler decides when each source is crawled and fires it through a
// [Trigger], coordinating with other schedulers through leases in a
// [Store]. Its methods are safe for concurrent use; Run and Tick exclude
// each other.
type Scheduler struct {
	store      Store
	clock      Clock
	trigger    Trigger
	log        *slog.Logger
	owner      string
	ttl        time.Duration
	maxRuns    int
	resync     time.Duration
	runTimeout time.Duration
	pol        policy

	randMu sync.Mutex
	rnd    Rand

	active atomic.Bool // a Run or Tick is in progress
	seq    atomic.Uint64
	wake   chan struct{}
	runs   sync.WaitGroup

	mu       sync.Mutex
	sources  map[string]*source.Source // configured, by id
	entries  map[string]*entry         // enabled sources, and running ones
	queue    dueQueue                  // entries that may be fired, by due time
	inflight int
	dirty    bool // sources changed since the last sync
}

// entry is the scheduler's cached view of one source.
type entry struct {
	id      string
	idx     int    // index in Scheduler.queue, -1 when not queued
	rev     uint64 // store revision due was computed from (valid when loaded)
	src     *source.Source
	due     time.Time // when to look at the source again; zero: at the next resync
	loaded  bool      // due comes from the store
	running bool      // a run of this scheduler holds the lease (or a claim is under way)
	removed bool      // no longer configured; dropped when its run ends
}

// New validates opts and returns a Scheduler with no sources (see
// [Scheduler.SetSources] and [Scheduler.Watch]).
func New(opts Options) (*Scheduler, error) {
	var errs []error
	if opts.Store == nil {
		errs = append(errs, fmt.Errorf("%w: Store is required", ErrOptions))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"LeaseTTL", opts.LeaseTTL}, {"RetryBase", opts.RetryBase}, {"Resync", opts.Resync}, {"RunTimeout", opts.RunTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%w: %s %s is negative", ErrOptions, d.name, d.v))
		}
	}
	if opts.MaxConcurrentRuns < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxConcurrentRuns %d is negative", ErrOptions, opts.MaxConcurrentRuns))
	}
	if opts.MaxRefetchQueue < 0 {
		errs = append(errs, fmt.Errorf("%w: MaxRefetchQueue %d is negative", ErrOptions, opts.MaxRefetchQueue))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s := &Scheduler{
		store:      opts.Store,
		clock:      opts.Clock,
		trigger:    opts.Trigger,
		log:        opts.Logger,
		owner:      opts.Owner,
		ttl:        cmp.Or(opts.LeaseTTL, DefaultLeaseTTL),
		maxRuns:    cmp.Or(opts.MaxConcurrentRuns, DefaultMaxConcurrentRuns),
		resync:     cmp.Or(opts.Resync, DefaultResync),
		runTimeout: cmp.Or(opts.RunTimeout, DefaultRunTimeout),
		rnd:        opts.Rand,
		wake:       make(chan struct{}, 1),
		sources:    map[string]*source.Source{},
		entries:    map[string]*entry{},
	}
	if s.clock == nil {
		s.clock = wallClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.owner == "" {
		s.owner = defaultOwner()
	}
	if s.rnd == nil {
		s.rnd = globalRand{}
	}
	s.pol = policy{
		retryBase:  cmp.Or(opts.RetryBase, DefaultRetryBase),
		maxRefetch: cmp.Or(opts.MaxRefetchQueue, DefaultMaxRefetchQueue),
		jitter:     s.jitter,
	}
	return s, nil
}

// Owner returns the scheduler's lease owner name.
func (s *Scheduler) Owner() string { return s.owner }

type globalRand struct{}

func (globalRand) Int64N(n int64) int64 { return rand.Int64N(n) }

func defaultOwner() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "scheduler"
	}
	var b [4]byte
	_, _ = crand.Read(b[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}

// jitter returns a uniform duration in [0, max].
func (s *Scheduler) jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	n := int64(max)
	if n < 1<<62 {
		n++ // include max itself
	}
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return time.Duration(s.rnd.Int64N(n))
}

// SetSources replaces the configured sources (hot reload). New sources
// start at the next wake-up; removed and disabled ones stop being
// scheduled (a run in flight finishes; their state stays in the store);
// a changed schedule is applied at the next wake-up. Sources should be
// validated (as [source.LoadDir] does); a later duplicate id wins and
// invalid ids are ignored.
func (s *Scheduler) SetSources(srcs []*source.Source) {
	cfg := make(map[string]*source.Source, len(srcs))
	for _, src := range srcs {
		if src == nil {
			continue
		}
		if !ValidID(src.ID) {
			s.log.Error("source ignored", "source", src.ID, "err", ErrInvalidID)
			continue
		}
		cfg[src.ID] = src
	}
	s.mu.Lock()
	s.sources = cfg
	for id, e := range s.entries {
		src, ok := cfg[id]
		if !ok || !src.IsEnabled() {
			e.removed = true
			s.fix(e)
			if !e.running {
				delete(s.entries, id)
			}
			continue
		}
		if e.src != src {
			e.src, e.loaded = src, false
		}
		e.removed = false
		s.fix(e)
	}
	for id, src := range cfg {
		if _, ok := s.entries[id]; !ok && src.IsEnabled() {
			s.entries[id] = &entry{id: id, idx: -1, src: src}
		}
	}
	s.dirty = true
	s.mu.Unlock()
	s.signal()
}

// Sources returns the configured sources sorted by id.
func (s *Scheduler) Sources() []*source.Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*source.Source, 0, len(s.sources))
	for _, src := range s.sources {
		out = append(out, src)
	}
	slices.SortFunc(out, func(a, b *source.Source) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Scheduler) configured(id string) *source.Source {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sources[id]
}

// Wake makes Run re-read every source's state now instead of at the next
// Resync; wire it to a watch of the store (a NATS KV watcher) so that
// commands from other processes take effect at once.
func (s *Scheduler) Wake() {
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
	s.signal()
}

// signal wakes Run's loop without blocking.
func (s *Scheduler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run schedules the configured sources until ctx ends. It wakes at the
// earliest due time, when sources change (SetSources), when a local
// Pause/Resume/RunNow changes a state, when a run ends, and every Resync
// to see other processes' changes; it fires due sources, at most
// MaxConcurrentRuns at once, each in its own goroutine. Trigger errors
// are recorded in the source's state, store errors are logged; neither
// stops Run. When ctx ends Run cancels the runs in flight, gives their
// leases back unchanged (another scheduler repeats those runs), waits for
// every goroutine it started and returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.trigger == nil {
		return ErrNoTrigger
	}
	if !s.active.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.active.Store(false)
	defer s.runs.Wait()
	var lastSync time.Time
	synced := false
	for ctx.Err() == nil {
		now := s.clock.Now()
		s.mu.Lock()
		dirty := s.dirty
		s.mu.Unlock()
		if dirty || !synced || !now.Before(lastSync.Add(s.resync)) {
			if err := s.sync(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("reading source states", "err", err)
			}
			lastSync, synced = now, true
		}
		if _, err := s.dispatch(ctx, s.clock.Now()); err != nil && ctx.Err() == nil {
			s.log.Warn("firing sources", "err", err)
		}
		wakeAt := lastSync.Add(s.resync)
		if next := s.nextWake(); !next.IsZero() && next.Before(wakeAt) {
			wakeAt = next
		}
		t := s.timerAt(wakeAt)
		if t == nil {
			continue
		}
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C():
		case <-s.wake:
			t.Stop()
		}
	}
	return nil
}

// timerAt returns a timer firing when the clock reaches at, or nil if it
// has. A Clock makes timers relative to its own Now, so when the clock
// moves (by more than timerSlack) while the timer is made, the deadline
// may be late and the timer is made again.
func (s *Scheduler) timerAt(at time.Time) Timer {
	for {
		before := s.clock.Now()
		if !before.Before(at) {
			return nil
		}
		t := s.clock.NewTimer(at.Sub(before))
		if s.clock.Now().Sub(before) <= timerSlack {
			return t
		}
		t.Stop()
	}
}

// Tick does one scheduling pass at the clock's current time: it reads
// every configured source's state (creating missing ones), fires every
// due source (at most MaxConcurrentRuns at once, repeating until nothing
// due is left) and waits for those runs. It returns how many runs it
// fired and the store errors met (the pass goes on past them). Tick is
// for one-shot use, tests and benchmarks; Run is the long-lived loop.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	if s.trigger == nil {
		return 0, ErrNoTrigger
	}
	if !s.active.CompareAndSwap(false, true) {
		return 0, ErrRunning
	}
	defer s.active.Store(false)
	now := s.clock.Now()
	err := s.sync(ctx)
	fired := 0
	for ctx.Err() == nil {
		n, derr := s.dispatch(ctx, now)
		s.runs.Wait()
		err = errors.Join(err, derr)
		fired += n
		if n == 0 {
			break
		}
	}
	return fired, err
}

// sync reads the state of every scheduled source into the cache,
// creating states for new sources and reconciling changed schedules.
func (s *Scheduler) sync(ctx context.Context) error {
	type item struct {
		src *source.Source
		rev uint64 // revision the cached due time was computed from; 0: none
	}
	s.mu.Lock()
	s.dirty = false
	todo := make([]item, 0, len(s.entries))
	for _, e := range s.entries {
		if !e.removed {
			it := item{src: e.src}
			if e.loaded {
				it.rev = e.rev
			}
			todo = append(todo, it)
		}
	}
	s.mu.Unlock()
	var errs []error
	for _, it := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		due, rev, err := s.syncOne(ctx, it.src, it.rev)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if rev == it.rev {
			continue // unchanged since the cached due time was computed
		}
		s.mu.Lock()
		if e := s.entries[it.src.ID]; e != nil && e.src == it.src && !e.running {
			e.due, e.rev, e.loaded = due, rev, true
			s.fix(e)
		}
		s.mu.Unlock()
	}
	return errors.Join(errs...)
}

// syncOne reads (or creates) src's state, reconciles it with src's
// schedule and returns when to look at it again and the state's
// revision. A state still at revision known is not decoded (the caller
// keeps its cached due time).
func (s *Scheduler) syncOne(ctx context.Context, src *source.Source, known uint64) (time.Time, uint64, error) {
	key := Key(src.ID)
	for range maxCASAttempts {
		now := s.clock.Now()
		b, rev, err := s.store.Get(ctx, key)
		if err == nil && known != 0 && rev == known {
			return time.Time{}, rev, nil
		}
		var st State
		switch {
		case errors.Is(err, ErrNotFound):
			st = s.pol.newState(src, now)
			b, err := encodeState(&st)
			if err != nil {
				return time.Time{}, 0, err
			}
			rev, err := s.store.Create(ctx, key, b)
			if err != nil {
				if errors.Is(err, ErrExists) {
					continue
				}
				return time.Time{}, 0, fmt.Errorf("schedule: create state of %s: %w", src.ID, err)
			}
			return s.cacheDue(&st, now), rev, nil
		case err != nil:
			return time.Time{}, 0, fmt.Errorf("schedule: read %s: %w", key, err)
		}
		st, err = decodeState(key, b)
		switch {
		case err != nil:
			// Replace an undecodable state rather than never run the source.
			s.log.Error("replacing undecodable state", "source", src.ID, "err", err)
			st = s.pol.newState(src, now)
		case st.Leased(now) || !s.pol.reconcile(&st, src, now):
			return s.cacheDue(&st, now), rev, nil
		}
		b, err = encodeState(&st)
		if err != nil {
			return time.Time{}, 0, err
		}
		nrev, err := s.store.Update(ctx, key, b, rev)
		if err != nil {
			if errors.Is(err, ErrConflict) {
				continue
			}
			return time.Time{}, 0, fmt.Errorf("schedule: update state of %s: %w", src.ID, err)
		}
		return s.cacheDue(&st, now), nrev, nil
	}
	return time.Time{}, 0, fmt.Errorf("%w: %s", ErrContention, key)
}

// load reads and decodes a state. An undecodable state returns
// ErrBadState with its revision.
func (s *Scheduler) load(ctx context.Context, key string) (State, uint64, error) {
	b, rev, err := s.store.Get(ctx, key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return State{}, 0, err
		}
		return State{}, 0, fmt.Errorf("schedule: read %s: %w", key, err)
	}
	st, err := decodeState(key, b)
	return st, rev, err
}

// cacheDue is when the scheduler should look at st again: its due time,
// or the expiry of another owner's lease if later; zero means not until
// something changes.
func (s *Scheduler) cacheDue(st *State, now time.Time) time.Time {
	due, _ := dueFor(st)
	if due.IsZero() {
		return due
	}
	if st.Leased(now) && st.Lease.Owner != s.owner && due.Before(st.Lease.Expires) {
		return st.Lease.Expires
	}
	return due
}

// nextWake returns the earliest due time of a source that could be
// fired (zero if none). When every run slot is busy it returns zero: a
// run's end wakes the loop.
func (s *Scheduler) nextWake() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight >= s.maxRuns || len(s.queue) == 0 {
		return time.Time{}
	}
	return s.queue[0].due
}

// dispatch claims and starts the runs of due sources, earliest due first,
// while run slots are free.
func (s *Scheduler) dispatch(ctx context.Context, now time.Time) (int, error) {
	fired := 0
	var errs []error
	for ctx.Err() == nil {
		s.mu.Lock()
		if s.inflight >= s.maxRuns || len(s.queue) == 0 || s.queue[0].due.After(now) {
			s.mu.Unlock()
			break
		}
		e := s.queue[0]
		e.running = true
		s.inflight++
		s.fix(e)
		src := e.src
		s.mu.Unlock()

		cl, due, err := s.claim(ctx, src, now)
		if cl == nil {
			s.mu.Lock()
			e.running = false
			s.inflight--
			switch {
			case errors.Is(err, ErrNotFound):
				e.loaded, s.dirty = false, true
			case err != nil:
				e.due = now.Add(storeRetry)
			default:
				e.due = due
			}
			if e.removed && s.entries[e.id] == e {
				delete(s.entries, e.id)
			}
			s.fix(e)
			s.mu.Unlock()
			if err != nil && !errors.Is(err, ErrNotFound) {
				errs = append(errs, err)
			}
			continue
		}
		s.runs.Add(1)
		go s.execute(ctx, e, cl)
		fired++
	}
	return fired, errors.Join(errs...)
}
