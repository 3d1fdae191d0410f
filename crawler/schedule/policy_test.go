package schedule

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai without the host's zone database

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/source"
)

var p0 = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

func parseSource(t *testing.T, sched ...string) *source.Source {
	t.Helper()
	y := "id: p\nseeds:\n  - url: https://p.example.cn/\n"
	if len(sched) > 0 {
		y += "schedule:\n  " + strings.Join(sched, "\n  ") + "\n"
	}
	src, err := source.Parse("p.yaml", []byte(y), nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func noJitter(time.Duration) time.Duration { return 0 }

func TestAdapt(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name    string
		sched   []string
		cur     time.Duration
		changed bool
		want    time.Duration
	}{
		{"shrinks on change", []string{"min_interval: 5m", "max_interval: 1h"}, 40 * m, true, 20 * m},
		{"grows on no change", []string{"min_interval: 5m", "max_interval: 1h"}, 20 * m, false, 30 * m},
		{"clamped at min", []string{"min_interval: 5m", "max_interval: 1h"}, 6 * m, true, 5 * m},
		{"clamped at max", []string{"min_interval: 5m", "max_interval: 1h"}, 50 * m, false, 60 * m},
		{"zero current starts from interval", []string{"interval: 30m", "min_interval: 5m", "max_interval: 1h"}, 0, false, 45 * m},
		{"fixed interval never moves", []string{"interval: 30m"}, 30 * m, true, 30 * m},
		{"default interval", nil, 0, false, source.DefaultInterval},
		{"cron has no interval", []string{"cron: '@hourly'"}, 0, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := parseSource(t, tt.sched...)
			if got := adapt(src.Schedule, tt.cur, tt.changed); got != tt.want {
				t.Errorf("adapt = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	m := time.Minute
	tests := []struct {
		class    ErrorClass
		failures int
		base     time.Duration
		normal   time.Duration
		want     time.Duration
	}{
		{ClassTimeout, 1, m, time.Hour, m},
		{ClassTimeout, 3, m, time.Hour, 4 * m},
		{ClassNetwork, 2, m, time.Hour, 2 * m},
		{ClassHTTP5xx, 7, m, time.Hour, time.Hour}, // 64m capped at the interval
		{ClassHTTP5xx, 200, m, time.Hour, time.Hour},
		{ClassHTTP4xx, 1, m, time.Hour, time.Hour},
		{ClassRobots, 1, m, time.Hour, time.Hour},
		{ClassOther, 1, m, time.Hour, time.Hour},
		{ClassNetwork, 1, 2 * time.Hour, time.Hour, time.Hour}, // base above the interval
	}
	for _, tt := range tests {
		if got := retryDelay(tt.class, tt.failures, tt.base, tt.normal); got != tt.want {
			t.Errorf("retryDelay(%s, %d, %s, %s) = %s, want %s", tt.class, tt.failures, tt.base, tt.normal, got, tt.want)
		}
	}
}

func TestNormalNextCron(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err) // time/tzdata is linked into this test
	}
	src, err := source.Parse("c.yaml", []byte("id: c\ntimezone: Asia/Shanghai\nseeds:\n  - url: https://c.example.cn/\nschedule:\n  cron: '30 8 * * *'\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ from, want time.Time }{
		{time.Date(2025, 3, 3, 8, 0, 0, 0, shanghai), time.Date(2025, 3, 3, 8, 30, 0, 0, shanghai)},
		{time.Date(2025, 3, 3, 8, 30, 0, 0, shanghai), time.Date(2025, 3, 4, 8, 30, 0, 0, shanghai)},
		{time.Date(2025, 3, 3, 0, 29, 0, 0, time.UTC), time.Date(2025, 3, 3, 0, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := normalNext(src, 0, tt.from); !got.Equal(tt.want) {
			t.Errorf("normalNext(%s) = %s, want %s", tt.from, got, tt.want)
		}
	}
}

func TestJitterDistribution(t *testing.T) {
	s, err := New(Options{Store: NewMemoryStore(), Rand: rand.New(rand.NewPCG(5, 6))})
	if err != nil {
		t.Fatal(err)
	}
	const max = 10 * time.Second
	const draws = 20000
	var buckets [10]int
	hitMax, hitZero := false, false
	for range draws {
		d := s.jitter(max)
		if d < 0 || d > max {
			t.Fatalf("jitter %s outside [0, %s]", d, max)
		}
		hitMax = hitMax || d == max
		hitZero = hitZero || d == 0
		buckets[min(int(d*10/max), 9)]++
	}
	for i, n := range buckets { // uniform: 2000 each, allow ±10%
		if n < draws/10*9/10 || n > draws/10*11/10 {
			t.Errorf("bucket %d has %d of %d draws", i, n, draws)
		}
	}
	if s.jitter(0) != 0 || s.jitter(-time.Second) != 0 {
		t.Error("no jitter configured, but a delay was drawn")
	}
	// With a 1ns range both ends are reachable.
	for range 200 {
		d := s.jitter(time.Nanosecond)
		hitMax, hitZero = hitMax || d == 1, hitZero || d == 0
	}
	if !hitMax || !hitZero {
		t.Errorf("ends of the range never drawn: zero %v, max %v", hitZero, hitMax)
	}
}

func TestDueFor(t *testing.T) {
	at := func(m int) time.Time { return p0.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		name    string
		st      State
		want    time.Time
		wantWhy Reason
	}{
		{"scheduled", State{Phase: Active, NextDue: at(10)}, at(10), ReasonSchedule},
		{"retry", State{Phase: Active, NextDue: at(10), ConsecutiveFailures: 2}, at(10), ReasonRetry},
		{"degraded", State{Phase: Degraded, NextDue: at(10), ConsecutiveFailures: 5}, at(10), ReasonDegraded},
		{"paused", State{Phase: Paused, NextDue: at(10)}, time.Time{}, ""},
		{"paused with run-now", State{Phase: Paused, NextDue: at(10), RunNow: true, RunNowAt: at(3)}, at(3), ReasonRunNow},
		{"never scheduled", State{Phase: Active}, time.Time{}, ""},
		{"re-fetch first", State{Phase: Active, NextDue: at(10), Refetch: []RefetchItem{{URL: "u", Due: at(5)}}}, at(5), ReasonRefetch},
		{"poll first", State{Phase: Active, NextDue: at(10), Refetch: []RefetchItem{{URL: "u", Due: at(10)}}}, at(10), ReasonSchedule},
		{"no re-fetch runs while degraded", State{Phase: Degraded, NextDue: at(10), Refetch: []RefetchItem{{URL: "u", Due: at(5)}}}, at(10), ReasonDegraded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := dueFor(&tt.st)
			if !got.Equal(tt.want) || why != tt.wantWhy {
				t.Errorf("dueFor = %s %q, want %s %q", got, why, tt.want, tt.wantWhy)
			}
		})
	}
}

// TestApplyRun checks the state after one outcome, field by field.
func TestApplyRun(t *testing.T) {
	m := time.Minute
	src := parseSource(t, "interval: 30m", "min_interval: 10m", "max_interval: 2h", "degraded_after: 3", "degraded_interval: 6h", "refetch: 1h", "refetch_times: 2")
	type view struct {
		Phase    Phase
		Failures int
		Interval time.Duration
		Wait     time.Duration // NextDue - end
		Class    ErrorClass
		RunNow   bool
		Refetch  []RefetchItem
	}
	end := p0.Add(5 * m)
	tests := []struct {
		name string
		st   State
		o    outcome
		want view
	}{
		{
			name: "success with change shrinks and queues articles",
			st:   State{Phase: Active, Interval: Duration(30 * m)},
			o:    outcome{run: Run{Reason: ReasonSchedule}, res: RunResult{Pages: 3, Changed: true, ArticleURLs: []string{"a", "b", "a"}}},
			want: view{Active, 0, 15 * m, 15 * m, "", false, []RefetchItem{{URL: "a", First: end, Due: end.Add(time.Hour)}, {URL: "b", First: end, Due: end.Add(time.Hour)}}},
		},
		{
			name: "degraded recovers",
			st:   State{Phase: Degraded, Interval: Duration(30 * m), ConsecutiveFailures: 4},
			o:    outcome{run: Run{Reason: ReasonDegraded}, res: RunResult{Pages: 1}},
			want: view{Active, 0, 45 * m, 45 * m, "", false, nil},
		},
		{
			name: "third failure degrades",
			st:   State{Phase: Active, Interval: Duration(30 * m), ConsecutiveFailures: 2},
			o:    outcome{run: Run{Reason: ReasonRetry}, err: Classify(ClassTimeout, errors.New("slow"))},
			want: view{Degraded, 3, 30 * m, 6 * time.Hour, ClassTimeout, false, nil},
		},
		{
			name: "paused stays paused when failures reach the limit",
			st:   State{Phase: Paused, Interval: Duration(30 * m), ConsecutiveFailures: 2, RunNow: true, RunNowAt: p0},
			o:    outcome{run: Run{Reason: ReasonRunNow, Due: p0}, res: RunResult{Errors: map[ErrorClass]int{ClassRobots: 1}}},
			want: view{Paused, 3, 30 * m, 6 * time.Hour, ClassRobots, false, nil},
		},
		{
			name: "run-now run clears its request",
			st:   State{Phase: Active, Interval: Duration(30 * m), RunNow: true, RunNowAt: p0},
			o:    outcome{run: Run{Reason: ReasonRunNow, Due: p0}, res: RunResult{Pages: 1}},
			want: view{Active, 0, 45 * m, 45 * m, "", false, nil},
		},
		{
			name: "run-now asked again during a run-now run is kept",
			st:   State{Phase: Active, Interval: Duration(30 * m), RunNow: true, RunNowAt: p0.Add(m)},
			o:    outcome{run: Run{Reason: ReasonRunNow, Due: p0}, res: RunResult{Pages: 1}},
			want: view{Active, 0, 45 * m, 45 * m, "", true, nil},
		},
		{
			name: "run-now asked during the run is kept",
			st:   State{Phase: Active, Interval: Duration(30 * m), RunNow: true, RunNowAt: p0.Add(2 * m)},
			o:    outcome{run: Run{Reason: ReasonSchedule}, res: RunResult{Pages: 1}},
			want: view{Active, 0, 45 * m, 45 * m, "", true, nil},
		},
		{
			name: "re-fetch-only run advances its items only",
			st: State{Phase: Active, Interval: Duration(30 * m), NextDue: p0.Add(20 * m), ConsecutiveFailures: 1,
				Refetch: []RefetchItem{{URL: "a", First: p0, Due: p0}, {URL: "b", First: p0, Due: p0, Times: 1}, {URL: "c", First: p0, Due: p0.Add(time.Hour)}}},
			o: outcome{run: Run{Reason: ReasonRefetch, Refetch: []string{"a", "b"}}, res: RunResult{Pages: 2}},
			want: view{Active, 1, 30 * m, 15 * m, "", false, []RefetchItem{
				{URL: "c", First: p0, Due: p0.Add(time.Hour)},
				{URL: "a", First: p0, Due: end.Add(time.Hour), Times: 1}, // b had its 2 re-fetches
			}},
		},
	}
	pol := policy{retryBase: m, maxRefetch: 100, jitter: noJitter}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			o := tt.o
			o.start, o.end = p0, end
			pol.applyRun(&st, src, o)
			got := view{st.Phase, st.ConsecutiveFailures, time.Duration(st.Interval), st.NextDue.Sub(end), st.LastErrorClass, st.RunNow, st.Refetch}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestReconcile(t *testing.T) {
	pol := policy{retryBase: time.Minute, maxRefetch: 10, jitter: noJitter}
	now := p0.Add(time.Hour)
	src := parseSource(t, "interval: 10m")
	tests := []struct {
		name    string
		st      State
		changed bool
		want    time.Time
	}{
		{"unchanged", State{Phase: Active, Schedule: specOf(src), NextDue: p0.Add(3 * time.Hour)}, false, p0.Add(3 * time.Hour)},
		{"schedule changed: from the last end", State{Phase: Active, Schedule: "every 6h", NextDue: p0.Add(6 * time.Hour), LastEnd: p0.Add(55 * time.Minute)}, true, p0.Add(65 * time.Minute)},
		{"schedule changed, never run: now", State{Phase: Active, Schedule: "every 6h", NextDue: p0.Add(6 * time.Hour)}, true, now},
		{"degraded keeps its retry", State{Phase: Degraded, Schedule: "every 6h", NextDue: p0.Add(5 * time.Hour)}, true, p0.Add(5 * time.Hour)},
		{"never scheduled", State{Phase: Active, Schedule: specOf(src)}, true, now},
		{"never scheduled but paused", State{Phase: Paused, Schedule: specOf(src)}, false, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			if got := pol.reconcile(&st, src, now); got != tt.changed {
				t.Errorf("changed = %v, want %v", got, tt.changed)
			}
			if !st.NextDue.Equal(tt.want) {
				t.Errorf("next due %s, want %s", st.NextDue, tt.want)
			}
		})
	}
}

func TestClassOf(t *testing.T) {
	tests := []struct {
		err  error
		want ErrorClass
	}{
		{nil, ClassOther},
		{errors.New("x"), ClassOther},
		{Classify(ClassRobots, errors.New("disallowed")), ClassRobots},
		{ErrRunTimeout, ClassTimeout},
		{&ClassError{Class: ClassHTTP4xx}, ClassHTTP4xx},
	}
	for _, tt := range tests {
		if got := ClassOf(tt.err); got != tt.want {
			t.Errorf("ClassOf(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
	if Classify(ClassNetwork, nil) != nil {
		t.Error("Classify(nil) is not nil")
	}
}
