package jsonl

import (
	"context"
	"testing"

	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// BenchmarkJSONLWriteBatch measures fsynced appends of ~20 KB Chinese
// articles, 200 per batch.
func BenchmarkJSONLWriteBatch(b *testing.B) {
	s, err := Open(b.Context(), Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sinktest.BenchWriteBatch(b, func(ctx context.Context, recs []*record.Article) (int, error) {
		res, err := s.WriteBatch(ctx, recs)
		return res.Inserted, err
	}, 20<<10, 200)
}
