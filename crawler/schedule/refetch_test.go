package schedule_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

// TestRefetchQueue: articles fetched at T are handed back at T+refetch,
// at most refetch_times times, in re-fetch-only runs between polls.
func TestRefetchQueue(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	newArticles := map[int][]string{ // by run number
		0: {"https://r.example.cn/a1.html", "https://r.example.cn/a2.html"},
		1: {"https://r.example.cn/a3.html", "https://r.example.cn/a1.html"}, // a1 seen again: not queued twice
	}
	rec := &recorder{clock: clock, script: func(_ *source.Source, run schedule.Run, n int) (schedule.RunResult, error) {
		if run.Reason == schedule.ReasonRefetch {
			return schedule.RunResult{Pages: len(run.Refetch)}, nil
		}
		return schedule.RunResult{Pages: 3, ArticleURLs: newArticles[n]}, nil
	}}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "r", "", "interval: 45m", "refetch: 2h", "refetch_times: 2")})
	for clock.Now().Before(t0.Add(6 * time.Hour)) {
		tick(t, s)
		clock.Advance(time.Minute)
	}
	type row struct {
		Min     int
		Reason  schedule.Reason
		Polls   bool
		Refetch []string
	}
	var got []row
	for _, r := range rec.Runs() {
		got = append(got, row{int(r.Due.Sub(t0) / time.Minute), r.Reason, r.EntryPoints != nil, r.Refetch})
	}
	a1, a2, a3 := "https://r.example.cn/a1.html", "https://r.example.cn/a2.html", "https://r.example.cn/a3.html"
	want := []row{
		{0, schedule.ReasonSchedule, true, nil},
		{45, schedule.ReasonSchedule, true, nil},
		{90, schedule.ReasonSchedule, true, nil},
		{120, schedule.ReasonRefetch, false, []string{a1, a2}}, // fetched at 0
		{135, schedule.ReasonSchedule, true, nil},
		{165, schedule.ReasonRefetch, false, []string{a3}}, // fetched at 45
		{180, schedule.ReasonSchedule, true, nil},
		{225, schedule.ReasonSchedule, true, nil},
		{240, schedule.ReasonRefetch, false, []string{a1, a2}}, // second and last time
		{270, schedule.ReasonSchedule, true, nil},
		{285, schedule.ReasonRefetch, false, []string{a3}},
		{315, schedule.ReasonSchedule, true, nil},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("runs (-want +got):\n%s", d)
	}
	if st := status(t, s, "r"); len(st.Refetch) != 0 {
		t.Errorf("queue not empty after refetch_times re-fetches: %+v", st.Refetch)
	}
}

// TestRefetchQueueBound: the queue keeps at most MaxRefetchQueue items,
// dropping the oldest articles, and counts the drops.
func TestRefetchQueueBound(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock, script: func(_ *source.Source, _ schedule.Run, n int) (schedule.RunResult, error) {
		var urls []string
		for i := range 3 {
			urls = append(urls, fmt.Sprintf("https://b.example.cn/%d-%d.html", n, i))
		}
		return schedule.RunResult{Pages: 1, ArticleURLs: urls}, nil
	}}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, func(o *schedule.Options) { o.MaxRefetchQueue = 4 })
	s.SetSources([]*source.Source{mkSource(t, "b", "", "interval: 10m", "refetch: 1d")})
	for range 3 {
		tick(t, s)
		clock.Advance(10 * time.Minute)
	}
	st := status(t, s, "b")
	var urls []string
	for _, it := range st.Refetch {
		urls = append(urls, it.URL)
	}
	want := []string{"https://b.example.cn/1-2.html", "https://b.example.cn/2-0.html", "https://b.example.cn/2-1.html", "https://b.example.cn/2-2.html"}
	if d := cmp.Diff(want, urls); d != "" {
		t.Errorf("queue (-want +got):\n%s", d)
	}
	if st.RefetchDropped != 5 {
		t.Errorf("dropped %d, want 5", st.RefetchDropped)
	}
}

// TestRefetchWaitsForRetry: items handed to a failed run go with the
// retry instead of firing a re-fetch run at once.
func TestRefetchWaitsForRetry(t *testing.T) {
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock, script: func(_ *source.Source, run schedule.Run, n int) (schedule.RunResult, error) {
		switch n {
		case 0:
			return schedule.RunResult{Pages: 1, ArticleURLs: []string{"https://f.example.cn/1.html"}}, nil
		case 1:
			return schedule.RunResult{}, schedule.Classify(schedule.ClassHTTP5xx, fmt.Errorf("502"))
		}
		return schedule.RunResult{Pages: 1}, nil
	}}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, func(o *schedule.Options) { o.RetryBase = 5 * time.Minute })
	s.SetSources([]*source.Source{mkSource(t, "f", "", "interval: 1h", "refetch: 1h")})
	for clock.Now().Before(t0.Add(90 * time.Minute)) {
		tick(t, s)
		clock.Advance(time.Minute)
	}
	type row struct {
		Min     int
		Reason  schedule.Reason
		Refetch int
	}
	var got []row
	for _, r := range rec.Runs() {
		got = append(got, row{int(r.Due.Sub(t0) / time.Minute), r.Reason, len(r.Refetch)})
	}
	want := []row{
		{0, schedule.ReasonSchedule, 0},
		{60, schedule.ReasonSchedule, 1}, // poll and re-fetch together; fails (502)
		{65, schedule.ReasonRetry, 1},    // retried with the poll, not before
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("runs (-want +got):\n%s", d)
	}
}
