package crawler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"

	"winnow/crawler"
	"winnow/crawler/source"
)

// ExampleCrawler_Run crawls a two-page site served on loopback, which the
// SSRF guard only reaches because AllowNetworks lists 127.0.0.0/8.
func ExampleCrawler_Run() {
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/news/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<a href="/news/2024/1.html">一</a> <a href="/news/2024/2.html?utm_source=home">二</a>`)
	})
	mux.HandleFunc("/news/2024/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<h1>标题</h1><p>正文</p>`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	src, err := source.Parse("example.yaml", []byte(`
id: example
seeds: [{url: "`+srv.URL+`/news/", kind: listing}]
politeness: {min_delay: 10ms}
scope: {article_pattern: '^/news/\d{4}/'}
`), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := crawler.New(crawler.Options{
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Workers:       2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	h := crawler.HandlerFunc(func(ctx context.Context, p *crawler.Page) error {
		return nil // hand p.Body and p.ContentType to the content path
	})
	sum, err := c.Run(context.Background(), []*source.Source{src}, h)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("fetched %d: handled %d, not articles %d, failed %d; skipped %d\n",
		sum.Fetched, sum.Handled, sum.NotArticle, sum.Failed, sum.Skipped)
	// Output: fetched 3: handled 2, not articles 1, failed 0; skipped 0
}
