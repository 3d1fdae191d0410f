package schedule_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

// chanTrigger reports each run on a channel and answers with the result
// or error sent back on reply (nil reply: a plain success).
type chanTrigger struct {
	clock schedule.Clock
	fired chan schedule.Run
	reply func(run schedule.Run) (schedule.RunResult, error)
}

func (c *chanTrigger) Fire(ctx context.Context, _ *source.Source, run schedule.Run) (schedule.RunResult, error) {
	select {
	case c.fired <- run:
	case <-ctx.Done():
		return schedule.RunResult{}, ctx.Err()
	}
	if c.reply != nil {
		return c.reply(run)
	}
	return schedule.RunResult{Pages: 1}, nil
}

// startRun runs s.Run in a goroutine; the returned stop cancels it and
// waits for Run to return, failing the test on an error.
func startRun(t *testing.T, s *schedule.Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run returned %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func TestRunLoopFiresOnTime(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	calls := 0
	trig := &chanTrigger{clock: clock, fired: make(chan schedule.Run), reply: func(schedule.Run) (schedule.RunResult, error) {
		calls++
		if calls == 2 { // the second run fails: the loop goes on
			return schedule.RunResult{}, schedule.Classify(schedule.ClassHTTP5xx, errors.New("503"))
		}
		return schedule.RunResult{Pages: 1}, nil
	}}
	s := newSched(t, schedule.NewMemoryStore(), clock, trig, func(o *schedule.Options) { o.RetryBase = 2 * time.Minute; o.Resync = time.Hour })
	s.SetSources([]*source.Source{mkSource(t, "loop", "", "interval: 10m")})
	startRun(t, s)

	wantDue := []time.Time{t0, t0.Add(10 * time.Minute), t0.Add(12 * time.Minute), t0.Add(22 * time.Minute)}
	for i, want := range wantDue {
		if i > 0 {
			// Step the clock a minute at a time until the next run.
			for clock.Now().Before(want) {
				if err := clock.BlockUntil(t.Context(), 1); err != nil {
					t.Fatal(err)
				}
				select {
				case run := <-trig.fired:
					t.Fatalf("run %d fired early at %s (due %s)", i, clock.Now(), run.Due)
				default:
				}
				clock.Advance(time.Minute)
			}
		}
		run := <-trig.fired
		if !run.Due.Equal(want) || clock.Now().Before(run.Due) {
			t.Errorf("run %d: due %s at %s, want due %s", i, run.Due, clock.Now(), want)
		}
		waitRecorded(t, s, "loop", int64(i+1))
	}
}

// waitRecorded waits until id's state shows runs completed runs and no
// lease, so that moving the clock cannot change the run's end time.
func waitRecorded(t *testing.T, s *schedule.Scheduler, id string, runs int64) {
	t.Helper()
	for {
		st := status(t, s, id)
		if st.Runs >= runs && st.Lease == nil {
			return
		}
		if t.Context().Err() != nil {
			t.Fatalf("run %d of %s never recorded", runs, id)
		}
		runtime.Gosched()
	}
}

// TestRunLoopShutdown: canceling Run cancels the run in flight, gives the
// lease back without recording a run, and joins every goroutine.
func TestRunLoopShutdown(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	var cause error
	started := make(chan struct{})
	trig := schedule.TriggerFunc(func(ctx context.Context, _ *source.Source, _ schedule.Run) (schedule.RunResult, error) {
		close(started)
		<-ctx.Done()
		cause = ctx.Err()
		return schedule.RunResult{}, ctx.Err()
	})
	store := schedule.NewMemoryStore()
	s := newSched(t, store, clock, trig, nil)
	s.SetSources([]*source.Source{mkSource(t, "sd", "", "interval: 10m")})
	stop := startRun(t, s)
	<-started
	stop() // returns only after the run's goroutine has finished
	if !errors.Is(cause, context.Canceled) {
		t.Errorf("run context ended with %v, want context.Canceled", cause)
	}
	st := status(t, s, "sd")
	if st.Lease != nil || st.Runs != 0 || !st.NextDue.Equal(t0) {
		t.Errorf("after shutdown: lease %+v runs %d next %s; want released, 0, %s", st.Lease, st.Runs, st.NextDue, t0)
	}
	// Another scheduler repeats the interrupted run at once.
	rec := &recorder{clock: clock}
	other := newSched(t, store, clock, rec, func(o *schedule.Options) { o.Owner = "other" })
	other.SetSources(s.Sources())
	if n := tick(t, other); n != 1 || rec.Fires()[0].Due != t0 {
		t.Errorf("other scheduler fired %d runs (%v), want the interrupted one", n, rec.Fires())
	}
	if _, err := s.Tick(t.Context()); err != nil {
		t.Errorf("Tick after Run returned: %v", err)
	}
}

// TestRunLoopConcurrencyBound: at most MaxConcurrentRuns runs at once;
// the rest start as slots free up.
func TestRunLoopConcurrencyBound(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	release := make(chan struct{})
	var (
		mu         sync.Mutex
		now, peak  int
		started    = make(chan string, 10)
		totalFired int
	)
	trig := schedule.TriggerFunc(func(ctx context.Context, _ *source.Source, run schedule.Run) (schedule.RunResult, error) {
		mu.Lock()
		now++
		peak = max(peak, now)
		totalFired++
		mu.Unlock()
		started <- run.Source
		select {
		case <-release:
		case <-ctx.Done():
		}
		mu.Lock()
		now--
		mu.Unlock()
		return schedule.RunResult{Pages: 1}, nil
	})
	s := newSched(t, schedule.NewMemoryStore(), clock, trig, func(o *schedule.Options) { o.MaxConcurrentRuns = 2 })
	var srcs []*source.Source
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		srcs = append(srcs, mkSource(t, id, "", "interval: 1h"))
	}
	s.SetSources(srcs)
	startRun(t, s)
	seen := map[string]bool{}
	for range 2 {
		seen[<-started] = true
	}
	// Both slots busy: the loop waits (its resync timer plus two lease
	// renewal timers) and starts nothing else.
	if err := clock.BlockUntil(t.Context(), 3); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-started:
		t.Fatalf("%s started with both slots busy", id)
	default:
	}
	for len(seen) < 6 {
		release <- struct{}{} // finish one run; another starts
		seen[<-started] = true
	}
	for range 2 {
		release <- struct{}{}
	}
	mu.Lock()
	defer mu.Unlock()
	if peak != 2 || totalFired != 6 {
		t.Errorf("peak concurrency %d, fired %d; want 2, 6", peak, totalFired)
	}
}

// TestRunLoopWakesOnChanges: SetSources and a local RunNow wake the loop
// without the clock moving.
func TestRunLoopWakesOnChanges(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	trig := &chanTrigger{clock: clock, fired: make(chan schedule.Run)}
	s := newSched(t, schedule.NewMemoryStore(), clock, trig, nil)
	a := mkSource(t, "a", "", "interval: 1h")
	s.SetSources([]*source.Source{a})
	startRun(t, s)
	if run := <-trig.fired; run.Source != "a" {
		t.Fatalf("fired %s, want a", run.Source)
	}
	s.SetSources([]*source.Source{a, mkSource(t, "b", "", "interval: 1h")})
	if run := <-trig.fired; run.Source != "b" {
		t.Fatalf("fired %s, want the new source b", run.Source)
	}
	if _, err := s.RunNow(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if run := <-trig.fired; run.Source != "a" || run.Reason != schedule.ReasonRunNow {
		t.Fatalf("fired %s (%s), want a (run_now)", run.Source, run.Reason)
	}
	if !clock.Now().Equal(t0) {
		t.Errorf("clock moved: %s", clock.Now())
	}
}

func TestRunExclusive(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	trig := &chanTrigger{clock: clock, fired: make(chan schedule.Run)}
	s := newSched(t, schedule.NewMemoryStore(), clock, trig, nil)
	s.SetSources([]*source.Source{mkSource(t, "a", "", "interval: 1h")})
	startRun(t, s)
	<-trig.fired
	if err := s.Run(t.Context()); !errors.Is(err, schedule.ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
	if _, err := s.Tick(t.Context()); !errors.Is(err, schedule.ErrRunning) {
		t.Errorf("Tick during Run = %v, want ErrRunning", err)
	}
	ctl := newSched(t, schedule.NewMemoryStore(), clock, nil, nil)
	if err := ctl.Run(t.Context()); !errors.Is(err, schedule.ErrNoTrigger) {
		t.Errorf("Run without trigger = %v, want ErrNoTrigger", err)
	}
}

// TestWakeSeesOtherProcesses: a RunNow from another process is seen at
// once after Wake, without waiting for the resync.
func TestWakeSeesOtherProcesses(t *testing.T) {
	store := schedule.NewMemoryStore()
	clock := schedule.NewFakeClock(t0)
	trig := &chanTrigger{clock: clock, fired: make(chan schedule.Run)}
	s := newSched(t, store, clock, trig, func(o *schedule.Options) { o.Resync = 24 * time.Hour })
	src := mkSource(t, "w", "", "interval: 1h")
	s.SetSources([]*source.Source{src})
	startRun(t, s)
	<-trig.fired
	waitRecorded(t, s, "w", 1)
	cli := newSched(t, store, clock, nil, nil)
	if _, err := cli.RunNow(t.Context(), "w"); err != nil {
		t.Fatal(err)
	}
	s.Wake() // what a KV watch would do
	if run := <-trig.fired; run.Reason != schedule.ReasonRunNow || !clock.Now().Equal(t0) {
		t.Errorf("fired %s at %s, want run_now at %s", run.Reason, clock.Now(), t0)
	}
}
