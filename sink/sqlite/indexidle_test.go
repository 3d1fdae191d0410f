package sqlite

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// openIdle opens a store whose indexer yields to writes.
func openIdle(t *testing.T, idle time.Duration, backlog int) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{Path: filepath.Join(t.TempDir(), "idle.db"), IndexIdle: idle, IndexBacklog: backlog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func pending(t *testing.T, s *Store) int {
	t.Helper()
	n, err := s.Pending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitPending(t *testing.T, s *Store, want int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for pending(t, s) != want {
		if time.Now().After(deadline) {
			t.Fatalf("search queue holds %d after %s, want %d", pending(t, s), d, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestIndexYieldsToWrites: with IndexIdle the indexer leaves a burst of
// writes alone, indexes it after the pause, and Search is complete at
// any moment (it indexes the queue first).
func TestIndexYieldsToWrites(t *testing.T) {
	s := openIdle(t, 400*time.Millisecond, 0)
	var recs []*record.Article
	for i := range 20 {
		recs = append(recs, sinktest.Article(i))
	}
	seed := sinktest.SeedLike()
	recs = append(recs, seed)
	if _, err := s.WriteBatch(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, s); n != len(recs) {
		t.Fatalf("right after the write, %d queued; want all %d (the indexer waits for a pause)", n, len(recs))
	}
	// Search sees the burst although the indexer has not run.
	hits, err := s.Search(t.Context(), "政法", sink.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(hits, func(h sink.Hit) bool { return h.ID == seed.ID }) {
		t.Errorf("Search right after a burst = %v, want the seed-like article %s", hits, seed.ID)
	}
	if n := pending(t, s); n != 0 {
		t.Errorf("after Search, %d queued; want 0", n)
	}

	// A second burst is indexed by the indexer once the writes pause.
	var more []*record.Article
	for i := 100; i < 110; i++ {
		more = append(more, sinktest.Article(i))
	}
	if _, err := s.WriteBatch(t.Context(), more); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, s); n != len(more) {
		t.Fatalf("%d queued right after the second burst, want %d", n, len(more))
	}
	waitPending(t, s, 0, 10*time.Second)
}

// TestIndexBacklogBoundsTheQueue: with a backlog limit the indexer runs
// even while writes keep coming.
func TestIndexBacklogBoundsTheQueue(t *testing.T) {
	s := openIdle(t, time.Hour, 5)
	for i := range 12 {
		if err := s.Write(t.Context(), sinktest.Article(i)); err != nil {
			t.Fatal(err)
		}
	}
	// Writes never pause for an hour, yet the queue drains to below the
	// backlog limit.
	deadline := time.Now().Add(10 * time.Second)
	for pending(t, s) >= 5 {
		if time.Now().After(deadline) {
			t.Fatalf("queue holds %d, want below the backlog limit 5", pending(t, s))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestIndexIdleOptions(t *testing.T) {
	for _, o := range []Options{{IndexIdle: -time.Second}, {IndexBacklog: -1}} {
		o.Path = filepath.Join(t.TempDir(), "x.db")
		if s, err := Open(t.Context(), o); err == nil {
			s.Close()
			t.Errorf("Open(%+v) accepted a negative value", o)
		}
	}
}
