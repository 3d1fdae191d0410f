package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
	"winnow/sink/sinktest"
)

func TestOpenOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"no path", Options{}},
		{"query in path", Options{Path: filepath.Join(t.TempDir(), "a.db?mode=ro")}},
		{"negative timeout", Options{Path: filepath.Join(t.TempDir(), "a.db"), BusyTimeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.opts)
			if !errors.Is(err, ErrOptions) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("Open = %v, want ErrOptions", err)
			}
		})
	}
}

// TestAnalystColumns checks the tables as an analyst's SQL sees them.
func TestAnalystColumns(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "w.db"))
	a := sinktest.SeedLike()
	recordtest.Check(t, a)
	if err := s.Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Source, Title, Authors, Published, PublishedUTC, Verdict, Rules, Norm, RawRef, Hash string
		Removed                                                                             int
	}
	var got row
	err := s.DB().QueryRowContext(t.Context(), `SELECT source, title, authors, published_at, published_utc,
		hygiene_verdict, rules_version, normalization, raw_ref, content_hash, removed_count
		FROM articles WHERE id = ?`, a.ID).Scan(&got.Source, &got.Title, &got.Authors, &got.Published,
		&got.PublishedUTC, &got.Verdict, &got.Rules, &got.Norm, &got.RawRef, &got.Hash, &got.Removed)
	if err != nil {
		t.Fatal(err)
	}
	want := row{
		Source: "wuzhou-example", Title: a.Title, Authors: `["陈立","黄敏"]`,
		Published: "2022-02-24T00:00:00+08:00", PublishedUTC: "2022-02-23T16:00:00Z",
		Verdict: "cleaned", Rules: "2022.02.1", Norm: `{"opencc":"t2s"}`,
		RawRef: a.RawRef, Hash: a.ContentHash, Removed: 3,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("articles row (-want +got):\n%s", diff)
	}

	// The documented way to rebuild the whole record in SQL.
	var whole string
	if err := s.DB().QueryRowContext(t.Context(), `SELECT json_set(record, '$.body', body) FROM articles WHERE id = ?`,
		a.ID).Scan(&whole); err != nil {
		t.Fatal(err)
	}
	var rebuilt record.Article
	if err := json.Unmarshal([]byte(whole), &rebuilt); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, &rebuilt); diff != "" {
		t.Errorf("json_set(record, '$.body', body) (-want +got):\n%s", diff)
	}

	// Removals by rule, with the article's source and a stored_at.
	var n int
	var source, storedAt string
	if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*), min(source), min(stored_at) FROM removals
		WHERE rule = 'spam.keyword_chain' AND kind = 'spam'`).Scan(&n, &source, &storedAt); err != nil {
		t.Fatal(err)
	}
	if n != 1 || source != "wuzhou-example" {
		t.Errorf("spam.keyword_chain removals: %d from %q, want 1 from wuzhou-example", n, source)
	}
	if _, err := time.Parse(time.RFC3339Nano, storedAt); err != nil {
		t.Errorf("stored_at %q: %v", storedAt, err)
	}
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s := openAt(t, path)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path) // applies nothing twice
	var versions []int
	rows, err := s.DB().QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	rows.Close()
	steps, err := migrations.Steps()
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(steps) || versions[len(versions)-1] != len(steps) {
		t.Errorf("schema_migrations = %v, want 1..%d once each", versions, len(steps))
	}
	s.Close()

	// A database from a newer program is refused, not downgraded.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (99, 'future', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := Open(t.Context(), Options{Path: path}); !errors.Is(err, ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}

// TestConcurrentOpen opens a new file from several stores at once: the
// migration runs once and all of them work.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	var wg sync.WaitGroup
	stores := make([]*Store, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), Options{Path: path}) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Write(t.Context(), sinktest.Article(i)); err != nil {
			t.Errorf("store %d: Write: %v", i, err)
		}
	}
	for i := range stores {
		if _, err := stores[0].Get(t.Context(), sinktest.Article(i).ID); err != nil {
			t.Errorf("Get article %d: %v", i, err)
		}
	}
}

// TestLockedIsTransient: another process holding the write lock past the
// busy timeout gives a retryable error, not a rejection.
func TestLockedIsTransient(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	s, err := Open(t.Context(), Options{Path: path, BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	err = s.Write(t.Context(), sinktest.Article(1))
	if !errors.Is(err, ErrTransient) || errors.Is(err, sink.ErrRejected) {
		t.Errorf("Write while locked = %v, want ErrTransient", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(t.Context(), sinktest.Article(1)); err != nil {
		t.Errorf("Write after the lock is gone: %v", err)
	}
}

// TestSearchQueueSurvivesRestart: articles written while the indexer is
// stopped stay queued across Close and are searchable after Open.
func TestSearchQueueSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.db")
	s := openAt(t, path)
	s.stopIndexer()
	<-s.indexerDone
	a := sinktest.SeedLike()
	if err := s.Write(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Pending(t.Context()); err != nil || n != 1 {
		t.Fatalf("Pending = %d, %v; want 1", n, err)
	}
	s.Close()

	s = openAt(t, path)
	// The background indexer empties the queue on its own.
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := s.Pending(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search queue still holds %d after 30s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	hits, err := s.Search(t.Context(), "政法", sink.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != a.ID {
		t.Errorf("Search after restart = %+v, want %s", hits, a.ID)
	}
}

func TestClosedCalls(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "x.db"))
	s.Close()
	if _, err := s.Get(t.Context(), "x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Search(context.Background(), "政法", sink.SearchOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Search after Close = %v, want ErrClosed", err)
	}
	if _, err := s.WriteBatch(t.Context(), []*record.Article{sinktest.Article(1)}); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteBatch after Close = %v, want ErrClosed", err)
	}
}
