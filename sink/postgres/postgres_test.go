package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

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
	var b [6]byte
	rand.Read(b[:])
	schema := "winnow_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
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
		Open: func(t *testing.T) (sinktest.Store, func(t *testing.T) sinktest.Store) {
			schema := newSchema(t, dsn)
			return adapter{openSchema(t, dsn, schema)}, func(t *testing.T) sinktest.Store {
				return adapter{openSchema(t, dsn, schema)}
			}
		},
		Rows: func(t *testing.T, s sinktest.Store, id string) int {
			t.Helper()
			var n int
			if err := s.(adapter).Pool().QueryRow(t.Context(), `SELECT count(*) FROM articles WHERE id = $1`, id).Scan(&n); err != nil {
				t.Fatalf("count rows: %v", err)
			}
			return n
		},
		Removals: func(t *testing.T, s sinktest.Store, id string) []record.Removal {
			t.Helper()
			return removalRows(t, s.(adapter).Store, id)
		},
	})
}
