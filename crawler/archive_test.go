package crawler

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"winnow/crawler/source"
	"winnow/crawler/warc"
)

// TestArchiveToWARC plugs crawler/warc's Writer in through a conversion
// of Exchange to warc.Response: every handled page's RawRef opens the
// archived response with the same bytes.
func TestArchiveToWARC(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("<html><head><meta charset=gbk></head><body><p>梧州新闻 原始字节</p></body></html>")
	s := newSite(t, "warc.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=gbk")
		_, _ = w.Write([]byte(gbk))
	}))
	dir := t.TempDir()
	ww, err := warc.NewWriter(warc.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) {
		o.Archiver = ArchiverFunc(func(ctx context.Context, e Exchange) (string, error) {
			return ww.WriteResponse(ctx, warc.Response(e))
		})
	})
	src := articleSource(t, "w", "politeness: {min_delay: 1ms, ignore_robots: true}\n", s.URL("/a.html"), s.URL("/b.html"))
	if _, err := c.Run(t.Context(), []*source.Source{src}, rec); err != nil {
		t.Fatal(err)
	}
	if err := ww.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rec.pages) != 2 {
		t.Fatalf("handled %d pages, want 2", len(rec.pages))
	}
	for _, p := range rec.pages {
		got, err := warc.Open(dir, p.RawRef)
		if err != nil {
			t.Fatalf("%s: open %q: %v", p.URL, p.RawRef, err)
		}
		if got.URL != p.URL || got.StatusCode != 200 || !bytes.Equal(got.Body, p.Body) || !bytes.Equal(got.Body, []byte(gbk)) {
			t.Errorf("%s: archived %s %d, %d bytes; want the page's bytes", p.URL, got.URL, got.StatusCode, len(got.Body))
		}
	}
}
