package sqlite

import (
	"path/filepath"
	"testing"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

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
		Open: func(t *testing.T) (sink.Store, func(t *testing.T) sink.Store) {
			path := filepath.Join(t.TempDir(), "winnow.db")
			return openAt(t, path), func(t *testing.T) sink.Store { return openAt(t, path) }
		},
		Rows: func(t *testing.T, s sink.Store, id string) int {
			t.Helper()
			var n int
			if err := s.(*Store).DB().QueryRowContext(t.Context(), `SELECT count(*) FROM articles WHERE id = ?`, id).Scan(&n); err != nil {
				t.Fatalf("count rows: %v", err)
			}
			return n
		},
		Removals: func(t *testing.T, s sink.Store, id string) []record.Removal {
			t.Helper()
			return removalRows(t, s.(*Store), id)
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
