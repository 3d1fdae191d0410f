package crawler

import (
	"context"
	"flag"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"winnow/crawler/source"
	"winnow/internal/cputime"
)

var (
	benchPages    = flag.Int("crawl.pages", 2000, "pages of the generated site crawled by BenchmarkCrawl")
	benchPageSize = flag.Int("crawl.pagesize", 30<<10, "bytes per generated page in BenchmarkCrawl")
	benchLinks    = flag.Int("crawl.links", 40, "links per generated page in BenchmarkCrawl")
	benchWorkers  = flag.Int("crawl.workers", 32, "crawler workers in BenchmarkCrawl")
)

// genSite serves n generated pages of about size bytes without storing
// them: page i links to k pages chosen by a hash of (i, j), written as
// plain links, tracking-parameter variants, absolute URLs with fragments
// and relative paths. Every page is reachable from /p/0.html through
// the links i -> i+1 and i -> 2i+1.
type genSite struct {
	n, k    int
	host    string
	padding []byte
	pool    sync.Pool
}

func newGenSite(n, k, size int) *genSite {
	g := &genSite{n: n, k: k}
	para := "<p>本地新闻：市区新增三条公交线路，方便市民出行。记者从市交通运输局获悉，新线路将于下月开通。</p>\n"
	g.padding = []byte(strings.Repeat(para, size/len(para)+1)[:size])
	return g
}

func mix(x uint64) uint64 { // splitmix64
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (g *genSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if !strings.HasPrefix(p, "/p/") || !strings.HasSuffix(p, ".html") {
		http.NotFound(w, r)
		return
	}
	i, err := strconv.Atoi(p[3 : len(p)-5])
	if err != nil || i < 0 || i >= g.n {
		http.NotFound(w, r)
		return
	}
	bp, _ := g.pool.Get().(*[]byte)
	if bp == nil {
		b := make([]byte, 0, len(g.padding)+g.k*96+512)
		bp = &b
	}
	b := (*bp)[:0]
	b = append(b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>页面 "...)
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, "</title></head><body><div class=\"nav\">"...)
	link := func(t int, variant int) {
		switch variant {
		case 0:
			b = append(b, `<a href="/p/`...)
			b = strconv.AppendInt(b, int64(t), 10)
			b = append(b, `.html">x</a>`...)
		case 1:
			b = append(b, `<a href="/p/`...)
			b = strconv.AppendInt(b, int64(t), 10)
			b = append(b, `.html?utm_source=home&amp;spm=1.2">x</a>`...)
		case 2:
			b = append(b, `<a href="http://`...)
			b = append(b, g.host...)
			b = append(b, `/p/`...)
			b = strconv.AppendInt(b, int64(t), 10)
			b = append(b, `.html#comments">x</a>`...)
		default:
			b = append(b, `<a href="../p/`...)
			b = strconv.AppendInt(b, int64(t), 10)
			b = append(b, `.html?from=list">x</a>`...)
		}
	}
	link((i+1)%g.n, 0)
	link((2*i+1)%g.n, 1)
	for j := 2; j < g.k; j++ {
		link(int(mix(uint64(i)*1024+uint64(j))%uint64(g.n)), j%4)
	}
	b = append(b, "</div>"...)
	b = append(b, g.padding...)
	b = append(b, "</body></html>"...)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	*bp = b
	g.pool.Put(bp)
}

// BenchmarkCrawl crawls a generated link-dense site served in-process
// (-crawl.pages pages of -crawl.pagesize bytes, -crawl.links links each)
// with -crawl.workers workers, robots.txt and politeness delays off.
// Besides ns/op (one whole crawl) it reports pages/s, pages per CPU
// second (process user+system time, the in-process server included),
// allocations per page and the process's peak RSS.
//
//	go test ./crawler -run '^$' -bench BenchmarkCrawl -benchtime 1x -crawl.pages 20000
func BenchmarkCrawl(b *testing.B) {
	g := newGenSite(*benchPages, *benchLinks, *benchPageSize)
	var h http.Handler = g
	s := newSite(b, "gen.test", h)
	g.host = s.host
	var handled atomic.Int64
	handler := HandlerFunc(func(_ context.Context, p *Page) error {
		handled.Add(1)
		return nil
	})
	c, err := New(Options{AllowNetworks: loopback, Resolver: resolverFor(nil, s), Workers: *benchWorkers})
	if err != nil {
		b.Fatal(err)
	}
	src := parseSource(b, "id: gen\nseeds: [{url: %q, kind: article}]\npoliteness: {min_delay: 1ns, concurrency: %d, ignore_robots: true}\ndiscovery: {max_depth: 100000}\nscope: {max_pages: %d}\n",
		s.URL("/p/0.html"), *benchWorkers, *benchPages+1)

	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	cpu0 := cputime.Process()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var sum Summary
	for range b.N {
		handled.Store(0)
		sum, err = c.Run(b.Context(), []*source.Source{src}, handler)
		if err != nil {
			b.Fatal(err)
		}
		if int(handled.Load()) != *benchPages {
			b.Fatalf("handled %d pages, want %d (%v)", handled.Load(), *benchPages, sum.Reasons)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cputime.Process() - cpu0
	runtime.ReadMemStats(&ms1)
	pages := float64(b.N * *benchPages)
	b.ReportMetric(pages/elapsed.Seconds(), "pages/s")
	b.ReportMetric(pages/cpu.Seconds(), "pages/cpu-s")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/pages, "allocs/page")
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MB")
}
