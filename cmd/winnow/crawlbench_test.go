package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"winnow/crawler/demosite"
	"winnow/crawler/source"
)

var benchPages = flag.Int("crawl.pages", 2000, "pages of the generated link-dense site for BenchmarkCrawlLinkDense")

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Maxrss << 10 // KiB on Linux
}

// BenchmarkCrawlLinkDense crawls a generated site of link-dense ~30 KB
// article pages (every page links to 50 others, with duplicates and
// tracking-parameter variants) with the whole content path on
// (extraction, hygiene, normalization, JSON records), next to a plain
// net/http fetch of the same pages in the same process. It reports pages
// per CPU-second for both (the in-process server's CPU is included in
// both), the crawl's peak RSS, and fails on any duplicate fetch.
//
//	go test ./cmd/winnow -run '^$' -bench CrawlLinkDense -benchtime 1x -crawl.pages 20000
func BenchmarkCrawlLinkDense(b *testing.B) {
	for b.Loop() {
		site := demosite.NewLinkDense(demosite.Options{Pages: *benchPages})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: site}
		go srv.Serve(ln)
		base := "http://" + ln.Addr().String()
		m := site.Manifest()

		// Plain net/http: every page once, 32 workers.
		cpu0, wall0 := cpuTime(b), time.Now()
		fetchAll(b, base, m, 32)
		plainCPU, plainWall := cpuTime(b)-cpu0, time.Since(wall0)

		// winnow: discovery from "/", politeness lifted, content path on.
		src, err := source.Parse("bench.yaml", []byte(fmt.Sprintf(`id: bench
seeds: [{url: %s/, kind: listing}]
discovery: {max_depth: 100}
scope: {article_pattern: '%s', max_pages: 1000000}
politeness: {min_delay: 1ms, concurrency: 32, ignore_robots: true}
`, base, m.ArticlePattern)), nil)
		if err != nil {
			b.Fatal(err)
		}
		before, _ := site.Fetched()
		cf := crawlFlags{content: contentFlags{script: "t2s", maxBytes: 16 << 20}, workers: 32, noArchive: true, quiet: true}
		cpu1, wall1 := cpuTime(b), time.Now()
		sum, err := crawlOnce(context.Background(), stdio{out: io.Discard, err: io.Discard}, b.TempDir(), cf, []*source.Source{src}, loopback, nil)
		if err != nil {
			b.Fatal(err)
		}
		crawlCPU, crawlWall := cpuTime(b)-cpu1, time.Since(wall1)
		srv.Close()
		fetched, dups := site.Fetched()
		if dups != before || fetched != len(m.Pages) {
			b.Fatalf("crawl fetched %d of %d pages, %d fetched more than once (plain pass counted %d)", fetched, len(m.Pages), dups-before, before)
		}
		if sum.Articles != len(m.Pages) {
			b.Errorf("%d articles from %d pages", sum.Articles, len(m.Pages))
		}
		n := float64(len(m.Pages))
		b.ReportMetric(n/crawlCPU.Seconds(), "pages/cpu-s")
		b.ReportMetric(n/crawlWall.Seconds(), "pages/s")
		b.ReportMetric(n/plainCPU.Seconds(), "plain-pages/cpu-s")
		b.ReportMetric(n/plainWall.Seconds(), "plain-pages/s")
		b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-rss-MB")
	}
}

// fetchAll GETs every page of m once with n workers and discards bodies.
func fetchAll(b *testing.B, base string, m demosite.LinkDenseManifest, n int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	paths := make(chan string)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				resp, err := client.Get(base + p)
				if err != nil {
					b.Error(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	for _, p := range m.Pages {
		paths <- p.Path
	}
	close(paths)
	wg.Wait()
}
