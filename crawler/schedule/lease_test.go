package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

// fleet is a set of sources with mixed schedules, some failing.
func fleet(tb testing.TB, n int) []*source.Source {
	tb.Helper()
	var srcs []*source.Source
	for i := range n {
		id := fmt.Sprintf("s%02d", i)
		switch i % 4 {
		case 0:
			srcs = append(srcs, mkSource(tb, id, "", fmt.Sprintf("interval: %dm", 5+i%7), "jitter: 90s"))
		case 1:
			srcs = append(srcs, mkSource(tb, id, "", "cron: '*/10 * * * *'", "jitter: 30s"))
		case 2:
			srcs = append(srcs, mkSource(tb, id, "", "min_interval: 3m", "max_interval: 20m", "refetch: 15m", "refetch_times: 2"))
		default:
			srcs = append(srcs, mkSource(tb, id, "", "interval: 4m", "degraded_after: 2", "degraded_interval: 17m"))
		}
	}
	return srcs
}

// counter is a Trigger shared by several schedulers that counts fires
// per (source, due) and checks that no source runs twice at once.
type counter struct {
	clock schedule.Clock

	mu      sync.Mutex
	fires   map[string]int // "source@due"
	byOwner map[string]int
	running map[string]bool
	overlap []string
	early   []string
}

func newCounter(clock schedule.Clock) *counter {
	return &counter{clock: clock, fires: map[string]int{}, byOwner: map[string]int{}, running: map[string]bool{}}
}

func (c *counter) trigger(owner string) schedule.Trigger {
	return schedule.TriggerFunc(func(ctx context.Context, src *source.Source, run schedule.Run) (schedule.RunResult, error) {
		key := run.Source + "@" + run.Due.Format(time.RFC3339Nano)
		c.mu.Lock()
		c.fires[key]++
		c.byOwner[owner]++
		if c.running[run.Source] {
			c.overlap = append(c.overlap, key)
		}
		if run.Due.After(c.clock.Now()) {
			c.early = append(c.early, key)
		}
		c.running[run.Source] = true
		n := c.fires[key] + len(c.fires)
		c.mu.Unlock()
		runtime.Gosched() // let the other scheduler try meanwhile
		c.mu.Lock()
		c.running[run.Source] = false
		c.mu.Unlock()
		res := schedule.RunResult{Pages: 2, Changed: n%3 == 0, ArticleURLs: []string{fmt.Sprintf("https://%s.example.cn/%d.html", run.Source, n)}}
		if src.Schedule.DegradedAfter == 2 && n%2 == 0 { // the failing kind
			return schedule.RunResult{}, schedule.Classify(schedule.ClassHTTP5xx, errors.New("502 bad gateway"))
		}
		return res, nil
	})
}

func (c *counter) check(t *testing.T, owners ...string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, n := range c.fires {
		if n != 1 {
			t.Errorf("%s fired %d times", key, n)
		}
	}
	if len(c.overlap) > 0 {
		t.Errorf("runs overlapping on one source: %v", c.overlap)
	}
	if len(c.early) > 0 {
		t.Errorf("runs fired before their due time: %v", c.early)
	}
	for _, o := range owners {
		if c.byOwner[o] == 0 {
			t.Errorf("scheduler %s never fired (no contention tested): %v", o, c.byOwner)
		}
	}
	t.Logf("%d firings, by scheduler %v", len(c.fires), c.byOwner)
}

// TestTwoSchedulersNeverDoubleFire runs two schedulers on one store over
// many ticks, ticking concurrently, and counts fires per (source, due).
func TestTwoSchedulersNeverDoubleFire(t *testing.T) {
	store := schedule.NewMemoryStore()
	clock := schedule.NewFakeClock(t0)
	c := newCounter(clock)
	srcs := fleet(t, 40)
	var scheds []*schedule.Scheduler
	for i, owner := range []string{"alpha", "beta"} {
		s := newSched(t, store, clock, c.trigger(owner), func(o *schedule.Options) {
			o.Owner = owner
			o.MaxConcurrentRuns = 3
			o.Rand = rand.New(rand.NewPCG(uint64(i), 99))
			o.RetryBase = 2 * time.Minute
		})
		s.SetSources(srcs)
		scheds = append(scheds, s)
	}
	step := rand.New(rand.NewPCG(3, 4))
	for range 250 {
		var wg sync.WaitGroup
		for _, s := range scheds {
			wg.Go(func() {
				if _, err := s.Tick(t.Context()); err != nil {
					t.Errorf("Tick: %v", err)
				}
			})
		}
		wg.Wait()
		clock.Advance(time.Duration(10+step.IntN(80)) * time.Second)
	}
	c.check(t, "alpha", "beta")
	if len(c.fires) < 800 {
		t.Errorf("only %d firings in 250 ticks", len(c.fires))
	}
	// Every state is released.
	list, err := scheds[0].List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range list {
		if st.Lease != nil {
			t.Errorf("%s: lease left behind: %+v", st.ID, st.Lease)
		}
	}
}

// loopClock is one scheduler's view of a shared FakeClock that counts
// its pending timers shorter than short: the Run loop's waits (lease
// renewals wait LeaseTTL/3, longer).
type loopClock struct {
	*schedule.FakeClock
	short time.Duration

	mu     sync.Mutex
	timers map[*loopTimer]time.Time // deadline
}

type loopTimer struct {
	schedule.Timer
	c *loopClock
}

func (t *loopTimer) Stop() bool {
	t.c.mu.Lock()
	delete(t.c.timers, t)
	t.c.mu.Unlock()
	return t.Timer.Stop()
}

func (c *loopClock) NewTimer(d time.Duration) schedule.Timer {
	t := &loopTimer{Timer: c.FakeClock.NewTimer(d), c: c}
	if d < c.short {
		c.mu.Lock()
		c.timers[t] = c.Now().Add(d)
		c.mu.Unlock()
	}
	return t
}

// waiting reports whether exactly one short timer is pending.
func (c *loopClock) waiting() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now, n := c.Now(), 0
	for _, at := range c.timers {
		if at.After(now) {
			n++
		}
	}
	return n == 1
}

func (c *counter) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.running {
		if r {
			return false
		}
	}
	return true
}

// TestTwoRunLoopsNeverDoubleFire does the same with two Run loops driven
// by the fake clock.
func TestTwoRunLoopsNeverDoubleFire(t *testing.T) {
	store := schedule.NewMemoryStore()
	fake := schedule.NewFakeClock(t0)
	c := newCounter(fake)
	srcs := fleet(t, 24)
	ctx, cancel := context.WithCancel(t.Context())
	var (
		wg     sync.WaitGroup
		clocks []*loopClock
	)
	for i, owner := range []string{"alpha", "beta"} {
		lc := &loopClock{FakeClock: fake, short: 10 * time.Minute, timers: map[*loopTimer]time.Time{}}
		clocks = append(clocks, lc)
		s := newSched(t, store, lc, c.trigger(owner), func(o *schedule.Options) {
			o.Owner = owner
			o.MaxConcurrentRuns = 2
			o.LeaseTTL = time.Hour // renewals every 20m, told apart from loop waits
			o.Resync = 45 * time.Second
			o.Rand = rand.New(rand.NewPCG(uint64(i), 7))
		})
		s.SetSources(srcs)
		wg.Go(func() {
			if err := s.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	for range 300 {
		// Wait until both loops wait on the clock and no run is going.
		for !clocks[0].waiting() || !clocks[1].waiting() || !c.idle() {
			if t.Context().Err() != nil {
				t.Fatal("loops never went idle")
			}
			runtime.Gosched()
		}
		fake.Advance(30 * time.Second)
	}
	cancel()
	wg.Wait()
	c.check(t)
	if len(c.fires) < 300 {
		t.Errorf("only %d firings in 2.5h of 24 sources", len(c.fires))
	}
}

// TestLeaseTakeoverAfterCrash: scheduler A takes a source and then loses
// its store (a crash); once A's lease expires, B takes the run over for
// the same due time, and A's late result is discarded.
func TestLeaseTakeoverAfterCrash(t *testing.T) {
	mem := schedule.NewMemoryStore()
	aStore := &crashStore{Store: mem}
	clock := schedule.NewFakeClock(t0)
	started := make(chan schedule.Run, 1)
	var aCause error
	a := newSched(t, aStore, clock, schedule.TriggerFunc(func(ctx context.Context, _ *source.Source, run schedule.Run) (schedule.RunResult, error) {
		started <- run
		<-ctx.Done() // hangs until the scheduler gives up on the lease
		aCause = context.Cause(ctx)
		return schedule.RunResult{Pages: 100}, nil
	}), func(o *schedule.Options) { o.Owner = "a"; o.LeaseTTL = 3 * time.Minute })
	recB := &recorder{clock: clock, owner: "b"}
	b := newSched(t, mem, clock, recB, func(o *schedule.Options) { o.Owner = "b"; o.LeaseTTL = 3 * time.Minute })
	src := mkSource(t, "x", "", "interval: 1h")
	a.SetSources([]*source.Source{src})
	b.SetSources([]*source.Source{src})

	var aFired int
	aDone := make(chan struct{})
	go func() { aFired, _ = a.Tick(context.Background()); close(aDone) }()
	runA := <-started
	aStore.setCrashed(true)

	// While A's lease is valid, B does not fire.
	clock.Advance(2 * time.Minute)
	if n := tick(t, b); n != 0 {
		t.Fatalf("B fired %d runs while A's lease was valid", n)
	}
	// A cannot renew; at expiry its run is canceled with ErrLeaseLost.
	advanceUntil(t, clock, time.Minute, aDone)
	if aFired != 1 {
		t.Fatalf("A fired %d runs, want 1", aFired)
	}
	if clock.Now().Before(t0.Add(3 * time.Minute)) {
		t.Errorf("A gave up at %s, before its lease expired", clock.Now())
	}
	if !errors.Is(aCause, schedule.ErrLeaseLost) {
		t.Errorf("A's run canceled with %v, want ErrLeaseLost", aCause)
	}
	if n := tick(t, b); n != 1 {
		t.Fatalf("B fired %d runs after A's lease expired, want 1", n)
	}
	runB := recB.Runs()[0]
	if !runB.Takeover || !runB.Due.Equal(runA.Due) {
		t.Errorf("B's run: takeover %v due %s; want true, %s", runB.Takeover, runB.Due, runA.Due)
	}
	// A comes back: nothing is due, nothing fires, B's result stands.
	aStore.setCrashed(false)
	if n := tick(t, a); n != 0 {
		t.Errorf("A fired %d runs after recovering", n)
	}
	st := status(t, b, "x")
	if st.Runs != 1 || st.LastResult.Pages != 3 || st.Lease != nil {
		t.Errorf("state: runs %d, pages %d, lease %+v; want B's single run, released", st.Runs, st.LastResult.Pages, st.Lease)
	}
}

// TestLeaseRenewal: a run longer than the lease TTL keeps its lease, so a
// second scheduler never fires the source meanwhile.
func TestLeaseRenewal(t *testing.T) {
	store := schedule.NewMemoryStore()
	clock := schedule.NewFakeClock(t0)
	release := make(chan struct{})
	started := make(chan struct{})
	a := newSched(t, store, clock, schedule.TriggerFunc(func(ctx context.Context, _ *source.Source, _ schedule.Run) (schedule.RunResult, error) {
		close(started)
		select {
		case <-release:
			return schedule.RunResult{Pages: 1}, nil
		case <-ctx.Done():
			return schedule.RunResult{}, context.Cause(ctx)
		}
	}), func(o *schedule.Options) { o.Owner = "a"; o.LeaseTTL = 3 * time.Minute })
	recB := &recorder{clock: clock, owner: "b"}
	b := newSched(t, store, clock, recB, func(o *schedule.Options) { o.Owner = "b"; o.LeaseTTL = 3 * time.Minute })
	src := mkSource(t, "long", "", "interval: 5m")
	a.SetSources([]*source.Source{src})
	b.SetSources([]*source.Source{src})
	aDone := make(chan int)
	go func() { n, _ := a.Tick(context.Background()); aDone <- n }()
	<-started
	for range 30 { // 30 minutes: 10 TTLs
		if err := clock.BlockUntil(t.Context(), 1); err != nil { // A's renewal timer
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := clock.BlockUntil(t.Context(), 1); err != nil { // renewed (or not yet due)
			t.Fatal(err)
		}
		if n := tick(t, b); n != 0 {
			t.Fatalf("B fired at %s while A's run was going", clock.Now())
		}
	}
	st := status(t, b, "long")
	if st.Lease == nil || st.Lease.Owner != "a" || !st.Lease.Expires.After(clock.Now()) {
		t.Fatalf("lease %+v not held by a beyond %s", st.Lease, clock.Now())
	}
	close(release)
	if n := <-aDone; n != 1 {
		t.Fatalf("A fired %d runs", n)
	}
	st = status(t, b, "long")
	if st.Lease != nil || st.Runs != 1 || !st.NextDue.Equal(clock.Now().Add(5*time.Minute)) {
		t.Errorf("after the run: lease %+v runs %d next %s", st.Lease, st.Runs, st.NextDue)
	}
}

// TestRunTimeout: a run past RunTimeout is canceled and recorded as a
// timeout failure.
func TestRunTimeout(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	var cause error
	s := newSched(t, schedule.NewMemoryStore(), clock, schedule.TriggerFunc(func(ctx context.Context, _ *source.Source, _ schedule.Run) (schedule.RunResult, error) {
		<-ctx.Done()
		cause = context.Cause(ctx)
		return schedule.RunResult{}, ctx.Err()
	}), func(o *schedule.Options) { o.LeaseTTL = 3 * time.Minute; o.RunTimeout = 10 * time.Minute })
	s.SetSources([]*source.Source{mkSource(t, "stuck", "", "interval: 1h")})
	done := make(chan struct{})
	go func() { tick(t, s); close(done) }()
	advanceUntil(t, clock, time.Minute, done)
	if !errors.Is(cause, schedule.ErrRunTimeout) {
		t.Errorf("run canceled with %v, want ErrRunTimeout", cause)
	}
	st := status(t, s, "stuck")
	want := struct {
		Class    schedule.ErrorClass
		Failures int
		At       time.Time
	}{schedule.ClassTimeout, 1, t0.Add(10 * time.Minute)}
	got := want
	got.Class, got.Failures, got.At = st.LastErrorClass, st.ConsecutiveFailures, st.LastEnd
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
