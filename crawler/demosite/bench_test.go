package demosite_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"winnow/crawler/demosite"
)

// discard is a ResponseWriter that drops the body, so benchmarks measure
// page generation, not buffering.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkLinkDensePage measures generating link-dense pages (30 KiB,
// 50 links): bytes/s and pages/s of the handler alone.
func BenchmarkLinkDensePage(b *testing.B) {
	d := demosite.NewLinkDense(demosite.Options{Pages: 20000})
	reqs := make([]*http.Request, 256)
	for i := range reqs {
		reqs[i] = httptest.NewRequestWithContext(context.Background(), "GET", d.Path(i*77%20000), nil)
	}
	w := &discard{h: http.Header{}}
	b.SetBytes(demosite.DefaultPageBytes)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.ServeHTTP(w, reqs[i%len(reqs)])
		i++
	}
}

// BenchmarkLinkDenseHTTP measures serving link-dense pages over a real
// loopback HTTP connection (client and server on the same machine).
func BenchmarkLinkDenseHTTP(b *testing.B) {
	d := demosite.NewLinkDense(demosite.Options{Pages: 20000})
	srv := httptest.NewServer(d)
	defer srv.Close()
	c := srv.Client()
	b.SetBytes(demosite.DefaultPageBytes)
	i := 0
	buf := make([]byte, 64<<10)
	for b.Loop() {
		res, err := c.Get(srv.URL + d.Path(i%20000))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := res.Body.Read(buf); err != nil {
				break
			}
		}
		res.Body.Close()
		i++
	}
}

// BenchmarkDemoArticle measures rendering demo-site article pages (all
// templates and charsets in turn).
func BenchmarkDemoArticle(b *testing.B) {
	s := demosite.New(demosite.Options{})
	m := s.Manifest()
	var reqs []*http.Request
	for _, a := range m.Articles {
		if a.Special == "" {
			reqs = append(reqs, httptest.NewRequestWithContext(context.Background(), "GET", a.Path, nil))
		}
	}
	h := s.Handler()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, reqs[i%len(reqs)])
		i++
	}
}

// BenchmarkNew measures building the demo site (corpus, generation).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		demosite.New(demosite.Options{})
	}
}
