package frontier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func task(u string) Task { return Task{URL: u, Source: "s", Kind: KindPage} }

func TestMemoryFIFOAndDedup(t *testing.T) {
	m := NewMemory()
	ctx := t.Context()
	n, err := m.Add(ctx, task("http://a/1"), task("http://a/2"), task("http://a/1"))
	if err != nil || n != 2 {
		t.Fatalf("Add = %d, %v; want 2, nil", n, err)
	}
	if n, _ := m.Add(ctx, task("http://a/2"), task("http://a/3")); n != 1 {
		t.Fatalf("second Add = %d, want 1", n)
	}
	var got []string
	var dones []Done
	for range 3 {
		tk, done, err := m.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tk.URL)
		dones = append(dones, done)
	}
	if d := cmp.Diff([]string{"http://a/1", "http://a/2", "http://a/3"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	if q, f := m.Len(); q != 0 || f != 3 {
		t.Errorf("Len = %d, %d; want 0, 3", q, f)
	}
	for _, d := range dones {
		d(nil)
		d(nil) // a second call is a no-op
	}
	if _, _, err := m.Next(ctx); !errors.Is(err, ErrIdle) {
		t.Fatalf("Next on drained frontier = %v, want ErrIdle", err)
	}
}

func TestMemoryNextBlocksWhileInFlight(t *testing.T) {
	m := NewMemory()
	ctx := t.Context()
	if _, err := m.Add(ctx, task("http://a/1")); err != nil {
		t.Fatal(err)
	}
	_, done, err := m.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		tk, d, err := m.Next(ctx)
		if err != nil {
			got <- err.Error()
			return
		}
		d(nil)
		got <- tk.URL
	}()
	// The in-flight task discovers a link, then finishes.
	if _, err := m.Add(ctx, task("http://a/2")); err != nil {
		t.Fatal(err)
	}
	done(nil)
	if g := <-got; g != "http://a/2" {
		t.Fatalf("blocked Next got %q, want http://a/2", g)
	}
	if _, _, err := m.Next(ctx); !errors.Is(err, ErrIdle) {
		t.Fatalf("Next = %v, want ErrIdle", err)
	}
}

func TestMemoryIdleWakesBlockedNext(t *testing.T) {
	m := NewMemory()
	ctx := t.Context()
	_, _ = m.Add(ctx, task("http://a/1"))
	_, done, _ := m.Next(ctx)
	errc := make(chan error, 1)
	go func() { _, _, err := m.Next(ctx); errc <- err }()
	done(nil)
	if err := <-errc; !errors.Is(err, ErrIdle) {
		t.Fatalf("Next = %v, want ErrIdle", err)
	}
}

func TestMemoryDoneWithErrorRequeues(t *testing.T) {
	m := NewMemory()
	ctx := t.Context()
	_, _ = m.Add(ctx, task("http://a/1"), task("http://a/2"))
	tk, done, _ := m.Next(ctx)
	done(ErrDeferred)
	var got []string
	for range 2 {
		tk2, d, err := m.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tk2.URL)
		d(nil)
	}
	if d := cmp.Diff([]string{"http://a/2", tk.URL}, got); d != "" {
		t.Errorf("redelivery (-want +got):\n%s", d)
	}
	if !m.Seen("http://a/1") || m.Seen("http://a/9") {
		t.Errorf("Seen is wrong")
	}
}

func TestMemoryContextAndClose(t *testing.T) {
	m := NewMemory()
	_, _ = m.Add(t.Context(), task("http://a/1"))
	_, _, _ = m.Next(t.Context()) // in flight: Next now blocks
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := m.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next = %v, want deadline exceeded", err)
	}
	errc := make(chan error, 1)
	go func() { _, _, err := m.Next(t.Context()); errc <- err }()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close = %v, want ErrClosed", err)
	}
	if _, err := m.Add(t.Context(), task("http://a/2")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add after Close = %v, want ErrClosed", err)
	}
}

// TestMemoryConcurrentDedup adds overlapping URL sets from many goroutines
// while consumers drain: every URL is delivered exactly once.
func TestMemoryConcurrentDedup(t *testing.T) {
	m := NewMemory()
	ctx := t.Context()
	const urls, producers = 2000, 16
	var added atomic.Int64
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range urls {
				n, err := m.Add(ctx, task(fmt.Sprintf("http://a/%d", (i+p*37)%urls)))
				if err != nil {
					t.Error(err)
					return
				}
				added.Add(int64(n))
			}
		})
	}
	wg.Wait()
	if added.Load() != urls {
		t.Fatalf("added %d, want %d", added.Load(), urls)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var cw sync.WaitGroup
	for range 8 {
		cw.Go(func() {
			for {
				tk, done, err := m.Next(ctx)
				if errors.Is(err, ErrIdle) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[tk.URL]++
				mu.Unlock()
				done(nil)
			}
		})
	}
	cw.Wait()
	if len(seen) != urls {
		t.Fatalf("delivered %d distinct URLs, want %d", len(seen), urls)
	}
	for u, n := range seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", u, n)
		}
	}
}

func TestKindIsEntryPoint(t *testing.T) {
	got := map[Kind]bool{}
	for _, k := range []Kind{KindListing, KindFeed, KindSitemap, KindArticle, KindPage} {
		got[k] = k.IsEntryPoint()
	}
	want := map[Kind]bool{KindListing: true, KindFeed: true, KindSitemap: true, KindArticle: false, KindPage: false}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}
