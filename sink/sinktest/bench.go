package sinktest

import (
	"context"
	"fmt"
	"testing"

	"winnow/sink/record"
)

// BatchWriter is what BenchWriteBatch drives; each store's own
// WriteBatch fits it through a one-line closure.
type BatchWriter func(ctx context.Context, recs []*record.Article) (inserted int, err error)

// BenchWriteBatch inserts b.N new records of about bodyBytes of body (and
// three removals each) through write in batches of batchSize, and
// reports rows/s, body MB/s and the process CPU time per row (cpu-µs/row:
// steadier than wall time on a shared machine; it includes background
// work such as a store's search indexer and the database server's work
// only when it runs in this process). Records are generated before the
// timer starts: a pool of distinct bodies, reused under fresh ids.
func BenchWriteBatch(b *testing.B, write BatchWriter, bodyBytes, batchSize int) {
	const distinct = 256
	pool := make([]*record.Article, distinct)
	for i := range pool {
		pool[i] = Sized(i, bodyBytes)
	}
	recs := make([]*record.Article, b.N)
	var bytes int64
	for n := range recs {
		a := clone(pool[n%distinct])
		a.CanonicalURL = fmt.Sprintf("https://bench.example.cn/content_%d.htm", n)
		a.URL = a.CanonicalURL
		a.ID = record.NewID(a.CanonicalURL, "", "")
		recs[n] = a
		bytes += int64(len(a.Body))
	}
	if b.N > 0 {
		b.SetBytes(bytes / int64(b.N))
	}
	ctx := b.Context()
	cpu0 := CPUTime()
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
	if cpu := CPUTime() - cpu0; cpu > 0 && b.N > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/row")
	}
}
