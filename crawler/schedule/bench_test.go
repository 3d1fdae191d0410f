package schedule

import (
	"context"
	"fmt"
	"testing"
	"time"

	"winnow/crawler/source"
)

// benchSources returns n sources polled every 15m, copied from one
// parsed template.
func benchSources(b *testing.B, n int) []*source.Source {
	b.Helper()
	tmpl, err := source.Parse("t.yaml", []byte("id: t\nseeds:\n  - url: https://t.example.cn/\n  - url: https://t.example.cn/rss.xml\n    kind: feed\nschedule:\n  interval: 15m\n"), nil)
	if err != nil {
		b.Fatal(err)
	}
	srcs := make([]*source.Source, n)
	for i := range srcs {
		c := *tmpl
		c.ID = fmt.Sprintf("src-%05d", i)
		srcs[i] = &c
	}
	return srcs
}

func benchScheduler(b *testing.B, n int) (*Scheduler, *FakeClock) {
	b.Helper()
	clock := NewFakeClock(p0)
	noop := TriggerFunc(func(context.Context, *source.Source, Run) (RunResult, error) {
		return RunResult{Pages: 2, Articles: 1}, nil
	})
	s, err := New(Options{Store: NewMemoryStore(), Clock: clock, Trigger: noop, Owner: "bench", MaxConcurrentRuns: 16})
	if err != nil {
		b.Fatal(err)
	}
	s.SetSources(benchSources(b, n))
	if _, err := s.Tick(b.Context()); err != nil { // creates every state, fires every source once
		b.Fatal(err)
	}
	return s, clock
}

// BenchmarkTick measures scheduling overhead per source per tick with
// 10,000 sources on a MemoryStore and a no-op Trigger:
//
//   - all-due: every source is due; each is claimed (lease CAS), fired
//     and released (CAS with the new state);
//   - none-due: Tick's full resync (read and decode every state) with
//     nothing to fire;
//   - loop-wake: what Run does on a wake-up between resyncs with nothing
//     due (due-queue lookups only).
func BenchmarkTick(b *testing.B) {
	const n = 10000
	b.Run("sources=10000/all-due", func(b *testing.B) {
		s, clock := benchScheduler(b, n)
		b.ResetTimer()
		for range b.N {
			clock.Advance(15 * time.Minute)
			fired, err := s.Tick(b.Context())
			if err != nil || fired != n {
				b.Fatalf("fired %d of %d: %v", fired, n, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/source")
	})
	b.Run("sources=10000/none-due", func(b *testing.B) {
		s, clock := benchScheduler(b, n)
		clock.Advance(time.Minute)
		b.ResetTimer()
		for range b.N {
			fired, err := s.Tick(b.Context())
			if err != nil || fired != 0 {
				b.Fatalf("fired %d: %v", fired, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/source")
	})
	b.Run("sources=10000/loop-wake", func(b *testing.B) {
		s, clock := benchScheduler(b, n)
		now := clock.Now().Add(time.Minute)
		b.ResetTimer()
		for range b.N {
			if fired, _ := s.dispatch(b.Context(), now); fired != 0 {
				b.Fatal("fired")
			}
			if s.nextWake().IsZero() {
				b.Fatal("no next wake")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/source")
	})
}
