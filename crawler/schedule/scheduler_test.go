package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

// stepTicks ticks s every step from the clock's time until end and
// returns the fire times.
func stepTicks(t *testing.T, s *schedule.Scheduler, clock *schedule.FakeClock, rec *recorder, step time.Duration, end time.Time) []time.Time {
	t.Helper()
	for !clock.Now().After(end) {
		tick(t, s)
		clock.Advance(step)
	}
	var at []time.Time
	for _, f := range rec.Fires() {
		at = append(at, f.At)
	}
	return at
}

func TestIntervalTiming(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "wuzhou", "", "interval: 15m")})
	got := stepTicks(t, s, clock, rec, time.Minute, t0.Add(time.Hour))
	want := []time.Time{t0, t0.Add(15 * time.Minute), t0.Add(30 * time.Minute), t0.Add(45 * time.Minute), t0.Add(time.Hour)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fire times (-want +got):\n%s", d)
	}
	// The default interval is 15m too.
	st := status(t, s, "wuzhou")
	if got, want := time.Duration(st.Interval), source.DefaultInterval; got != want {
		t.Errorf("interval = %s, want %s", got, want)
	}
}

func TestCronTiming(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	newYork, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		name       string
		cron, tz   string
		start, end time.Time
		step       time.Duration
		want       []time.Time
	}{
		{
			name: "every 15 minutes in Shanghai", cron: "*/15 * * * *", tz: "Asia/Shanghai",
			start: time.Date(2025, 3, 3, 7, 53, 0, 0, shanghai), end: time.Date(2025, 3, 3, 8, 50, 0, 0, shanghai), step: time.Minute,
			want: []time.Time{
				time.Date(2025, 3, 3, 8, 0, 0, 0, shanghai), time.Date(2025, 3, 3, 8, 15, 0, 0, shanghai),
				time.Date(2025, 3, 3, 8, 30, 0, 0, shanghai), time.Date(2025, 3, 3, 8, 45, 0, 0, shanghai),
			},
		},
		{
			name: "9 o'clock Shanghai time is 01:00 UTC", cron: "0 9 * * *", tz: "Asia/Shanghai",
			start: time.Date(2025, 3, 3, 0, 30, 0, 0, time.UTC), end: time.Date(2025, 3, 5, 0, 30, 0, 0, time.UTC), step: 5 * time.Minute,
			want: []time.Time{time.Date(2025, 3, 3, 1, 0, 0, 0, time.UTC), time.Date(2025, 3, 4, 1, 0, 0, 0, time.UTC)},
		},
		{
			name: "weekdays 9:00 in New York across the DST change", cron: "0 9 * * 1-5", tz: "America/New_York",
			start: time.Date(2025, 3, 7, 0, 0, 0, 0, newYork), end: time.Date(2025, 3, 11, 0, 0, 0, 0, newYork), step: 10 * time.Minute,
			want: []time.Time{
				time.Date(2025, 3, 7, 14, 0, 0, 0, time.UTC),  // Friday, EST
				time.Date(2025, 3, 10, 13, 0, 0, 0, time.UTC), // Monday, EDT
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := schedule.NewFakeClock(tt.start)
			rec := &recorder{clock: clock}
			s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
			s.SetSources([]*source.Source{mkSource(t, "cron", "timezone: "+tt.tz+"\n", "cron: '"+tt.cron+"'")})
			got := stepTicks(t, s, clock, rec, tt.step, tt.end)
			if d := cmp.Diff(tt.want, got, cmp.Comparer(time.Time.Equal)); d != "" {
				t.Errorf("fire times (-want +got):\n%s", d)
			}
			for _, f := range rec.Fires() {
				if !f.Due.Equal(f.At) {
					t.Errorf("fired at %s for due %s", f.At, f.Due)
				}
			}
		})
	}
}

// TestJitterBounds runs a jittered source many times: every gap between
// the end of a run and the next due time lies in [interval, interval +
// jitter], the draws spread over the range, and the same seed gives the
// same schedule.
func TestJitterBounds(t *testing.T) {
	const (
		interval = 10 * time.Minute
		jitter   = 2 * time.Minute
		runs     = 400
	)
	dues := func(seed uint64) []time.Duration {
		clock := schedule.NewFakeClock(t0)
		rec := &recorder{clock: clock}
		s := newSched(t, schedule.NewMemoryStore(), clock, rec, func(o *schedule.Options) { o.Rand = rand.New(rand.NewPCG(seed, seed)) })
		s.SetSources([]*source.Source{mkSource(t, "j", "", "interval: 10m", "jitter: 2m")})
		var extra []time.Duration
		if n := tick(t, s); n != 0 { // the first run waits for its jitter
			t.Fatalf("first Tick fired %d runs, want 0", n)
		}
		st := status(t, s, "j")
		extra = append(extra, st.NextDue.Sub(t0))
		for range runs {
			clock.Set(st.NextDue)
			if n := tick(t, s); n != 1 {
				t.Fatalf("Tick fired %d runs, want 1", n)
			}
			st = status(t, s, "j")
			extra = append(extra, st.NextDue.Sub(st.LastEnd)-interval)
		}
		return extra
	}
	got := dues(7)
	var lo, hi, sum time.Duration = jitter, 0, 0
	for i, d := range got {
		if d < 0 || d > jitter {
			t.Fatalf("run %d: jitter %s outside [0, %s]", i, d, jitter)
		}
		lo, hi, sum = min(lo, d), max(hi, d), sum+d
	}
	if lo > jitter/20 || hi < jitter-jitter/20 {
		t.Errorf("jitter range [%s, %s] does not cover [0, %s]", lo, hi, jitter)
	}
	if mean := sum / time.Duration(len(got)); mean < jitter*4/10 || mean > jitter*6/10 {
		t.Errorf("mean jitter %s, want about %s", mean, jitter/2)
	}
	if d := cmp.Diff(got, dues(7)); d != "" {
		t.Errorf("same seed, different jitter (-first +second):\n%s", d)
	}
	if d := cmp.Diff(got, dues(8)); d == "" {
		t.Errorf("different seeds drew the same jitter")
	}
}

// TestAdaptiveInterval scripts whether entry points changed and checks
// the interval after each run and the gaps between fires.
func TestAdaptiveInterval(t *testing.T) {
	changed := []bool{true, true, true, false, false, false, false, false, false, false, false, true}
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock, script: func(_ *source.Source, _ schedule.Run, n int) (schedule.RunResult, error) {
		return schedule.RunResult{Pages: 2, Changed: changed[n]}, nil
	}}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "ad", "", "interval: 20m", "min_interval: 5m", "max_interval: 1h")})
	var intervals []time.Duration
	for range changed {
		if n := tick(t, s); n != 1 {
			t.Fatalf("Tick fired %d runs, want 1", n)
		}
		st := status(t, s, "ad")
		intervals = append(intervals, time.Duration(st.Interval))
		clock.Set(st.NextDue)
	}
	m := time.Minute
	want := []time.Duration{
		10 * m, 5 * m, 5 * m, // halved, then clamped at min_interval
		7*m + 30*time.Second, 11*m + 15*time.Second, 16*m + 52*time.Second + 500*time.Millisecond,
		25*m + 18*time.Second + 750*time.Millisecond, 37*m + 58*time.Second + 125*time.Millisecond,
		56*m + 57*time.Second + 187500*time.Microsecond, 60 * m, 60 * m, // grown by 1.5, clamped at max
		30 * m,
	}
	if d := cmp.Diff(want, intervals); d != "" {
		t.Errorf("intervals (-want +got):\n%s", d)
	}
	fires := rec.Fires()
	for i := 1; i < len(fires); i++ {
		if gap := fires[i].At.Sub(fires[i-1].At); gap != want[i-1] {
			t.Errorf("gap before run %d = %s, want %s", i, gap, want[i-1])
		}
	}
}

// TestDegradedAndRecovery fails a source until it is degraded, checks the
// long retry interval, then lets it recover.
func TestDegradedAndRecovery(t *testing.T) {
	fails := 4
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock, script: func(_ *source.Source, _ schedule.Run, n int) (schedule.RunResult, error) {
		if n < fails {
			return schedule.RunResult{}, fmt.Errorf("dial: %w", refusedErr{})
		}
		return schedule.RunResult{Pages: 4, Articles: 2, Changed: true}, nil
	}}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, func(o *schedule.Options) { o.RetryBase = time.Minute })
	s.SetSources([]*source.Source{mkSource(t, "flaky", "", "interval: 15m", "degraded_after: 3", "degraded_interval: 6h")})
	type step struct {
		Reason   schedule.Reason
		Phase    schedule.Phase
		Failures int
		Wait     time.Duration
		Class    schedule.ErrorClass
	}
	var got []step
	for range 6 {
		if n := tick(t, s); n != 1 {
			t.Fatalf("Tick fired %d runs, want 1", n)
		}
		st := status(t, s, "flaky")
		got = append(got, step{st.LastReason, st.Phase, st.ConsecutiveFailures, st.NextDue.Sub(st.LastEnd), st.LastErrorClass})
		clock.Set(st.NextDue)
	}
	want := []step{
		{schedule.ReasonSchedule, schedule.Active, 1, time.Minute, schedule.ClassNetwork},
		{schedule.ReasonRetry, schedule.Active, 2, 2 * time.Minute, schedule.ClassNetwork},
		{schedule.ReasonRetry, schedule.Degraded, 3, 6 * time.Hour, schedule.ClassNetwork},
		{schedule.ReasonDegraded, schedule.Degraded, 4, 6 * time.Hour, schedule.ClassNetwork},
		{schedule.ReasonDegraded, schedule.Active, 0, 15 * time.Minute, ""}, // recovered
		{schedule.ReasonSchedule, schedule.Active, 0, 15 * time.Minute, ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
	st := status(t, s, "flaky")
	if d := cmp.Diff(map[schedule.ErrorClass]int64{schedule.ClassNetwork: 4}, st.ErrorCounts); d != "" {
		t.Errorf("error counts (-want +got):\n%s", d)
	}
	if st.Runs != 6 || st.Failures != 4 {
		t.Errorf("runs, failures = %d, %d; want 6, 4", st.Runs, st.Failures)
	}
}

// TestErrorClassIntervals checks the wait after the first and second
// failed run of each error class (interval 30m, RetryBase 1m).
func TestErrorClassIntervals(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name      string
		res       schedule.RunResult
		err       error
		wantClass schedule.ErrorClass // "" = the run did not fail
		want      [2]time.Duration
	}{
		{"timeout from context", schedule.RunResult{}, fmt.Errorf("fetch: %w", context.DeadlineExceeded), schedule.ClassTimeout, [2]time.Duration{m, 2 * m}},
		{"timeout net.Error", schedule.RunResult{}, timeoutErr{}, schedule.ClassTimeout, [2]time.Duration{m, 2 * m}},
		{"network", schedule.RunResult{}, refusedErr{}, schedule.ClassNetwork, [2]time.Duration{m, 2 * m}},
		{"5xx classified", schedule.RunResult{}, schedule.Classify(schedule.ClassHTTP5xx, errors.New("503")), schedule.ClassHTTP5xx, [2]time.Duration{m, 2 * m}},
		{"5xx from counters", schedule.RunResult{Errors: map[schedule.ErrorClass]int{schedule.ClassHTTP5xx: 3, schedule.ClassNetwork: 1}}, nil, schedule.ClassHTTP5xx, [2]time.Duration{m, 2 * m}},
		{"4xx waits the interval", schedule.RunResult{}, schedule.Classify(schedule.ClassHTTP4xx, errors.New("403")), schedule.ClassHTTP4xx, [2]time.Duration{30 * m, 30 * m}},
		{"robots waits the interval", schedule.RunResult{Errors: map[schedule.ErrorClass]int{schedule.ClassRobots: 2}}, nil, schedule.ClassRobots, [2]time.Duration{30 * m, 30 * m}},
		{"other waits the interval", schedule.RunResult{}, errors.New("handler broke"), schedule.ClassOther, [2]time.Duration{30 * m, 30 * m}},
		{"errors with pages is a success", schedule.RunResult{Pages: 5, Errors: map[schedule.ErrorClass]int{schedule.ClassHTTP5xx: 9}}, nil, "", [2]time.Duration{30 * m, 30 * m}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := schedule.NewFakeClock(t0)
			rec := &recorder{clock: clock, script: func(*source.Source, schedule.Run, int) (schedule.RunResult, error) { return tt.res, tt.err }}
			s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
			s.SetSources([]*source.Source{mkSource(t, "c", "", "interval: 30m", "degraded_after: 10")})
			var got [2]time.Duration
			for i := range got {
				tick(t, s)
				st := status(t, s, "c")
				if st.LastErrorClass != tt.wantClass {
					t.Errorf("class = %q, want %q", st.LastErrorClass, tt.wantClass)
				}
				got[i] = st.NextDue.Sub(st.LastEnd)
				clock.Set(st.NextDue)
			}
			if got != tt.want {
				t.Errorf("waits = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRetryBackoffCapped: transient retries double from RetryBase and
// never wait longer than the normal interval.
func TestRetryBackoffCapped(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock, script: func(*source.Source, schedule.Run, int) (schedule.RunResult, error) {
		return schedule.RunResult{}, timeoutErr{}
	}}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, func(o *schedule.Options) { o.RetryBase = 10 * time.Minute })
	s.SetSources([]*source.Source{mkSource(t, "slow", "", "interval: 30m", "degraded_after: 10")})
	var got []time.Duration
	for range 5 {
		tick(t, s)
		st := status(t, s, "slow")
		got = append(got, st.NextDue.Sub(st.LastEnd))
		clock.Set(st.NextDue)
	}
	m := time.Minute
	if d := cmp.Diff([]time.Duration{10 * m, 20 * m, 30 * m, 30 * m, 30 * m}, got); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
}

func TestPauseResumeRunNow(t *testing.T) {
	ctx := t.Context()
	store := schedule.NewMemoryStore()
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	s := newSched(t, store, clock, rec, nil)
	src := mkSource(t, "p", "", "interval: 10m")
	s.SetSources([]*source.Source{src})
	// The operator's CLI: another process with no trigger on the same store.
	cli := newSched(t, store, clock, nil, nil)

	count := func() int { return len(rec.Fires()) }
	tick(t, s) // first run at t0
	if _, err := cli.Pause(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	for range 60 {
		clock.Advance(time.Minute)
		tick(t, s)
	}
	if n := count(); n != 1 {
		t.Fatalf("paused source fired: %d runs, want 1", n)
	}
	if _, err := cli.RunNow(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if n := tick(t, s); n != 1 {
		t.Fatalf("run-now fired %d runs, want 1", n)
	}
	st := status(t, s, "p")
	if st.Phase != schedule.Paused || st.RunNow || st.LastReason != schedule.ReasonRunNow {
		t.Errorf("after run-now: state %s, run_now %v, reason %s; want paused, false, run_now", st.Phase, st.RunNow, st.LastReason)
	}
	for range 30 {
		clock.Advance(time.Minute)
		tick(t, s)
	}
	if n := count(); n != 2 {
		t.Fatalf("paused source fired after run-now: %d runs, want 2", n)
	}
	st, err := cli.Resume(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if st.Phase != schedule.Active {
		t.Errorf("resumed state %s, want active", st.Phase)
	}
	if n := tick(t, s); n != 1 { // NextDue passed during the pause
		t.Fatalf("resume fired %d runs, want 1", n)
	}
	fires := rec.Fires()
	got := []schedule.Reason{}
	for _, f := range fires {
		got = append(got, f.Reason)
	}
	if d := cmp.Diff([]schedule.Reason{schedule.ReasonSchedule, schedule.ReasonRunNow, schedule.ReasonSchedule}, got); d != "" {
		t.Errorf("reasons (-want +got):\n%s", d)
	}

	// Errors.
	if _, err := cli.RunNow(ctx, "nope"); !errors.Is(err, schedule.ErrUnknownSource) || !errors.Is(err, schedule.ErrNotFound) {
		t.Errorf("RunNow(unknown) = %v, want ErrUnknownSource wrapping ErrNotFound", err)
	}
	if _, err := cli.Pause(ctx, "Bad ID"); !errors.Is(err, schedule.ErrInvalidID) {
		t.Errorf("Pause(bad id) = %v, want ErrInvalidID", err)
	}
	if _, err := cli.Tick(ctx); !errors.Is(err, schedule.ErrNoTrigger) {
		t.Errorf("Tick without trigger = %v, want ErrNoTrigger", err)
	}
}

// TestPauseBeforeFirstRun: a configured source can be paused before any
// scheduler has run it; resuming schedules it at once.
func TestPauseBeforeFirstRun(t *testing.T) {
	ctx := t.Context()
	store := schedule.NewMemoryStore()
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	src := mkSource(t, "fresh", "", "interval: 10m")
	cli := newSched(t, store, clock, nil, nil)
	cli.SetSources([]*source.Source{src})
	if _, err := cli.Pause(ctx, "fresh"); err != nil {
		t.Fatal(err)
	}
	s := newSched(t, store, clock, rec, nil)
	s.SetSources([]*source.Source{src})
	clock.Advance(time.Hour)
	if n := tick(t, s); n != 0 {
		t.Fatalf("paused source fired %d runs", n)
	}
	if _, err := cli.Resume(ctx, "fresh"); err != nil {
		t.Fatal(err)
	}
	if n := tick(t, s); n != 1 {
		t.Fatalf("resumed source fired %d runs, want 1", n)
	}
}

func TestStatusAndList(t *testing.T) {
	ctx := t.Context()
	store := schedule.NewMemoryStore()
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock, script: func(src *source.Source, _ schedule.Run, _ int) (schedule.RunResult, error) {
		return schedule.RunResult{Pages: 7, Articles: 5, SpamPages: 1, Errors: map[schedule.ErrorClass]int{schedule.ClassHTTP4xx: 2}, Changed: true}, nil
	}}
	s := newSched(t, store, clock, rec, nil)
	a, b := mkSource(t, "a", "", "interval: 1h"), mkSource(t, "b", "", "cron: '0 * * * *'")
	s.SetSources([]*source.Source{b, a})
	tick(t, s) // a fires at once; b waits for 09:00 Shanghai
	s.SetSources([]*source.Source{a, b, mkSource(t, "c", "", "interval: 5m")})
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID       string
		Phase    schedule.Phase
		Runs     int64
		NextDue  time.Time
		Schedule string
	}
	var got []row
	for _, st := range list {
		got = append(got, row{st.ID, st.Phase, st.Runs, st.NextDue, st.Schedule})
	}
	want := []row{
		{"a", schedule.Active, 1, t0.Add(time.Hour), "every 1h"},
		{"b", schedule.Active, 0, t0.Add(time.Hour), "cron 0 * * * * tz=Asia/Shanghai"},
		{"c", schedule.Active, 0, time.Time{}, "every 5m"}, // configured, never scheduled
	}
	if d := cmp.Diff(want, got, cmp.Comparer(time.Time.Equal)); d != "" {
		t.Errorf("list (-want +got):\n%s", d)
	}
	st := status(t, s, "a")
	wantRes := &schedule.RunResult{Pages: 7, Articles: 5, SpamPages: 1, Errors: map[schedule.ErrorClass]int{schedule.ClassHTTP4xx: 2}, Changed: true}
	if d := cmp.Diff(wantRes, st.LastResult); d != "" {
		t.Errorf("last result (-want +got):\n%s", d)
	}
	if st.Lease != nil {
		t.Errorf("lease still held after the run: %+v", st.Lease)
	}
	if _, err := s.Status(ctx, "zzz"); !errors.Is(err, schedule.ErrUnknownSource) {
		t.Errorf("Status(unknown) = %v, want ErrUnknownSource", err)
	}
}

// TestScheduleChangeRecomputes: a source file that changes its schedule
// gets a new NextDue from its last run, not the old one.
func TestScheduleChangeRecomputes(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "x", "", "interval: 6h")})
	tick(t, s)
	clock.Advance(10 * time.Minute)
	s.SetSources([]*source.Source{mkSource(t, "x", "", "interval: 5m")})
	if n := tick(t, s); n != 1 {
		t.Fatalf("after shortening the interval Tick fired %d runs, want 1 (due at t0+5m)", n)
	}
	st := status(t, s, "x")
	if got, want := st.NextDue, clock.Now().Add(5*time.Minute); !got.Equal(want) {
		t.Errorf("next due %s, want %s", got, want)
	}
}

func TestDisabledSourceNeverFires(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "off", "enabled: false\n", "interval: 1m")})
	for range 10 {
		tick(t, s)
		clock.Advance(time.Minute)
	}
	if n := len(rec.Fires()); n != 0 {
		t.Errorf("disabled source fired %d times", n)
	}
}

func TestRunCarriesSeeds(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "seeds", "", "interval: 10m")})
	tick(t, s)
	clock.Advance(10 * time.Minute)
	tick(t, s)
	runs := rec.Runs()
	if len(runs) != 2 {
		t.Fatalf("%d runs, want 2", len(runs))
	}
	wantEP := []source.Seed{
		{URL: "https://seeds.example.cn/news/", Kind: source.SeedListing},
		{URL: "https://seeds.example.cn/rss.xml", Kind: source.SeedFeed},
	}
	if d := cmp.Diff(wantEP, runs[0].EntryPoints); d != "" {
		t.Errorf("entry points (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"https://seeds.example.cn/a/2025-03/01/1.html"}, runs[0].Articles); d != "" {
		t.Errorf("first run articles (-want +got):\n%s", d)
	}
	if runs[1].Articles != nil {
		t.Errorf("article seeds handed again after a successful run: %v", runs[1].Articles)
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name string
		opts schedule.Options
		ok   bool
	}{
		{"zero", schedule.Options{}, false},
		{"store only", schedule.Options{Store: schedule.NewMemoryStore()}, true},
		{"negative ttl", schedule.Options{Store: schedule.NewMemoryStore(), LeaseTTL: -time.Second}, false},
		{"negative runs", schedule.Options{Store: schedule.NewMemoryStore(), MaxConcurrentRuns: -1}, false},
		{"negative queue", schedule.Options{Store: schedule.NewMemoryStore(), MaxRefetchQueue: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := schedule.New(tt.opts)
			if tt.ok != (err == nil) {
				t.Fatalf("New: err = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, schedule.ErrOptions) {
				t.Errorf("err %v does not wrap ErrOptions", err)
			}
			if err == nil && s.Owner() == "" {
				t.Errorf("default owner is empty")
			}
		})
	}
}
