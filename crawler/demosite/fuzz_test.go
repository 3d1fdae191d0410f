package demosite_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"winnow/crawler/demosite"
)

// FuzzSiteHandler sends arbitrary paths and queries to the demo site: it
// must never panic and must answer with a known status and a content type.
func FuzzSiteHandler(f *testing.F) {
	for _, p := range []string{"/", "/news/local/index_2.html", "/news/local/index_0.html", "/news/local/index_-1.html",
		"/news/local/2026-09/12/x.html", "/news/special/loop-a.html", "/private/../robots.txt", "/news//", "/%zz", "/rss.xml?a=b"} {
		f.Add(p)
	}
	s := demosite.New(demosite.Options{SlowDelay: time.Microsecond})
	h := s.Handler()
	skip := []string{demosite.PathBomb, demosite.PathOversized}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || !strings.HasPrefix(u.Path, "/") || slices.Contains(skip, u.Path) {
			return // not a request target the site is asked for
		}
		req := httptest.NewRequestWithContext(context.Background(), "GET", "/", nil)
		req.URL = u
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !slices.Contains([]int{200, 302, 404, 503}, rec.Code) {
			t.Errorf("%q: status %d", target, rec.Code)
		}
		if rec.Header().Get("Content-Type") == "" && rec.Code != http.StatusFound {
			t.Errorf("%q: no Content-Type", target)
		}
	})
}

// FuzzLinkDense sends arbitrary hosts and paths to a link-dense site.
func FuzzLinkDense(f *testing.F) {
	d := demosite.NewLinkDense(demosite.Options{Pages: 40, PageBytes: 3000, LinksPerPage: 5, Hosts: []string{"a.test", "b.test"}})
	f.Add("a.test", d.Path(0))
	f.Add("b.test", d.Path(1))
	f.Add("a.test", "/news/bench/2026-10/01/p-00000.html")
	f.Add("B.TEST", "/news/bench/2026-10/01/p+00001.html")
	f.Fuzz(func(t *testing.T, host, path string) {
		u, err := url.ParseRequestURI(path)
		if err != nil {
			return // not a request target
		}
		req := httptest.NewRequestWithContext(context.Background(), "GET", "/", nil)
		req.URL, req.Host = u, host
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			if strings.HasPrefix(u.Path, "/news/") && rec.Body.Len() < 3000 {
				t.Errorf("%s%s: page of %d bytes", host, path, rec.Body.Len())
			}
		case 404:
		default:
			t.Errorf("%s%s: status %d", host, path, rec.Code)
		}
	})
}
