package demosite_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"winnow/crawler/demosite"
)

func ExampleNew() {
	site := demosite.New(demosite.Options{})
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()

	m := site.Manifest()
	fmt.Println(m.Count(demosite.KindArticle), "articles,", m.Count(demosite.KindSpamPage), "spam pages")
	for _, sp := range m.Special[2:] {
		fmt.Println(sp.Path, "->", sp.Outcome, sp.Reason)
	}
	res, err := http.Get(srv.URL + m.Articles[0].Path)
	if err != nil {
		fmt.Println(err)
		return
	}
	res.Body.Close()
	fmt.Println(res.StatusCode, res.Header.Get("Content-Type"), len(site.Requests()), "request logged")
	// Output:
	// 158 articles, 6 spam pages
	// /news/special/missing.html -> failed http_404
	// /news/special/loop-a.html -> failed redirect_loop
	// /news/special/oversized.html -> failed too_large
	// /news/special/bomb.html -> failed too_large
	// 200 text/html; charset=utf-8 1 request logged
}

func ExampleNewLinkDense() {
	site := demosite.NewLinkDense(demosite.Options{Pages: 1000, PageBytes: 20 << 10, LinksPerPage: 30})
	srv := httptest.NewServer(site)
	defer srv.Close()

	res, err := http.Get(srv.URL + site.Path(42))
	if err != nil {
		fmt.Println(err)
		return
	}
	res.Body.Close()
	fetched, duplicates := site.Fetched()
	fmt.Println(res.StatusCode, res.ContentLength, fetched, duplicates, len(site.Manifest().Pages))
	// Output:
	// 200 20480 1 0 1000
}
