package crawler

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/source"
)

// TestCrawlListing crawls a small site end to end: a listing seed, article
// pages, a non-article page, a 404, a disallowed media type, a denied
// path and off-site links.
func TestCrawlListing(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/news/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><body>
			<a href="/news/2024/a1.html">一</a>
			<a href="2024/a2.html?utm_source=x#c">二</a>
			<a href="/news/2024/a1.html?spm=3">一again</a>
			<a href="/about.html">关于</a>
			<a href="/news/2024/gone.html">gone</a>
			<a href="/img/logo.png">logo</a>
			<a href="/admin/x.html">admin</a>
			<a href="https://elsewhere.example/x.html">外站</a>
		</body></html>`)
	})
	mux.HandleFunc("/news/2024/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "gone.html") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><head><title>%s</title></head><body><p>正文</p></body></html>`, r.URL.Path)
	})
	mux.HandleFunc("/about.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<p>about</p>`)
	})
	mux.HandleFunc("/img/logo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG"))
	})
	s := newSite(t, "news.test", mux)
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := parseSource(t, `
id: news
seeds: [{url: "%s", kind: listing}]
politeness: {min_delay: 1ms}
scope:
  article_pattern: '^/news/\d{4}/'
  deny: ['^/admin/']
`, s.URL("/news/"))

	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/news/":               "not_article/entry_point",
		"/news/2024/a1.html":   "handled/handled",
		"/news/2024/a2.html":   "handled/handled",
		"/about.html":          "not_article/not_article_url",
		"/news/2024/gone.html": "failed/http_404",
		"/img/logo.png":        "failed/content_type",
		"/admin/x.html":        "skipped/out_of_scope",
	}
	if d := cmp.Diff(want, rec.byURL(t)); d != "" {
		t.Errorf("outcomes (-want +got):\n%s", d)
	}
	checkSummary(t, sum, rec)
	if sum.Handled != 2 || sum.Sources["news"].Handled != 2 {
		t.Errorf("summary handled = %d (source %d), want 2", sum.Handled, sum.Sources["news"].Handled)
	}
	for _, p := range rec.pages {
		if p.Source != "news" || p.StatusCode != 200 || !strings.Contains(string(p.Body), "正文") || p.ContentType != "text/html; charset=utf-8" {
			t.Errorf("bad page %+v", p)
		}
		if p.CanonicalURL != p.URL {
			t.Errorf("canonical %q != URL %q for a clean URL", p.CanonicalURL, p.URL)
		}
	}
	if n := s.Count("/admin/x.html"); n != 0 {
		t.Errorf("denied path fetched %d times", n)
	}
	for _, h := range s.Hits() {
		if ua := h.Header.Get("User-Agent"); ua != "winnow/1" {
			t.Errorf("%s sent User-Agent %q", h.Path, ua)
		}
	}
}
