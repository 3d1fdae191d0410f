package crawler

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/source"
)

// linkPage serves an HTML page linking to hrefs.
func linkPage(w http.ResponseWriter, hrefs ...string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString("<html><body>")
	for _, h := range hrefs {
		fmt.Fprintf(&b, `<a href="%s">x</a>`, h)
	}
	b.WriteString("</body></html>")
	_, _ = w.Write([]byte(b.String()))
}

// checkSpacing asserts that consecutive requests the server saw started at
// least d apart.
func checkSpacing(t *testing.T, s *site, d time.Duration) {
	t.Helper()
	hits := s.Hits()
	for i := 1; i < len(hits); i++ {
		if gap := hits[i].At.Sub(hits[i-1].At); gap < d {
			t.Errorf("%s: %s came %v after %s, want >= %v", s.name, hits[i].Path, gap, hits[i-1].Path, d)
		}
	}
}

func TestRobotsDisallowAndCrawlDelay(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\nCrawl-delay: 5\n\nUser-agent: winnow\nDisallow: /private/\nDisallow: /tmp\nCrawl-delay: 0.2\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			linkPage(w, "/a/1.html", "/a/2.html", "/private/secret.html", "/tmp?x=1", "/a/3.html")
		default:
			linkPage(w)
		}
	})
	s := newSite(t, "robots.test", mux)
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := parseSource(t, `
id: r
seeds: [{url: "%s"}]
politeness: {min_delay: 10ms, concurrency: 4, max_crawl_delay: 1s}
`, s.URL("/"))
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/":                    "not_article/entry_point",
		"/a/1.html":            "handled/handled",
		"/a/2.html":            "handled/handled",
		"/a/3.html":            "handled/handled",
		"/private/secret.html": "skipped/robots",
		"/tmp?x=1":             "skipped/robots",
	}
	if d := cmp.Diff(want, rec.byURL(t)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	checkSummary(t, sum, rec)
	if got := s.Paths(); len(got) != 5 || got[0] != "/robots.txt" {
		t.Errorf("server saw %v; want robots.txt first and 4 pages", got)
	}
	if s.Count("/private/secret.html")+s.Count("/tmp?x=1") != 0 {
		t.Error("a disallowed URL was fetched")
	}
	// Crawl-delay 0.2s (the winnow group's) beats min_delay 10ms and
	// applies from robots.txt on, with concurrency 4 allowed.
	checkSpacing(t, s, 200*time.Millisecond)

	// IgnoreRobots: the disallowed page is fetched and no robots.txt asked.
	rec2 := &recorder{}
	s2 := newSite(t, "robots2.test", mux)
	c2 := newTestCrawler(t, rec2, resolverFor(nil, s2), nil)
	src2 := parseSource(t, `
id: r2
seeds: [{url: "%s"}]
politeness: {min_delay: 1ms, ignore_robots: true}
`, s2.URL("/"))
	if _, err := c2.Run(t.Context(), []*source.Source{src2}, rec2); err != nil {
		t.Fatal(err)
	}
	if s2.Count("/robots.txt") != 0 || s2.Count("/private/secret.html") != 1 {
		t.Errorf("ignore_robots: server saw %v", s2.Paths())
	}
}

func TestRobotsUnavailableDisallows(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { linkPage(w) })
	s := newSite(t, "down.test", mux)
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := parseSource(t, "id: d\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ms}\n", s.URL("/"))
	if _, err := c.Run(t.Context(), []*source.Source{src}, rec); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"/": "skipped/robots_unavailable"}, rec.byURL(t)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"/robots.txt"}, s.Paths()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

// TestPerHostPoliteness crawls three hosts at once with 8 workers. Each
// host's requests, as timestamped by its server, are at least its delay
// apart, no host ever sees more requests at once than its concurrency,
// and the slow host does not hold up the others.
func TestPerHostPoliteness(t *testing.T) {
	pages := func(n int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				http.NotFound(w, r)
				return
			}
			if r.URL.Path == "/" {
				var hrefs []string
				for i := range n {
					hrefs = append(hrefs, fmt.Sprintf("/p/%d.html", i))
				}
				linkPage(w, hrefs...)
				return
			}
			linkPage(w)
		})
	}
	slow := func(d time.Duration, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(d)
			h.ServeHTTP(w, r)
		})
	}
	a := newSite(t, "a.test", pages(5))                               // delay 150ms, concurrency 1
	b := newSite(t, "b.test", pages(8))                               // delay 60ms, concurrency 1
	cs := newSite(t, "c.test", slow(120*time.Millisecond, pages(12))) // no delay, concurrency 3, slow
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, a, b, cs), func(o *Options) { o.Workers = 8 })
	srcA := parseSource(t, "id: a\nseeds: [{url: %q}]\npoliteness: {min_delay: 150ms, concurrency: 1}\n", a.URL("/"))
	srcB := parseSource(t, "id: b\nseeds: [{url: %q}]\npoliteness: {min_delay: 60ms, concurrency: 1}\n", b.URL("/"))
	srcC := parseSource(t, "id: c\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ns, concurrency: 3}\n", cs.URL("/"))
	sum, err := c.Run(t.Context(), []*source.Source{srcA, srcB, srcC}, rec)
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, sum, rec)
	if sum.Handled != 5+8+12 {
		t.Fatalf("handled %d pages, want 25: %v", sum.Handled, sum.Reasons)
	}
	checkSpacing(t, a, 150*time.Millisecond)
	checkSpacing(t, b, 60*time.Millisecond)
	for _, s := range []*site{a, b} {
		if m := s.MaxInflight(); m != 1 {
			t.Errorf("%s: max in flight %d, want 1", s.name, m)
		}
	}
	if m := cs.MaxInflight(); m > 3 || m < 2 {
		t.Errorf("c.test: max in flight %d, want 2..3 (limit 3, used)", m)
	}
	// Concurrency across hosts: b's crawl (8 pages, >= 0.5s) overlaps a's.
	ha, hb := a.Hits(), b.Hits()
	if !(hb[0].At.Before(ha[len(ha)-1].At) && ha[0].At.Before(hb[len(hb)-1].At)) {
		t.Errorf("hosts were not crawled concurrently: a %v..%v, b %v..%v",
			ha[0].At, ha[len(ha)-1].At, hb[0].At, hb[len(hb)-1].At)
	}
}

// TestSchedulerHostQueueBound checks the back-pressure path: with a host
// queue of 2 and many links to one host, tasks are deferred to the
// frontier and still all crawled exactly once.
func TestSchedulerHostQueueBound(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/" {
			var hrefs []string
			for i := range 40 {
				hrefs = append(hrefs, fmt.Sprintf("/p/%d.html", i))
			}
			linkPage(w, hrefs...)
			return
		}
		linkPage(w)
	})
	s := newSite(t, "q.test", h)
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) { o.HostQueue = 2; o.MaxPending = 8 })
	src := parseSource(t, "id: q\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ns, concurrency: 2, ignore_robots: true}\n", s.URL("/"))
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, sum, rec)
	if sum.Handled != 40 {
		t.Errorf("handled %d, want 40", sum.Handled)
	}
	for p, n := range seen {
		if n != 1 {
			t.Errorf("%s fetched %d times", p, n)
		}
	}
}
