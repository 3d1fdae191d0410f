package analyst_test

import (
	"testing"

	"winnow/sink/analyst"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// benchBackend fills a SQLite store with n fixture articles (three
// removals each).
func benchBackend(b *testing.B, n int) backend {
	b.Helper()
	be := openSQLite(b)
	recs := make([]*record.Article, 0, 500)
	for i := range n {
		recs = append(recs, sinktest.Article(i))
		if len(recs) == cap(recs) || i == n-1 {
			if _, err := be.batch(b.Context(), recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	// Let the store's search indexer finish before timing.
	if _, err := be.an.Search(b.Context(), "城市", 1); err != nil {
		b.Fatal(err)
	}
	return be
}

// BenchmarkStats measures the dashboard's aggregate query over 10,000
// articles (30,000 removals).
func BenchmarkStats(b *testing.B) {
	be := benchBackend(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := be.an.Stats(b.Context(), analyst.Filter{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRemovalsPage measures one filtered page of the removals table
// with its total, over 10,000 articles.
func BenchmarkRemovalsPage(b *testing.B) {
	be := benchBackend(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := be.an.Removals(b.Context(), analyst.Filter{Rule: "spam.keyword_chain", Limit: 50, Offset: 500}); err != nil {
			b.Fatal(err)
		}
	}
}
