package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

const dsnEnv = "WINNOW_TEST_POSTGRES"

// testDSN returns the test server's DSN or skips t.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this test", dsnEnv)
	}
	return dsn
}

// newSchema returns a fresh schema name for t, dropped when t ends.
func newSchema(t testing.TB, dsn string) string {
	t.Helper()
	return sinktest.PostgresSchema(t, dsn, "winnow_test_")
}

// openSchema opens a store on schema, closed when t ends.
func openSchema(t testing.TB, dsn, schema string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{DSN: dsn, Schema: schema})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func removalRows(t *testing.T, s *Store, id string) []record.Removal {
	t.Helper()
	rows, err := s.Pool().Query(t.Context(), `SELECT text, kind, rule, scope, field, reason
		FROM removals WHERE article_id = $1 ORDER BY position`, id)
	if err != nil {
		t.Fatalf("query removals: %v", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (record.Removal, error) {
		var x record.Removal
		err := r.Scan(&x.Text, &x.Kind, &x.Rule, &x.Scope, &x.Field, &x.Reason)
		return x, err
	})
	if err != nil {
		t.Fatalf("removals: %v", err)
	}
	if out == nil {
		out = []record.Removal{}
	}
	return out
}

func TestConformance(t *testing.T) {
	dsn := testDSN(t)
	sinktest.Run(t, sinktest.Harness{
		Open: func(t *testing.T) (sink.Store, func(t *testing.T) sink.Store) {
			schema := newSchema(t, dsn)
			return openSchema(t, dsn, schema), func(t *testing.T) sink.Store {
				return openSchema(t, dsn, schema)
			}
		},
		Rows: func(t *testing.T, s sink.Store, id string) int {
			t.Helper()
			var n int
			if err := s.(*Store).Pool().QueryRow(t.Context(), `SELECT count(*) FROM articles WHERE id = $1`, id).Scan(&n); err != nil {
				t.Fatalf("count rows: %v", err)
			}
			return n
		},
		Removals: func(t *testing.T, s sink.Store, id string) []record.Removal {
			t.Helper()
			return removalRows(t, s.(*Store), id)
		},
	})
}
