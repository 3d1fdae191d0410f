package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai etc. without a host zone database

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

// t0 is 2025-03-03 08:00 in Shanghai (a Monday), 00:00 UTC.
var t0 = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

// mkSource parses a source with a listing, a feed and an article seed and
// the given schedule lines (YAML under "schedule:", two-space indented).
func mkSource(tb testing.TB, id string, extra string, sched ...string) *source.Source {
	tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "id: %s\nname: %s 新闻网\n", id, id)
	b.WriteString(extra)
	fmt.Fprintf(&b, "seeds:\n  - url: https://%s.example.cn/news/\n  - url: https://%s.example.cn/rss.xml\n    kind: feed\n  - url: https://%s.example.cn/a/2025-03/01/1.html\n    kind: article\n", id, id, id)
	if len(sched) > 0 {
		b.WriteString("schedule:\n")
		for _, l := range sched {
			b.WriteString("  " + l + "\n")
		}
	}
	src, err := source.Parse(id+".yaml", []byte(b.String()), nil)
	if err != nil {
		tb.Fatalf("source %s: %v", id, err)
	}
	return src
}

// fire is one call of the recording trigger.
type fire struct {
	Source string
	Due    time.Time
	At     time.Time
	Reason schedule.Reason
	Owner  string
}

// recorder is a Trigger that records fires and answers from script.
type recorder struct {
	clock  schedule.Clock
	owner  string
	script func(src *source.Source, run schedule.Run, n int) (schedule.RunResult, error)

	mu    sync.Mutex
	fires []fire
	runs  []schedule.Run
}

func (r *recorder) Fire(ctx context.Context, src *source.Source, run schedule.Run) (schedule.RunResult, error) {
	r.mu.Lock()
	n := len(r.fires)
	r.fires = append(r.fires, fire{Source: run.Source, Due: run.Due, At: r.clock.Now(), Reason: run.Reason, Owner: r.owner})
	r.runs = append(r.runs, run)
	r.mu.Unlock()
	if r.script != nil {
		return r.script(src, run, n)
	}
	return schedule.RunResult{Pages: 3, Articles: 1}, nil
}

func (r *recorder) Fires() []fire {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.fires)
}

func (r *recorder) Runs() []schedule.Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.runs)
}

// newSched builds a scheduler on store and clock with the trigger.
func newSched(tb testing.TB, store schedule.Store, clock schedule.Clock, trig schedule.Trigger, mod func(*schedule.Options)) *schedule.Scheduler {
	tb.Helper()
	opts := schedule.Options{
		Store:   store,
		Clock:   clock,
		Trigger: trig,
		Owner:   "test",
		Rand:    rand.New(rand.NewPCG(1, 2)),
	}
	if mod != nil {
		mod(&opts)
	}
	s, err := schedule.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// tick runs one Tick and fails the test on error.
func tick(tb testing.TB, s *schedule.Scheduler) int {
	tb.Helper()
	n, err := s.Tick(context.Background())
	if err != nil {
		tb.Fatalf("Tick: %v", err)
	}
	return n
}

// status reads a state and fails the test on error.
func status(tb testing.TB, s *schedule.Scheduler, id string) schedule.State {
	tb.Helper()
	st, err := s.Status(context.Background(), id)
	if err != nil {
		tb.Fatalf("Status(%s): %v", id, err)
	}
	return st
}

// crashStore wraps a Store; once crashed, every call fails.
type crashStore struct {
	schedule.Store
	mu      sync.Mutex
	crashed bool
}

var errCrashed = errors.New("store unreachable (crashed process)")

func (c *crashStore) setCrashed(v bool) {
	c.mu.Lock()
	c.crashed = v
	c.mu.Unlock()
}

func (c *crashStore) down() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashed
}

func (c *crashStore) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	if c.down() {
		return nil, 0, errCrashed
	}
	return c.Store.Get(ctx, key)
}

func (c *crashStore) Create(ctx context.Context, key string, v []byte) (uint64, error) {
	if c.down() {
		return 0, errCrashed
	}
	return c.Store.Create(ctx, key, v)
}

func (c *crashStore) Update(ctx context.Context, key string, v []byte, rev uint64) (uint64, error) {
	if c.down() {
		return 0, errCrashed
	}
	return c.Store.Update(ctx, key, v, rev)
}

func (c *crashStore) Keys(ctx context.Context, prefix string) ([]string, error) {
	if c.down() {
		return nil, errCrashed
	}
	return c.Store.Keys(ctx, prefix)
}

// timeoutErr is a net.Error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// refusedErr is a net.Error that did not time out.
type refusedErr struct{}

func (refusedErr) Error() string   { return "connection refused" }
func (refusedErr) Timeout() bool   { return false }
func (refusedErr) Temporary() bool { return false }

// advanceUntil advances clock by step each time something waits on it,
// until done is closed.
func advanceUntil(t *testing.T, clock *schedule.FakeClock, step time.Duration, done <-chan struct{}) {
	t.Helper()
	for {
		ctx, cancel := context.WithCancel(t.Context())
		stop := make(chan struct{})
		go func() {
			defer close(stop)
			select {
			case <-done:
				cancel()
			case <-ctx.Done():
			}
		}()
		err := clock.BlockUntil(ctx, 1)
		cancel()
		<-stop
		select {
		case <-done:
			return
		default:
		}
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(step)
	}
}
