package schedule_test

import (
	"context"
	"fmt"
	"time"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

// Example schedules one source on a fake clock: it runs at once, then
// every 15 minutes; an operator pauses it and asks for one run.
func Example() {
	ctx := context.Background()
	src, err := source.Parse("wuzhou.yaml", []byte(`
id: wuzhou
name: 梧州零距离网
seeds:
  - url: https://www.wuzhou.example.cn/news/
  - url: https://www.wuzhou.example.cn/rss.xml
    kind: feed
schedule:
  interval: 15m
`), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	clock := schedule.NewFakeClock(time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC))
	crawl := schedule.TriggerFunc(func(ctx context.Context, src *source.Source, run schedule.Run) (schedule.RunResult, error) {
		fmt.Printf("%s %s: %s, %d entry points\n", clock.Now().Format("15:04"), run.Source, run.Reason, len(run.EntryPoints))
		return schedule.RunResult{Pages: 5, Articles: 3, Changed: true}, nil
	})
	s, err := schedule.New(schedule.Options{Store: schedule.NewMemoryStore(), Clock: clock, Trigger: crawl, Owner: "example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	s.SetSources([]*source.Source{src})
	for range 4 { // 08:00 … 08:30 in 10-minute steps
		s.Tick(ctx)
		clock.Advance(10 * time.Minute)
	}
	s.Pause(ctx, "wuzhou")
	s.RunNow(ctx, "wuzhou")
	s.Tick(ctx)
	st, _ := s.Status(ctx, "wuzhou")
	fmt.Println(st.Phase, st.Runs, "runs, next due", st.NextDue.Format("15:04"))
	// Output:
	// 08:00 wuzhou: schedule, 2 entry points
	// 08:20 wuzhou: schedule, 2 entry points
	// 08:40 wuzhou: run_now, 2 entry points
	// paused 3 runs, next due 08:55
}
