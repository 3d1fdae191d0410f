package schedule_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
)

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sourceYAML(id, interval string) string {
	return "id: " + id + "\nname: " + id + " 日报\nseeds:\n  - url: https://" + id + ".example.cn/\n    kind: listing\nschedule:\n  interval: " + interval + "\n"
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWatchHotReload edits, adds, breaks, fixes and removes source files
// and checks what the watcher hands on after each poll.
func TestWatchHotReload(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "defaults.yaml", "timezone: Asia/Shanghai\nschedule:\n  jitter: 10s\n")
	writeFile(t, dir, "a.yaml", sourceYAML("a", "10m"))
	writeFile(t, dir, "b.yaml", sourceYAML("b", "20m"))
	writeFile(t, dir, "notes.txt", "not a source")

	clock := schedule.NewFakeClock(t0)
	var logs syncBuffer
	s := newSched(t, schedule.NewMemoryStore(), clock, nil, func(o *schedule.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	got := make(chan []*source.Source)
	ctx, cancel := context.WithCancel(t.Context())
	watchDone := make(chan error)
	go func() {
		watchDone <- s.Watch(ctx, dir, time.Second, func(srcs []*source.Source) { got <- srcs })
	}()
	// describe lists "id=interval" for each source.
	describe := func(srcs []*source.Source) []string {
		var out []string
		for _, src := range srcs {
			out = append(out, src.ID+"="+src.Schedule.Describe())
		}
		return out
	}
	poll := func() []string {
		t.Helper()
		if err := clock.BlockUntil(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		return describe(<-got)
	}
	steps := []struct {
		name   string
		change func()
		want   []string
		log    string
	}{
		{"initial", nil, []string{"a=every 10m +10s jitter", "b=every 20m +10s jitter"}, ""},
		{"edit a file", func() { writeFile(t, dir, "a.yaml", sourceYAML("a", "5m")) }, []string{"a=every 5m +10s jitter", "b=every 20m +10s jitter"}, ""},
		{"same size, same second", func() { writeFile(t, dir, "a.yaml", sourceYAML("a", "7m")) }, []string{"a=every 7m +10s jitter", "b=every 20m +10s jitter"}, ""},
		{"add a file", func() { writeFile(t, dir, "c.yml", sourceYAML("c", "1h")) }, []string{"a=every 7m +10s jitter", "b=every 20m +10s jitter", "c=every 1h +10s jitter"}, ""},
		{"break a file", func() { writeFile(t, dir, "b.yaml", sourceYAML("b", "soon")) }, []string{"a=every 7m +10s jitter", "b=every 20m +10s jitter", "c=every 1h +10s jitter"}, "keeping its last good version"},
		{"edit another while one is broken", func() { writeFile(t, dir, "c.yml", sourceYAML("c", "2h")) }, []string{"a=every 7m +10s jitter", "b=every 20m +10s jitter", "c=every 2h +10s jitter"}, ""},
		{"fix the broken file", func() { writeFile(t, dir, "b.yaml", sourceYAML("b", "30m")) }, []string{"a=every 7m +10s jitter", "b=every 30m +10s jitter", "c=every 2h +10s jitter"}, ""},
		{"remove a file", func() { os.Remove(filepath.Join(dir, "c.yml")) }, []string{"a=every 7m +10s jitter", "b=every 30m +10s jitter"}, ""},
		{"new broken file is not scheduled", func() { writeFile(t, dir, "d.yaml", "id: d\nseeds: []\n") }, []string{"a=every 7m +10s jitter", "b=every 30m +10s jitter"}, "not scheduled"},
		{"broken defaults keep everything", func() {
			os.Remove(filepath.Join(dir, "d.yaml"))
			writeFile(t, dir, "defaults.yaml", "schedule:\n  jitter: -5s\n")
		}, []string{"a=every 7m +10s jitter", "b=every 30m +10s jitter"}, "defaults file does not load"},
		{"fixed defaults apply", func() { writeFile(t, dir, "defaults.yaml", "schedule:\n  jitter: 1m\n") }, []string{"a=every 7m +1m jitter", "b=every 30m +1m jitter"}, ""},
	}
	for i, st := range steps {
		var have []string
		if i == 0 {
			have = describe(<-got)
		} else {
			st.change()
			have = poll()
		}
		if d := cmp.Diff(st.want, have); d != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, d)
		}
		if st.log != "" && !strings.Contains(logs.String(), st.log) {
			t.Errorf("%s: log lacks %q:\n%s", st.name, st.log, logs.String())
		}
	}
	// An unchanged directory does not call onChange.
	if err := clock.BlockUntil(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := clock.BlockUntil(t.Context(), 1); err != nil { // polled, waiting again
		t.Fatal(err)
	}
	select {
	case srcs := <-got:
		t.Errorf("onChange called without a change: %v", describe(srcs))
	default:
	}
	cancel()
	if err := <-watchDone; err != nil {
		t.Errorf("Watch returned %v", err)
	}
}

// TestWatchDrivesScheduler wires Watch to a scheduler: a new file starts
// firing, a removed file stops (its state stays).
func TestWatchDrivesScheduler(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.yaml", sourceYAML("a", "10m"))
	clock := schedule.NewFakeClock(t0)
	rec := &recorder{clock: clock}
	s := newSched(t, schedule.NewMemoryStore(), clock, rec, nil)
	reloaded := make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		if err := s.Watch(ctx, dir, time.Minute, func(srcs []*source.Source) { s.SetSources(srcs); reloaded <- struct{}{} }); err != nil {
			t.Errorf("Watch: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-watchDone })
	<-reloaded
	tick(t, s)
	writeFile(t, dir, "b.yaml", sourceYAML("b", "10m"))
	if err := clock.BlockUntil(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	<-reloaded
	tick(t, s) // b fires at once
	os.Remove(filepath.Join(dir, "a.yaml"))
	if err := clock.BlockUntil(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	<-reloaded
	for range 30 {
		clock.Advance(time.Minute)
		tick(t, s)
	}
	counts := map[string]int{}
	for _, f := range rec.Fires() {
		counts[f.Source]++
	}
	if d := cmp.Diff(map[string]int{"a": 1, "b": 4}, counts); d != "" {
		t.Errorf("fires per source (-want +got):\n%s", d)
	}
	if st := status(t, s, "a"); st.Runs != 1 {
		t.Errorf("removed source's state: runs %d, want 1 (kept)", st.Runs)
	}
}

func TestWatchMissingDir(t *testing.T) {
	s := newSched(t, schedule.NewMemoryStore(), schedule.NewFakeClock(t0), nil, nil)
	err := s.Watch(t.Context(), filepath.Join(t.TempDir(), "nope"), time.Second, func([]*source.Source) {})
	if err == nil {
		t.Fatal("Watch on a missing directory returned nil")
	}
}
