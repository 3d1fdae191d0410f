package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/frontier"
	"winnow/crawler/source"
)

// TestDiscovery follows every discovery path: robots.txt Sitemap: lines
// to a sitemap index, the index to a news sitemap and a gzipped sitemap,
// a listing's <link rel=alternate> to an RSS feed and an Atom feed; old
// news entries are skipped as too_old.
func TestDiscovery(t *testing.T) {
	now := time.Now().UTC()
	var gzSitemap bytes.Buffer
	zw := gzip.NewWriter(&gzSitemap)
	fmt.Fprint(zw, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
		<url><loc>/archive/2024/old-1.html</loc></url>
		<url><loc>https://site.test/archive/2024/old-2.html</loc></url></urlset>`)
	_ = zw.Close()

	mux := http.NewServeMux()
	host := "" // set below
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nAllow: /\nSitemap: http://%s/sitemap-index.xml\n", host)
	})
	mux.HandleFunc("/sitemap-index.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
			<sitemap><loc>http://%s/news-sitemap.xml</loc></sitemap>
			<sitemap><loc>/archive.xml.gz</loc></sitemap></sitemapindex>`, host)
	})
	mux.HandleFunc("/news-sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
			<url><loc>http://%[1]s/news/fresh-1.html</loc><news:news><news:publication_date>%[2]s</news:publication_date><news:title>新</news:title></news:news></url>
			<url><loc>http://%[1]s/news/stale-1.html</loc><news:news><news:publication_date>%[3]s</news:publication_date><news:title>旧</news:title></news:news></url>
			</urlset>`, host, now.Add(-time.Hour).Format(time.RFC3339), now.Add(-90*24*time.Hour).Format(time.RFC3339))
	})
	mux.HandleFunc("/archive.xml.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(gzSitemap.Bytes())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			linkPage(w)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head>
			<link rel="alternate" type="application/rss+xml" href="/rss.xml">
			<link rel="alternate" type="application/atom+xml" href="/atom.xml">
			</head><body></body></html>`)
	})
	mux.HandleFunc("/rss.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><item><link>/news/rss-1.html?utm_medium=rss</link><pubDate>%s</pubDate></item></channel></rss>`, now.Format(time.RFC1123Z))
	})
	mux.HandleFunc("/atom.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, `<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/news/atom-1.html"/></entry><entry><link rel="alternate" href="/news/fresh-1.html"/></entry></feed>`)
	})
	s := newSite(t, "site.test", mux)
	host = s.host
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	// The gzipped sitemap names site.test without port: in scope by name.
	src := parseSource(t, `
id: disc
seeds: [{url: %q, kind: listing}]
politeness: {min_delay: 1ms}
scope: {hosts: [site.test], max_article_age: 30d}
`, s.URL("/"))
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	got := rec.byURL(t)
	want := map[string]string{
		"/":                        "not_article/entry_point",
		"/rss.xml":                 "not_article/entry_point",
		"/atom.xml":                "not_article/entry_point",
		"/sitemap-index.xml":       "not_article/entry_point",
		"/news-sitemap.xml":        "not_article/entry_point",
		"/archive.xml.gz":          "not_article/entry_point",
		"/news/fresh-1.html":       "handled/handled",
		"/news/stale-1.html":       "skipped/too_old",
		"/news/rss-1.html":         "handled/handled",
		"/news/atom-1.html":        "handled/handled",
		"/archive/2024/old-1.html": "handled/handled",
		// old-2 names site.test on port 80: another origin where nothing
		// listens, so its robots.txt is unavailable.
		"/archive/2024/old-2.html": "skipped/robots_unavailable",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	checkSummary(t, sum, rec)
	for _, p := range []string{"/news/fresh-1.html", "/news/stale-1.html"} {
		if n := s.Count(p); n > 1 || (p == "/news/stale-1.html" && n != 0) {
			t.Errorf("%s fetched %d times", p, n)
		}
	}
}

// TestOutcomesOfHandlerAndLimits covers the handler's answers, the
// archiver, max_pages and depth.
func TestOutcomesOfHandlerAndLimits(t *testing.T) {
	s := newSite(t, "h.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/":
			linkPage(w, "/ok.html", "/notart.html", "/broken.html", "/deep/1.html")
		case "/deep/1.html":
			linkPage(w, "/deep/2.html")
		case "/deep/2.html":
			linkPage(w, "/deep/3.html")
		default:
			linkPage(w)
		}
	}))
	var mu sync.Mutex
	var archived []string
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) {
		o.Archiver = ArchiverFunc(func(_ context.Context, e Exchange) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			if e.StatusCode != 200 || e.Method != "GET" || len(e.Body) == 0 || e.RemoteAddr == "" {
				t.Errorf("bad exchange %+v", e)
			}
			archived = append(archived, e.URL)
			return fmt.Sprintf("test.warc.gz#%d", len(archived)), nil
		})
	})
	h := HandlerFunc(func(ctx context.Context, p *Page) error {
		if !strings.HasPrefix(p.RawRef, "test.warc.gz#") {
			t.Errorf("%s: RawRef %q", p.URL, p.RawRef)
		}
		switch {
		case strings.HasSuffix(p.URL, "/notart.html"):
			return fmt.Errorf("no date: %w", ErrNotArticle)
		case strings.HasSuffix(p.URL, "/broken.html"):
			return errors.New("sink is down")
		}
		return rec.HandlePage(ctx, p)
	})
	src := parseSource(t, "id: h\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ms}\ndiscovery: {max_depth: 2}\n", s.URL("/"))
	sum, err := c.Run(t.Context(), []*source.Source{src}, h)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/":            "not_article/entry_point",
		"/ok.html":     "handled/handled",
		"/notart.html": "not_article/handler",
		"/broken.html": "failed/handler_error",
		"/deep/1.html": "handled/handled",
		"/deep/2.html": "handled/handled", // depth 2; its link (depth 3) is not followed
	}
	if d := cmp.Diff(want, rec.byURL(t)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	checkSummary(t, sum, rec)
	if len(archived) != 6 {
		t.Errorf("archived %d responses, want 6", len(archived))
	}

	// max_pages 3: the seed and two pages are fetched, the rest skipped.
	rec2 := &recorder{}
	c2 := newTestCrawler(t, rec2, resolverFor(nil, s), func(o *Options) { o.Workers = 1 })
	src2 := parseSource(t, "id: h2\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ms}\nscope: {max_pages: 3}\n", s.URL("/"))
	sum2, err := c2.Run(t.Context(), []*source.Source{src2}, rec2)
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, sum2, rec2)
	if sum2.Fetched != 3 || sum2.Reasons[ReasonMaxPages] != 2 {
		t.Errorf("max_pages: fetched %d, skipped %v", sum2.Fetched, sum2.Reasons)
	}
}

// denseSite is a generated site of n pages; every page links to k others
// chosen at random, with duplicates, fragments, tracking-parameter
// variants and a few redirecting aliases.
type denseSite struct {
	n, k  int
	pages [][]byte
}

func newDenseSite(n, k, padding int, seed uint64) *denseSite {
	d := &denseSite{n: n, k: k, pages: make([][]byte, n)}
	r := rand.New(rand.NewPCG(seed, 1))
	pad := strings.Repeat("<p>本地新闻正文，用于填充页面。Lorem ipsum dolor sit amet.</p>\n", padding/80+1)
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>页面 %d</title></head><body><div class=\"nav\">", i)
		for j := range k {
			t := r.IntN(n)
			switch j % 6 {
			case 0:
				fmt.Fprintf(&b, `<a href="/p/%d.html">%d</a>`, t, t)
			case 1:
				fmt.Fprintf(&b, `<a href="/p/%d.html?utm_source=x&amp;spm=%d">%d</a>`, t, j, t)
			case 2:
				fmt.Fprintf(&b, `<a href="http://dense.test:PORT/p/%d.html#c%d">%d</a>`, t, j, t)
			case 3:
				fmt.Fprintf(&b, `<a href="../p/%d.html?from=home">%d</a>`, t, t)
			case 4:
				fmt.Fprintf(&b, `<a href="/go/%d">%d</a>`, t, t) // redirects to /p/t.html
			default:
				fmt.Fprintf(&b, `<a href="/p/%d.html">%d</a>`, i, i) // self link
			}
		}
		fmt.Fprintf(&b, "</div>%s</body></html>", pad[:min(len(pad), padding)])
		d.pages[i] = []byte(b.String())
	}
	return d
}

func (d *denseSite) handler(port string) http.Handler {
	for i := range d.pages {
		d.pages[i] = bytes.ReplaceAll(d.pages[i], []byte("PORT"), []byte(port))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/p/%d.html", &i); err == nil && i >= 0 && i < d.n {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(d.pages[i])
			return
		}
		if _, err := fmt.Sscanf(r.URL.Path, "/go/%d", &i); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/p/%d.html", i), http.StatusMovedPermanently)
			return
		}
		http.NotFound(w, r)
	})
}

// TestNoDuplicateFetches crawls a link-dense site with 32 workers and 32
// requests per host allowed: every page is fetched exactly once.
func TestNoDuplicateFetches(t *testing.T) {
	const n = 400
	d := newDenseSite(n, 60, 2000, 7)
	var h http.Handler
	s := newSite(t, "dense.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	_, port, _ := strings.Cut(s.host, ":")
	h = d.handler(port)
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) { o.Workers = 32 })
	src := parseSource(t, "id: dense\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ns, concurrency: 32}\ndiscovery: {max_depth: 100}\n", s.URL("/p/0.html"))
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, sum, rec)
	counts := map[string]int{}
	for _, p := range s.Paths() {
		counts[p]++
	}
	for p, k := range counts {
		if k != 1 {
			t.Errorf("%s fetched %d times", p, k)
		}
	}
	pages := 0
	for p := range counts {
		if strings.HasPrefix(p, "/p/") {
			pages++
		}
	}
	// Pages reachable from /p/0.html (with 60 random links each, all of
	// them in practice) are each fetched once and, but for the seed (an
	// entry point), handled once; every /go/N alias redirects to a page
	// already claimed and ends as a duplicate.
	if pages < n*9/10 || sum.Handled != pages-1 {
		t.Errorf("fetched %d distinct pages, handled %d; want ~%d, one less", pages, sum.Handled, n)
	}
	if m := s.MaxInflight(); m < 2 {
		t.Errorf("max in flight %d: the crawl did not run concurrently", m)
	}
	t.Logf("%d pages, %d requests, %d outcomes %v, max in flight %d", pages, len(s.Hits()), len(rec.outcomes), sum.Reasons, s.MaxInflight())
}

// TestCancel stops a crawl whose server never answers: Run returns the
// context's error without waiting for the server, and no goroutine of
// the crawl is left behind.
func TestCancel(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 100)
	s := newSite(t, "hang.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			var hrefs []string
			for i := range 50 {
				hrefs = append(hrefs, fmt.Sprintf("/p/%d.html", i))
			}
			linkPage(w, hrefs...)
			return
		}
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) })
	base := runtime.NumGoroutine()
	rec := &recorder{}
	mem := frontier.NewMemory()
	c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) { o.Workers = 8; o.Frontier = mem })
	src := parseSource(t, "id: c\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ns, concurrency: 4, ignore_robots: true}\n", s.URL("/"))

	ctx, cancel := context.WithCancel(t.Context())
	type result struct {
		sum Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := c.Run(ctx, []*source.Source{src}, rec)
		done <- result{sum, err}
	}()
	for range 4 { // four requests hang in the server
		<-arrived
	}
	cancel()
	res := <-done // returns although the server never answered
	if !errors.Is(res.err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", res.err)
	}
	if res.sum.Fetched != 1 || res.sum.Handled != 0 {
		t.Errorf("summary %+v: only the listing finished", res.sum.Counts)
	}
	// The unfinished tasks went back to the frontier, not into outcomes.
	if q, inflight := mem.Len(); inflight != 0 || q != 50 {
		t.Errorf("frontier holds %d queued, %d in flight; want 50 and 0", q, inflight)
	}
	_ = c.Close()
	s.srv.CloseClientConnections()
	waitGoroutines(t, base)
}

func TestNewValidatesOptions(t *testing.T) {
	for _, o := range []Options{{Workers: -1}, {HostQueue: -1}, {MaxPending: -2}, {MaxRetryAfter: -time.Second}} {
		if _, err := New(o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("New(%+v) = %v, want ErrInvalidOptions", o, err)
		}
	}
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Run(t.Context(), nil, nil); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("Run with nil handler = %v", err)
	}
	src := &source.Source{ID: "x"}
	if _, err := c.Run(t.Context(), []*source.Source{src}, HandlerFunc(func(context.Context, *Page) error { return nil })); !errors.Is(err, ErrInvalidSource) {
		t.Errorf("Run with a seedless source = %v, want ErrInvalidSource", err)
	}
	sum, err := c.Run(t.Context(), nil, HandlerFunc(func(context.Context, *Page) error { return nil }))
	if err != nil || sum.Fetched != 0 {
		t.Errorf("empty run: %+v, %v", sum, err)
	}
}

// TestClaimLinks: a link is claimed once per run and source (a repeat on
// the same page included), whatever page it is met on again, and a
// released claim can be taken again.
func TestClaimLinks(t *testing.T) {
	s := newURLSet()
	parse := func(raws ...string) []*url.URL {
		var us []*url.URL
		for _, r := range raws {
			u, err := url.Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			us = append(us, u)
		}
		return us
	}
	strs := func(us []*url.URL) []string {
		out := []string{}
		for _, u := range us {
			out = append(out, u.String())
		}
		return out
	}
	got, first := s.claimLinks("a", parse("http://h/1", "http://h/2", "http://h/1", "http://h/2?", "http://u@h/2"))
	if want := []string{"http://h/1", "http://h/2", "http://h/2?", "http://u@h/2"}; !slices.Equal(strs(got), want) {
		t.Errorf("first page: claimed %q, want %q", strs(got), want)
	}
	if len(first) != len(got) {
		t.Errorf("%d hashes for %d links", len(first), len(got))
	}
	got, _ = s.claimLinks("a", parse("http://h/2", "http://h/3", "http://H/3"))
	if want := []string{"http://h/3", "http://H/3"}; !slices.Equal(strs(got), want) {
		t.Errorf("second page: claimed %q, want %q", strs(got), want)
	}
	if got, _ := s.claimLinks("b", parse("http://h/1")); len(got) != 1 {
		t.Errorf("another source: claimed %q, want the link", strs(got))
	}
	s.releaseLinks(first)
	if got, _ := s.claimLinks("a", parse("http://h/1", "http://h/3")); !slices.Equal(strs(got), []string{"http://h/1"}) {
		t.Errorf("after release: claimed %q, want [http://h/1]", strs(got))
	}
}
