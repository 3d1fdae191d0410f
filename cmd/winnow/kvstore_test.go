package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"winnow/crawler"
	"winnow/crawler/schedule"
	"winnow/crawler/source"
	"winnow/sink/natsbus"
)

// kvStores returns n stores over one crawl_state bucket, each on its own
// connection where the server allows it: the embedded server (one
// in-process connection), or the machine's NATS ($WINNOW_TEST_NATS_URL,
// one connection per store, a namespace of the test's own).
func kvStores(t *testing.T, external bool, n int) []kvStore {
	t.Helper()
	ctx := t.Context()
	if !external {
		conn, err := natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: filepath.Join(t.TempDir(), "nats")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		cfg := natsbus.Config{Partitions: 1}
		if _, err := natsbus.EnsureStreams(ctx, conn.JetStream(), cfg); err != nil {
			t.Fatal(err)
		}
		st, err := natsbus.OpenState(ctx, conn.JetStream(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]kvStore, n)
		for i := range out {
			out[i] = kvStore{st}
		}
		return out
	}
	url := testNATS(t)
	b := newBus(t, url)
	cfg := busConfigForTest(b)
	if _, err := natsbus.EnsureStreams(ctx, b.conn.JetStream(), cfg); err != nil {
		t.Fatal(err)
	}
	var out []kvStore
	for range n {
		conn, err := natsbus.Connect(ctx, natsbus.Options{URLs: []string{url}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		st, err := natsbus.OpenState(ctx, conn.JetStream(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, kvStore{st})
	}
	return out
}

// TestKVStoreSemantics checks the adapter's error mapping: the
// scheduler's compare-and-set contract over NATS KV.
func TestKVStoreSemantics(t *testing.T) {
	for _, external := range []bool{false, true} {
		t.Run(map[bool]string{false: "embedded", true: "external"}[external], func(t *testing.T) {
			ctx := t.Context()
			s := kvStores(t, external, 1)[0]
			if _, _, err := s.Get(ctx, "source.a"); !errors.Is(err, schedule.ErrNotFound) {
				t.Errorf("Get missing: %v, want ErrNotFound", err)
			}
			rev, err := s.Create(ctx, "source.a", []byte("1"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(ctx, "source.a", []byte("2")); !errors.Is(err, schedule.ErrExists) {
				t.Errorf("Create existing: %v, want ErrExists", err)
			}
			rev2, err := s.Update(ctx, "source.a", []byte("2"), rev)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Update(ctx, "source.a", []byte("3"), rev); !errors.Is(err, schedule.ErrConflict) {
				t.Errorf("Update at a stale revision: %v, want ErrConflict", err)
			}
			if _, err := s.Update(ctx, "source.none", []byte("3"), rev2); !errors.Is(err, schedule.ErrNotFound) {
				t.Errorf("Update missing: %v, want ErrNotFound", err)
			}
			if v, got, err := s.Get(ctx, "source.a"); err != nil || string(v) != "2" || got != rev2 {
				t.Errorf("Get = %q, %d, %v; want \"2\" at %d", v, got, err, rev2)
			}
			keys, err := s.Keys(ctx, schedule.KeyPrefix)
			if err != nil || len(keys) != 1 || keys[0] != "source.a" {
				t.Errorf("Keys = %v, %v", keys, err)
			}
		})
	}
}

// TestTwoSchedulersOneNATS runs two schedulers on one crawl_state bucket
// (NATS KV) with a fake clock, ticking concurrently: every (source, due
// time) is fired exactly once, and both schedulers fire some.
func TestTwoSchedulersOneNATS(t *testing.T) {
	for _, external := range []bool{false, true} {
		t.Run(map[bool]string{false: "embedded", true: "external"}[external], func(t *testing.T) {
			stores := kvStores(t, external, 2)
			clock := schedule.NewFakeClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
			var srcs []*source.Source
			for i := range 12 {
				src, err := source.Parse("s.yaml", fmt.Appendf(nil, "id: s%d\nseeds: [{url: 'https://s%d.example.cn/'}]\nschedule: {interval: 1m}\n", i, i), nil)
				if err != nil {
					t.Fatal(err)
				}
				srcs = append(srcs, src)
			}
			type firing struct {
				source string
				due    time.Time
			}
			var (
				mu      sync.Mutex
				fires   = map[firing]int{}
				byOwner = map[string]int{}
			)
			var scheds []*schedule.Scheduler
			for i, owner := range []string{"alpha", "beta"} {
				trig := schedule.TriggerFunc(func(_ context.Context, src *source.Source, run schedule.Run) (schedule.RunResult, error) {
					mu.Lock()
					defer mu.Unlock()
					fires[firing{src.ID, run.Due}]++
					byOwner[owner]++
					return schedule.RunResult{Pages: 1}, nil
				})
				s, err := schedule.New(schedule.Options{Store: stores[i], Clock: clock, Trigger: trig, Owner: owner,
					MaxConcurrentRuns: 3, Rand: rand.New(rand.NewPCG(uint64(i), 5))})
				if err != nil {
					t.Fatal(err)
				}
				s.SetSources(srcs)
				scheds = append(scheds, s)
			}
			step := rand.New(rand.NewPCG(1, 2))
			const ticks = 25
			for range ticks {
				var wg sync.WaitGroup
				for _, s := range scheds {
					wg.Go(func() {
						if _, err := s.Tick(t.Context()); err != nil {
							t.Errorf("Tick: %v", err)
						}
					})
				}
				wg.Wait()
				clock.Advance(time.Duration(40+step.IntN(60)) * time.Second)
			}
			mu.Lock()
			defer mu.Unlock()
			for f, n := range fires {
				if n != 1 {
					t.Errorf("%s due %s fired %d times", f.source, f.due.Format(time.TimeOnly), n)
				}
			}
			if len(fires) < len(srcs)*ticks/2 {
				t.Errorf("only %d firings of %d sources in %d ticks", len(fires), len(srcs), ticks)
			}
			if byOwner["alpha"] == 0 || byOwner["beta"] == 0 {
				t.Errorf("firings by scheduler %v: want both to fire (contention)", byOwner)
			}
			states, err := scheds[1].List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range states {
				if st.Lease != nil {
					t.Errorf("%s: lease left behind", st.ID)
				}
				if st.Runs == 0 {
					t.Errorf("%s: never ran", st.ID)
				}
			}
		})
	}
}

// TestKVValidators keeps entry-point validators in crawl_state: stored,
// read back by another handle, deleted by a zero value.
func TestKVValidators(t *testing.T) {
	ctx := t.Context()
	stores := kvStores(t, false, 2)
	a, b := kvValidators{stores[0].st}, kvValidators{stores[1].st}
	const u = "https://www.example.cn/news/"
	if v, err := a.Validators(ctx, u); err != nil || !v.IsZero() {
		t.Fatalf("unknown URL: %+v, %v", v, err)
	}
	want := crawler.Validators{ETag: `"v1"`, LastModified: "Wed, 01 May 2024 08:00:00 GMT"}
	if err := a.SetValidators(ctx, u, want); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Validators(ctx, u); err != nil || got != want {
		t.Errorf("read back %+v, %v; want %+v", got, err, want)
	}
	if err := b.SetValidators(ctx, u, crawler.Validators{}); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Validators(ctx, u); err != nil || !got.IsZero() {
		t.Errorf("after delete: %+v, %v", got, err)
	}
}
