//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"winnow/crawler/demosite"
	"winnow/crawler/source"
	"winnow/internal/cputime"
)

var (
	benchPages   = flag.Int("crawl.pages", 2000, "pages of the generated link-dense site for BenchmarkCrawlLinkDense")
	benchArchive = flag.Bool("crawl.archive", true, "archive responses as WARC in BenchmarkCrawlLinkDense, as winnow crawl does by default")
	benchPace    = flag.Duration("crawl.plain-pace", 0, "start the plain fetch's requests this far apart (0: at once), to measure what pacing alone costs")
)

// benchSiteEnv makes the test binary a link-dense site server (its value
// is the number of pages, benchLayoutEnv's the page layout: 1 portal):
// see TestCrawlBenchSite.
const (
	benchSiteEnv   = "WINNOW_CRAWLBENCH_SITE"
	benchLayoutEnv = "WINNOW_CRAWLBENCH_LAYOUT"
)

// rusage is the process's user+system CPU time so far and its peak RSS:
// VmHWM, as getrusage's maxrss counts the memory of the process that
// forked this one (go test) when that was larger.
func rusage() (cpu time.Duration, peakRSS int64) {
	cpu = cputime.Process()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		panic(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return cpu, kb << 10
		}
	}
	panic("no VmHWM in /proc/self/status")
}

// siteStats is what the site process reports about one site.
type siteStats struct {
	CPU        time.Duration `json:"cpu_ns"` // the site process's CPU time so far
	Fetched    int           `json:"fetched"`
	Duplicates int           `json:"duplicates"`
}

// TestCrawlBenchSite is the site process of BenchmarkCrawlLinkDense, not
// a test: with WINNOW_CRAWLBENCH_SITE=N it serves two identical
// link-dense sites of N pages (one for the plain fetch, one for the
// crawl, so each counts its own fetches), prints their addresses, answers
// /_bench/stats on each, and exits when stdin closes. Serving from
// another process keeps the server's CPU and memory out of the crawl's
// figures.
func TestCrawlBenchSite(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(benchSiteEnv))
	if err != nil {
		t.Skip("site process of BenchmarkCrawlLinkDense: runs only with " + benchSiteEnv + " set")
	}
	layout, _ := strconv.Atoi(os.Getenv(benchLayoutEnv))
	var addrs []string
	for range 2 {
		site := demosite.NewLinkDense(demosite.Options{Pages: n, Layout: demosite.Layout(layout)})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		mux := http.NewServeMux()
		mux.Handle("/", site)
		mux.HandleFunc("/_bench/stats", func(w http.ResponseWriter, _ *http.Request) {
			cpu, _ := rusage()
			f, d := site.Fetched()
			_ = json.NewEncoder(w).Encode(siteStats{CPU: cpu, Fetched: f, Duplicates: d})
		})
		go (&http.Server{Handler: mux}).Serve(ln)
		addrs = append(addrs, ln.Addr().String())
	}
	fmt.Println(strings.Join(addrs, " "))
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// benchSite is a running site process.
type benchSite struct {
	cmd          *exec.Cmd
	stdin        io.Closer
	plain, crawl string // base URLs
}

func startBenchSite(b *testing.B, pages int, layout demosite.Layout) *benchSite {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrawlBenchSite$")
	cmd.Env = append(os.Environ(), benchSiteEnv+"="+strconv.Itoa(pages), benchLayoutEnv+"="+strconv.Itoa(int(layout)))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addrs := strings.Fields(line)
	if err != nil || len(addrs) != 2 {
		b.Fatalf("site process: %q, %v", line, err)
	}
	go io.Copy(io.Discard, stdout)
	return &benchSite{cmd: cmd, stdin: stdin, plain: "http://" + addrs[0], crawl: "http://" + addrs[1]}
}

func (s *benchSite) stats(b *testing.B, base string) siteStats {
	resp, err := http.Get(base + "/_bench/stats")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var st siteStats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		b.Fatal(err)
	}
	return st
}

func (s *benchSite) stop() {
	s.stdin.Close()
	_ = s.cmd.Wait()
}

// BenchmarkCrawlLinkDense crawls a generated site of link-dense ~30 KB
// article pages (every page links to 50 others, with duplicates and
// tracking-parameter variants) exactly as winnow crawl does: discovery
// from "/", the whole content path on (extraction, hygiene,
// normalization, JSON records written to a file) and, unless
// -crawl.archive=false, every response archived as WARC. Next to it, in
// the same run, a plain net/http client fetches the same pages once
// each. The site is served by another process (the test binary run as
// TestCrawlBenchSite), so CPU and RSS are this process's alone:
// pages/cpu-s (crawl) and plain-pages/cpu-s (client) count only the
// fetching side; site-pages/cpu-s is the server's, for reference.
// peak-rss-MB is this process's peak (the plain fetch included), and
// dup-fetches the pages the site served more than once during the crawl
// (the benchmark fails unless it is 0 and every page was fetched).
//
// It runs on both page layouts of the site: portal (composed like a real
// portal's article page: a quarter of the bytes visible text, ~100
// links) and article-text (80% article text, the heaviest case for the
// content path).
//
// -crawl.plain-pace paces the plain fetch, to measure what pacing alone
// costs a client (see the README).
//
//	go test ./cmd/winnow -run '^$' -bench CrawlLinkDense -benchtime 1x -crawl.pages 20000
func BenchmarkCrawlLinkDense(b *testing.B) {
	for _, layout := range []demosite.Layout{demosite.LayoutPortal, demosite.LayoutArticleText} {
		b.Run(layout.String(), func(b *testing.B) { benchmarkCrawlLinkDense(b, layout) })
	}
}

func benchmarkCrawlLinkDense(b *testing.B, layout demosite.Layout) {
	m := demosite.NewLinkDense(demosite.Options{Pages: *benchPages, Layout: layout}).Manifest()
	n := float64(len(m.Pages))
	for b.Loop() {
		site := startBenchSite(b, *benchPages, layout)

		// Plain net/http: every page once, 32 workers.
		cpu0, _ := rusage()
		wall0 := time.Now()
		fetchAll(b, site.plain, m, 32, *benchPace)
		plainWall := time.Since(wall0)
		cpu1, _ := rusage()
		s1 := site.stats(b, site.plain)
		if s1.Fetched != len(m.Pages) || s1.Duplicates != 0 {
			b.Fatalf("plain fetch: %d of %d pages, %d more than once", s1.Fetched, len(m.Pages), s1.Duplicates)
		}

		// winnow crawl: discovery from "/", politeness lifted (1 µs per
		// host: the site is one host of our own, and a millisecond delay
		// would measure the sleep-and-wake cycle of a throttled crawl,
		// not the crawl; see the README).
		src, err := source.Parse("bench.yaml", []byte(fmt.Sprintf(`id: bench
seeds: [{url: %s/, kind: listing}]
discovery: {max_depth: 100}
scope: {article_pattern: '%s', max_pages: 1000000}
politeness: {min_delay: 1us, concurrency: 32, ignore_robots: true}
`, site.crawl, m.ArticlePattern)), nil)
		if err != nil {
			b.Fatal(err)
		}
		dir := b.TempDir()
		cf := crawlFlags{content: contentFlags{script: "t2s", maxBytes: 16 << 20}, workers: 32,
			noArchive: !*benchArchive, quiet: true, out: filepath.Join(dir, "records.jsonl")}
		s2 := site.stats(b, site.crawl)
		cpu2, _ := rusage()
		wall2 := time.Now()
		sum, err := crawlOnce(context.Background(), stdio{out: io.Discard, err: io.Discard}, dir, cf, []*source.Source{src}, loopback, nil)
		crawlWall := time.Since(wall2)
		cpu3, rss := rusage()
		s3 := site.stats(b, site.crawl)
		site.stop()
		if err != nil {
			b.Fatal(err)
		}
		if s3.Fetched != len(m.Pages) || s3.Duplicates != 0 {
			b.Fatalf("crawl fetched %d of %d pages, %d more than once", s3.Fetched, len(m.Pages), s3.Duplicates)
		}
		if sum.Articles != len(m.Pages) {
			b.Errorf("%d articles from %d pages", sum.Articles, len(m.Pages))
		}
		b.ReportMetric(n/(cpu3-cpu2).Seconds(), "pages/cpu-s")
		b.ReportMetric(n/crawlWall.Seconds(), "pages/s")
		b.ReportMetric(n/(cpu1-cpu0).Seconds(), "plain-pages/cpu-s")
		b.ReportMetric(n/plainWall.Seconds(), "plain-pages/s")
		b.ReportMetric(n/(s3.CPU-s2.CPU).Seconds(), "site-pages/cpu-s")
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MB")
		b.ReportMetric(float64(s3.Duplicates), "dup-fetches")
	}
}

// fetchAll GETs every page of m once with n workers and discards bodies,
// starting requests pace apart when pace > 0.
func fetchAll(b *testing.B, base string, m demosite.LinkDenseManifest, n int, pace time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	paths := make(chan string)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for p := range paths {
				resp, err := client.Get(base + p)
				if err != nil {
					b.Error(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	var tick <-chan time.Time
	if pace > 0 {
		t := time.NewTicker(pace)
		defer t.Stop()
		tick = t.C
	}
	for _, p := range m.Pages {
		if tick != nil {
			<-tick
		}
		paths <- p.Path
	}
	close(paths)
	wg.Wait()
}
