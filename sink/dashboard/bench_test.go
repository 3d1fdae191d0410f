package dashboard_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"winnow/sink"
	"winnow/sink/analyst"
	"winnow/sink/dashboard"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// benchServer serves the page over a SQLite store of n fixture articles
// (three removals each) and 30 days of crawl outcomes.
func benchServer(b *testing.B, n int) *dashboard.Server {
	b.Helper()
	f := openStore(b, filepath.Join(b.TempDir(), "winnow.db"))
	recs := make([]*record.Article, 0, 500)
	for i := range n {
		recs = append(recs, sinktest.Article(i))
		if len(recs) == cap(recs) || i == n-1 {
			if _, err := f.store.WriteBatch(b.Context(), recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	// Let the store's search indexer finish before timing.
	if _, err := f.store.Search(b.Context(), "城市", sink.SearchOptions{}); err != nil {
		b.Fatal(err)
	}
	var tally analyst.OutcomeTally
	for d := range 30 {
		for range 100 {
			tally.Add("example-news", "handled", "handled", time.Now().AddDate(0, 0, -d))
		}
	}
	if err := f.an.RecordOutcomes(b.Context(), tally.Counts()); err != nil {
		b.Fatal(err)
	}
	s, err := dashboard.New(dashboard.Options{Analyst: f.an})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchPage(b *testing.B, path string) {
	s := benchServer(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkDashboard renders the dashboard (charts and board) over
// 10,000 articles and 30,000 removals.
func BenchmarkDashboard(b *testing.B) { benchPage(b, "/") }

// BenchmarkRemovalsTable renders one filtered page of the removals table.
func BenchmarkRemovalsTable(b *testing.B) { benchPage(b, "/removals?rule=spam.keyword_chain&page=10") }
