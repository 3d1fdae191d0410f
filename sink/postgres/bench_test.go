package postgres

import (
	"context"
	"testing"

	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// BenchmarkPostgresWriteBatch measures batched upserts of ~20 KB Chinese
// articles with three removals each, 200 per transaction, search vector
// included, with the body and search columns compressed by lz4 (the
// default on servers that have it) and by pglz for comparison. The
// cpu-µs/row metric is this process only, not the server's.
//
// The search index is most of the cost; the gin=dropped case runs
// without it, to show the rest.
func BenchmarkPostgresWriteBatch(b *testing.B) {
	for _, c := range []struct{ name, compression, sql string }{
		{name: "compression=lz4", compression: "lz4"},
		{name: "compression=pglz", compression: "pglz"},
		{name: "compression=lz4/gin=dropped", compression: "lz4", sql: "DROP INDEX articles_search"},
	} {
		b.Run(c.name, func(b *testing.B) {
			dsn := testDSN(b)
			s := openSchema(b, dsn, newSchema(b, dsn))
			if err := s.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			for _, col := range lz4Columns {
				if _, err := s.Pool().Exec(b.Context(), `ALTER TABLE articles ALTER COLUMN `+col+` SET COMPRESSION `+c.compression); err != nil {
					b.Fatal(err)
				}
			}
			if c.sql != "" {
				if _, err := s.Pool().Exec(b.Context(), c.sql); err != nil {
					b.Fatal(err)
				}
			}
			sinktest.BenchWriteBatch(b, func(ctx context.Context, recs []*record.Article) (int, error) {
				res, err := s.WriteBatch(ctx, recs)
				return res.Inserted, err
			}, 20<<10, 200)
		})
	}
}
