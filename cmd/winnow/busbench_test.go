package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"winnow/crawler/demosite"
	"winnow/internal/cputime"
	"winnow/sink"
	"winnow/sink/natsbus"
	"winnow/sink/postgres"
	"winnow/sink/sinktest"
	"winnow/sink/sqlite"
)

var (
	benchArticles = flag.Int("bus.articles", 5000, "articles per run of BenchmarkBusTo*")
	benchRunPages = flag.Int("run.pages", 2000, "pages of the generated site for BenchmarkRunLinkDense")
	benchSinkArgs = flag.String("bus.sink", "", "sink flags for BenchmarkBusTo*, e.g. '--batch 512 --consumers 3'")
)

// benchBus runs the publish -> ARTICLES -> storage consumer pipeline on
// an embedded JetStream server (fsync on every write, as in production):
// b.N times, it publishes the records while the consumer stores them,
// and stops the clock when the consumer has acknowledged the last one.
// It reports the end-to-end rate, the process CPU per article (the NATS
// server, the consumer and the store all run in this process;
// PostgreSQL's own CPU is not counted) and the publish rate alone
// (published/s: the server fsyncs every message, so the disk's fsync
// latency bounds it, and with it the end-to-end rate).
func benchBus(b *testing.B, store sink.Store, bodyBytes int, search func() error) {
	ctx := b.Context()
	conn, err := natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	js := conn.JetStream()
	cfg := natsbus.Config{}
	if _, err := natsbus.EnsureStreams(ctx, js, cfg); err != nil {
		b.Fatal(err)
	}
	var kf consumerFlags
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	kf.register(fs, "sink-bench")
	if err := fs.Parse(strings.Fields(*benchSinkArgs)); err != nil {
		b.Fatal(err)
	}
	cc, err := kf.config(cfg, discardLogger())
	if err != nil {
		b.Fatal(err)
	}
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- kf.consume(cctx, conn, cc, store) }()
	pub, err := natsbus.NewPublisher(js, natsbus.PublisherOptions{Config: cfg, NoAudit: true})
	if err != nil {
		b.Fatal(err)
	}

	n := *benchArticles
	var bytes int64
	total := 0
	var wall, cpu, pubWall time.Duration
	for i := 0; b.Loop(); i++ {
		// Distinct ids across iterations.
		recs := sinktest.BenchRecords(n, bodyBytes, fmt.Sprintf("https://bench.example.cn/%d/run%d/", bodyBytes, i))
		for _, a := range recs {
			bytes += int64(len(a.Body))
		}
		cpu0, wall0 := cputime.Process(), time.Now()
		for start := 0; start < len(recs); start += 512 {
			if err := pub.WriteBatch(ctx, recs[start:min(start+512, len(recs))]); err != nil {
				b.Fatal(err)
			}
		}
		pubWall += time.Since(wall0)
		for {
			w, inflight, err := natsbus.ConsumerLag(ctx, js, "ARTICLES", cc.Durable)
			if err != nil {
				b.Fatal(err)
			}
			if w == 0 && inflight == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		wall += time.Since(wall0)
		cpu += cputime.Process() - cpu0
		total += n
	}
	b.ReportMetric(float64(total)/wall.Seconds(), "articles/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/article")
	b.ReportMetric(float64(bytes)/wall.Seconds()/1e6, "body-MB/s")
	b.ReportMetric(float64(total)/pubWall.Seconds(), "published/s")
	if search != nil {
		s0 := time.Now()
		if err := search(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(total)/(wall+time.Since(s0)).Seconds(), "searchable-articles/s")
	}
	stop()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBusToSQLite is publish -> ARTICLES -> SQLite sink with
// realistic records (about 5 KB and 20 KB of Chinese body, three
// removals each). searchable-articles/s also counts the time the search
// index then needs to catch up (a Search indexes what is still queued).
//
//	go test ./cmd/winnow -run '^$' -bench BusToSQLite -benchtime 2x -bus.articles 5000
func BenchmarkBusToSQLite(b *testing.B) {
	for _, size := range []int{5 << 10, 20 << 10} {
		b.Run(fmt.Sprintf("body=%dKB", size>>10), func(b *testing.B) {
			s, err := sqlite.Open(b.Context(), sqlite.Options{Path: filepath.Join(b.TempDir(), "bench.db"), IndexIdle: time.Hour, IndexBacklog: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchBus(b, s, size, func() error {
				_, err := s.Search(context.Background(), "政法", sink.SearchOptions{})
				return err
			})
		})
	}
}

// BenchmarkBusToPostgres is publish -> ARTICLES -> PostgreSQL sink
// (WINNOW_TEST_POSTGRES; a schema of its own, dropped afterwards).
//
//	WINNOW_TEST_POSTGRES=postgres://… go test ./cmd/winnow -run '^$' -bench BusToPostgres -benchtime 2x
func BenchmarkBusToPostgres(b *testing.B) {
	dsn := testPostgres(b)
	for _, size := range []int{5 << 10, 20 << 10} {
		b.Run(fmt.Sprintf("body=%dKB", size>>10), func(b *testing.B) {
			schema := newSchema(b, dsn)
			s, err := postgres.Open(b.Context(), postgres.Options{DSN: dsn, Schema: schema, MaxConns: 8})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			benchBus(b, s, size, nil)
		})
	}
}

// BenchmarkRunLinkDense is `winnow run --until-idle` end to end (embedded
// NATS, crawl with the content path, SQLite) against a generated
// link-dense site of -run.pages pages of ~30 KB, politeness lifted. It
// reports the whole command's rate (start to exit: NATS start, crawl,
// storage, shutdown) and its CPU per page.
//
//	go test ./cmd/winnow -run '^$' -bench RunLinkDense -benchtime 1x -run.pages 2000
func BenchmarkRunLinkDense(b *testing.B) {
	for b.Loop() {
		site := demosite.NewLinkDense(demosite.Options{Pages: *benchRunPages})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: site}
		go srv.Serve(ln)
		base := "http://" + ln.Addr().String()
		m := site.Manifest()
		dir := b.TempDir()
		srcDir := filepath.Join(dir, "sources")
		if err := os.MkdirAll(srcDir, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(srcDir, "bench.yaml"), []byte(fmt.Sprintf(`id: bench
seeds: [{url: %s/, kind: listing}]
discovery: {max_depth: 100}
scope: {article_pattern: '%s', max_pages: 1000000}
politeness: {min_delay: 1ms, concurrency: 32, ignore_robots: true}
`, base, m.ArticlePattern)), 0o644); err != nil {
			b.Fatal(err)
		}
		data := filepath.Join(dir, "data")
		cpu0, wall0 := cputime.Process(), time.Now()
		var errb strings.Builder
		code := run(context.Background(), []string{"run", "--sources", srcDir, "--allow-net", "127.0.0.0/8", "--data", data,
			"--until-idle", "--quiet", "--no-archive", "--workers", "32", "--idle-poll", "100ms"},
			stdio{in: strings.NewReader(""), out: io.Discard, err: &errb})
		wall, cpu := time.Since(wall0), cputime.Process()-cpu0
		srv.Close()
		if code != 0 {
			b.Fatalf("run: exit %d\n%s", code, errb.String())
		}
		fetched, dups := site.Fetched()
		stored := countSQLite(b, filepath.Join(data, "winnow.db"))
		if fetched != len(m.Pages) || dups != 0 || stored != len(m.Pages) {
			b.Fatalf("fetched %d of %d pages (%d more than once), stored %d", fetched, len(m.Pages), dups, stored)
		}
		n := float64(len(m.Pages))
		b.ReportMetric(n/wall.Seconds(), "pages/s")
		b.ReportMetric(n/cpu.Seconds(), "pages/cpu-s")
		b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/page")
	}
}
