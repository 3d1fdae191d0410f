package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"winnow/internal/cputime"
	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/sinktest"
)

// BenchmarkSQLiteWriteBatch measures durable batched inserts of ~5 KB and
// ~20 KB Chinese articles with three removals each, 256 per transaction
// (the bus consumer's default batch). rows/s is the commit rate (what a
// NATS consumer sees) and cpu-µs/row the process CPU per row.
//
// indexer=paused: the writes run alone, then the search indexer works
// through the queue alone (index-rows/s, index-cpu-µs/row), splitting
// the two costs. indexer=running: the indexer works beside the writes,
// as in production; searchable-rows/s also counts the time it then needs
// to catch up.
//
//	go test ./sink/sqlite -run '^$' -bench SQLiteWriteBatch -benchtime 5000x
func BenchmarkSQLiteWriteBatch(b *testing.B) {
	for _, size := range []int{5 << 10, 20 << 10} {
		for _, paused := range []bool{true, false} {
			name := fmt.Sprintf("body=%dKB/indexer=running", size>>10)
			if paused {
				name = fmt.Sprintf("body=%dKB/indexer=paused", size>>10)
			}
			b.Run(name, func(b *testing.B) { benchWrite(b, size, paused) })
		}
	}
}

func benchWrite(b *testing.B, bodyBytes int, paused bool) {
	s, err := Open(b.Context(), Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if paused {
		s.stopIndexer()
		<-s.indexerDone
	}
	start := time.Now()
	sinktest.BenchWriteBatch(b, func(ctx context.Context, recs []*record.Article) (int, error) {
		res, err := s.WriteBatch(ctx, recs)
		return res.Inserted, err
	}, bodyBytes, 256)
	indexStart, cpu0 := time.Now(), cputime.Process()
	if err := s.catchUp(context.Background()); err != nil {
		b.Fatal(err)
	}
	if paused {
		b.ReportMetric(float64(b.N)/time.Since(indexStart).Seconds(), "index-rows/s")
		if cpu := cputime.Process() - cpu0; cpu > 0 {
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "index-cpu-µs/row")
		}
	} else {
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "searchable-rows/s")
	}
}

// BenchmarkSQLiteSearch measures a two-character query over 2,000 ~5 KB
// articles.
func BenchmarkSQLiteSearch(b *testing.B) {
	s, err := Open(b.Context(), Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var batch []*record.Article
	for i := range 2000 {
		a := sinktest.Sized(i, 5<<10)
		if i%100 == 0 {
			a.Body += fmt.Sprintf("\n市政法机关第%d次通报。", i)
			a.ContentHash = record.NewContentHash(a.Title, a.Body)
		}
		batch = append(batch, a)
		if len(batch) == 200 {
			if _, err := s.WriteBatch(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	if err := s.catchUp(b.Context()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		hits, err := s.Search(b.Context(), "政法", sink.SearchOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(hits) != 20 {
			b.Fatalf("%d hits, want 20", len(hits))
		}
	}
}
