package schedule_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// TestStateGolden runs a scripted history (a success with new articles,
// a 5xx failure, a run-now while paused) and compares the stored JSON
// with testdata/state.golden.json: the value other processes read.
func TestStateGolden(t *testing.T) {
	ctx := t.Context()
	store := schedule.NewMemoryStore()
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock, script: func(_ *source.Source, run schedule.Run, n int) (schedule.RunResult, error) {
		switch n {
		case 0:
			return schedule.RunResult{Pages: 12, Articles: 9, SpamPages: 1, Changed: true,
				Errors:      map[schedule.ErrorClass]int{schedule.ClassHTTP4xx: 1},
				ArticleURLs: []string{"https://g.example.cn/a/2025-03/03/101.html", "https://g.example.cn/a/2025-03/03/102.html"}}, nil
		case 1:
			return schedule.RunResult{Errors: map[schedule.ErrorClass]int{schedule.ClassHTTP5xx: 2}}, nil
		}
		return schedule.RunResult{Pages: 2}, nil
	}}
	s := newSched(t, store, clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "g", "", "min_interval: 10m", "max_interval: 2h", "interval: 30m", "jitter: 1m", "refetch: 6h", "refetch_times: 2")})
	for range 3 {
		tick(t, s)
		st := status(t, s, "g")
		clock.Set(st.NextDue)
	}
	if _, err := s.Pause(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunNow(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	raw, _, err := store.Get(ctx, schedule.Key("g"))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	golden := filepath.Join("testdata", "state.golden.json")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got.String()); d != "" {
		t.Errorf("stored state (-golden +got):\n%s", d)
	}
}

func TestBadStoredState(t *testing.T) {
	tests := []struct {
		name  string
		value string
		ok    bool
	}{
		{"not json", "{", false},
		{"unknown phase", `{"state":"sleeping"}`, false},
		{"another source's state", `{"id":"other","state":"active"}`, false},
		{"bad interval", `{"interval":"fast"}`, false},
		{"empty object is active", `{}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := schedule.NewMemoryStore()
			if _, err := store.Create(t.Context(), schedule.Key("bad"), []byte(tt.value)); err != nil {
				t.Fatal(err)
			}
			s := newSched(t, store, schedule.NewFakeClock(t0), nil, nil)
			st, err := s.Status(t.Context(), "bad")
			if tt.ok != (err == nil) {
				t.Fatalf("Status: %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, schedule.ErrBadState) {
				t.Errorf("error %v does not wrap ErrBadState", err)
			}
			if err == nil && (st.ID != "bad" || st.Phase != schedule.Active) {
				t.Errorf("state %+v", st)
			}
		})
	}
}

// TestBadStateReplaced: a scheduler replaces an undecodable state of a
// configured source instead of never running it.
func TestBadStateReplaced(t *testing.T) {
	store := schedule.NewMemoryStore()
	if _, err := store.Create(t.Context(), schedule.Key("bad"), []byte("garbage")); err != nil {
		t.Fatal(err)
	}
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	s := newSched(t, store, clock, rec, nil)
	s.SetSources([]*source.Source{mkSource(t, "bad", "", "interval: 10m")})
	if n := tick(t, s); n != 1 {
		t.Fatalf("fired %d runs, want 1", n)
	}
}

// FuzzStoredState feeds arbitrary bytes as a stored state: Status never
// panics, and a state it accepts survives a store round trip unchanged.
func FuzzStoredState(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"state":"paused","run_now":true}`,
		`{"id":"x","state":"degraded","next_due":"2025-03-03T08:00:00+08:00","interval":"15m0s","consecutive_failures":7}`,
		`{"refetch":[{"url":"u2","due":"2025-03-04T00:00:00Z"},{"url":"u1","due":"2025-03-03T00:00:00Z","times":1}]}`,
		`{"lease":{"owner":"a","token":"a#1","expires":"2025-03-03T00:02:00Z"},"error_counts":{"timeout":3}}`,
		`{"last_result":{"pages":1,"errors":{"http_5xx":2}},"consecutive_failures":-4}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := t.Context()
		store := schedule.NewMemoryStore()
		if _, err := store.Create(ctx, schedule.Key("x"), data); err != nil {
			t.Fatal(err)
		}
		s, err := schedule.New(schedule.Options{Store: store, Clock: schedule.NewFakeClock(t0)})
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Status(ctx, "x")
		if err != nil {
			if !errors.Is(err, schedule.ErrBadState) {
				t.Fatalf("error %v does not wrap ErrBadState", err)
			}
			return
		}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("re-encoding an accepted state: %v", err)
		}
		store2 := schedule.NewMemoryStore()
		if _, err := store2.Create(ctx, schedule.Key("x"), b); err != nil {
			t.Fatal(err)
		}
		s2, _ := schedule.New(schedule.Options{Store: store2, Clock: schedule.NewFakeClock(t0)})
		st2, err := s2.Status(ctx, "x")
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if d := cmp.Diff(st, st2, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
			t.Errorf("round trip changed the state (-first +second):\n%s", d)
		}
	})
}
