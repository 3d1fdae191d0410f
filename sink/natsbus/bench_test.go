package natsbus

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"winnow/internal/cputime"
	"winnow/sink/record"
)

// benchArticle returns a clean record of about 20 KB of JSON.
func benchArticle(i int) *record.Article {
	a := testArticle("bench", i, 0)
	a.Body = strings.Repeat("市交通运输局近日宣布，新的公交线路将于下月开通，沿线居民出行将更加便利。\n", 190)
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	return a
}

func benchBus(b *testing.B) (*Conn, Config) {
	b.Helper()
	c, err := StartEmbedded(context.Background(), EmbeddedOptions{StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	cfg := Config{Partitions: 1}
	if _, err := EnsureStreams(context.Background(), c.JetStream(), cfg); err != nil {
		b.Fatal(err)
	}
	return c, cfg
}

// report adds msgs/s (wall clock: bound by the disk's fsync rate with
// SyncAlways) and CPU microseconds per message (client and server).
func report(b *testing.B, start time.Time, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/msg")
}

// BenchmarkPublish measures publishing ~20 KB records to the embedded
// server, which fsyncs every message before acknowledging it
// (SyncAlways): one synchronous Write at a time, and WriteBatch with a
// window of unacknowledged publishes.
func BenchmarkPublish(b *testing.B) {
	size := len(mustJSON(b, benchArticle(0)))
	b.Run("sync", func(b *testing.B) {
		c, _ := benchBus(b)
		p, _ := NewPublisher(c.JetStream(), PublisherOptions{})
		recs := make([]*record.Article, b.N)
		for i := range recs {
			recs[i] = benchArticle(i)
		}
		b.SetBytes(int64(size))
		b.ResetTimer()
		start, cpu0 := time.Now(), cputime.Process()
		for i := range b.N {
			if err := p.Write(context.Background(), recs[i]); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start, cpu0)
	})
	for _, window := range []int{16, 256} {
		b.Run(fmt.Sprintf("async-window-%d", window), func(b *testing.B) {
			c, _ := benchBus(b)
			p, _ := NewPublisher(c.JetStream(), PublisherOptions{Window: window})
			recs := make([]*record.Article, b.N)
			for i := range recs {
				recs[i] = benchArticle(i)
			}
			b.SetBytes(int64(size))
			b.ResetTimer()
			start, cpu0 := time.Now(), cputime.Process()
			for i := 0; i < b.N; i += 1024 {
				if err := p.WriteBatch(context.Background(), recs[i:min(i+1024, b.N)]); err != nil {
					b.Fatal(err)
				}
			}
			report(b, start, cpu0)
		})
	}
}

// BenchmarkConsume measures Consume delivering ~20 KB records to a
// writer that does nothing, with acks: the bus's share of the
// end-to-end cost into a sink.
func BenchmarkConsume(b *testing.B) {
	c, cfg := benchBus(b)
	p, _ := NewPublisher(c.JetStream(), PublisherOptions{})
	recs := make([]*record.Article, b.N)
	for i := range recs {
		recs[i] = benchArticle(i)
	}
	for i := 0; i < b.N; i += 1024 {
		if err := p.WriteBatch(context.Background(), recs[i:min(i+1024, b.N)]); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	w := BatchWriterFunc(func(_ context.Context, recs []*record.Article) error {
		if n.Add(int64(len(recs))) >= int64(b.N) {
			cancel()
		}
		return nil
	})
	b.ResetTimer()
	start, cpu0 := time.Now(), cputime.Process()
	err := Consume(ctx, c.JetStream(), ConsumerConfig{Config: cfg, Stream: "ARTICLES", Durable: "bench", BatchSize: 256}, w)
	if err != nil {
		b.Fatal(err)
	}
	report(b, start, cpu0)
}
