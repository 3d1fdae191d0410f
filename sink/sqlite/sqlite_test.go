package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// adapter presents a Store as a sinktest.Store.
type adapter struct{ *Store }

func (a adapter) WriteBatch(ctx context.Context, recs []*record.Article) (sinktest.BatchResult, error) {
	r, err := a.Store.WriteBatch(ctx, recs)
	out := sinktest.BatchResult{Inserted: r.Inserted, Updated: r.Updated, Unchanged: r.Unchanged, Stale: r.Stale}
	for _, rej := range r.Rejected {
		out.Rejected = append(out.Rejected, sinktest.Rejection(rej))
	}
	return out, err
}

func (a adapter) Get(ctx context.Context, id string) (*record.Article, error) {
	rec, err := a.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, errors.Join(err, sinktest.ErrNotFound)
	}
	return rec, err
}

func (a adapter) Search(ctx context.Context, q string, opts sinktest.SearchOptions) ([]sinktest.Hit, error) {
	hits, err := a.Store.Search(ctx, q, SearchOptions{Limit: opts.Limit, IncludeSpam: opts.IncludeSpam})
	var out []sinktest.Hit
	for _, h := range hits {
		out = append(out, sinktest.Hit{ID: h.ID, Title: h.Title, Snippet: h.Snippet, Score: h.Score})
	}
	return out, err
}

// openAt opens the store at path, closed when t ends.
func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{Path: path})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func harness() sinktest.Harness {
	return sinktest.Harness{
		Open: func(t *testing.T) (sinktest.Store, func(t *testing.T) sinktest.Store) {
			path := filepath.Join(t.TempDir(), "winnow.db")
			return adapter{openAt(t, path)}, func(t *testing.T) sinktest.Store { return adapter{openAt(t, path)} }
		},
		Rows: func(t *testing.T, s sinktest.Store, id string) int {
			t.Helper()
			var n int
			if err := s.(adapter).DB().QueryRowContext(t.Context(), `SELECT count(*) FROM articles WHERE id = ?`, id).Scan(&n); err != nil {
				t.Fatalf("count rows: %v", err)
			}
			return n
		},
		Removals: func(t *testing.T, s sinktest.Store, id string) []record.Removal {
			t.Helper()
			return removalRows(t, s.(adapter).Store, id)
		},
	}
}

func removalRows(t *testing.T, s *Store, id string) []record.Removal {
	t.Helper()
	rows, err := s.DB().QueryContext(t.Context(), `SELECT text, kind, rule, scope, field, reason
		FROM removals WHERE article_id = ? ORDER BY position`, id)
	if err != nil {
		t.Fatalf("query removals: %v", err)
	}
	defer rows.Close()
	out := []record.Removal{}
	for rows.Next() {
		var r record.Removal
		if err := rows.Scan(&r.Text, &r.Kind, &r.Rule, &r.Scope, &r.Field, &r.Reason); err != nil {
			t.Fatalf("scan removal: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("removals: %v", err)
	}
	return out
}

func TestConformance(t *testing.T) {
	sinktest.Run(t, harness())
}
