package sinktest

import (
	"context"
	"fmt"
	"testing"

	"winnow/internal/cputime"
	"winnow/sink/record"
)

// BatchWriter is what BenchWriteBatch drives; each store's own
// WriteBatch fits it through a one-line closure.
type BatchWriter func(ctx context.Context, recs []*record.Article) (inserted int, err error)

// BenchRecords returns n distinct realistic records with bodies of about
// bodyBytes of Chinese text and three removals each, under canonical
// URLs (and ids) made from urlPrefix and the record's number: 256
// distinct bodies (Sized), reused under fresh ids, so that making many
// records is cheap.
func BenchRecords(n, bodyBytes int, urlPrefix string) []*record.Article {
	const distinct = 256
	pool := make([]*record.Article, min(n, distinct))
	for i := range pool {
		pool[i] = Sized(i, bodyBytes)
	}
	recs := make([]*record.Article, n)
	for i := range recs {
		a := clone(pool[i%distinct])
		a.CanonicalURL = fmt.Sprintf("%scontent_%d.htm", urlPrefix, i)
		a.URL = a.CanonicalURL
		a.ID = record.NewID(a.CanonicalURL, "", "")
		recs[i] = a
	}
	return recs
}

// BenchWriteBatch inserts b.N new records of about bodyBytes of body (and
// three removals each) through write in batches of batchSize, and
// reports rows/s, body MB/s and the process CPU time per row (cpu-µs/row:
// steadier than wall time on a shared machine; it includes background
// work such as a store's search indexer and the database server's work
// only when it runs in this process). Records (BenchRecords) are made
// before the timer starts.
func BenchWriteBatch(b *testing.B, write BatchWriter, bodyBytes, batchSize int) {
	recs := BenchRecords(b.N, bodyBytes, "https://bench.example.cn/")
	var bytes int64
	for _, a := range recs {
		bytes += int64(len(a.Body))
	}
	if b.N > 0 {
		b.SetBytes(bytes / int64(b.N))
	}
	ctx := b.Context()
	cpu0 := cputime.Process()
	b.ResetTimer()
	for start := 0; start < len(recs); start += batchSize {
		batch := recs[start:min(start+batchSize, len(recs))]
		n, err := write(ctx, batch)
		if err != nil {
			b.Fatalf("WriteBatch: %v", err)
		}
		if n != len(batch) {
			b.Fatalf("WriteBatch inserted %d of %d", n, len(batch))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu := cputime.Process() - cpu0; cpu > 0 && b.N > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/row")
	}
}
