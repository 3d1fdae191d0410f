package crawler

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"winnow/crawler/source"
	"winnow/crawler/ssrf"
)

// articleSource is a source whose seeds are article URLs of one site.
func articleSource(t *testing.T, id string, extra string, urls ...string) *source.Source {
	t.Helper()
	y := "id: " + id + "\nseeds:\n"
	for _, u := range urls {
		y += fmt.Sprintf("  - {url: %q, kind: article}\n", u)
	}
	y += extra
	return parseSource(t, "%s", y)
}

func TestRetryAfter(t *testing.T) {
	var n atomic.Int32
	var mu sync.Mutex
	var dateSent time.Time
	s := newSite(t, "retry.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case 2:
			d := time.Now().Add(2 * time.Second).UTC().Truncate(time.Second)
			mu.Lock()
			dateSent = d
			mu.Unlock()
			w.Header().Set("Retry-After", d.Format(http.TimeFormat))
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<p>finally</p>")
		}
	}))
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := articleSource(t, "r", "politeness: {min_delay: 1ms, ignore_robots: true}\nfetch: {backoff: 10ms, max_backoff: 50ms}\n", s.URL("/a.html"))
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]string{"/a.html": "handled/handled"}, rec.byURL(t)); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	if rec.outcomes[0].Attempts != 3 || sum.Fetched != 1 {
		t.Errorf("attempts %d, fetched %d; want 3 and 1", rec.outcomes[0].Attempts, sum.Fetched)
	}
	hits := s.Hits()
	if len(hits) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(hits))
	}
	if gap := hits[1].At.Sub(hits[0].At); gap < time.Second {
		t.Errorf("second request %v after the first, want >= Retry-After 1s", gap)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits[2].At.Before(dateSent) {
		t.Errorf("third request at %v, before the Retry-After date %v", hits[2].At, dateSent)
	}
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		retries  string
		wantHits int
		want     string
	}{
		{"404 is not retried", 404, "", 1, "failed/http_404"},
		{"403 is not retried", 403, "", 1, "failed/http_403"},
		{"500 retried up to the limit", 500, "retries: 2", 3, "failed/http_500"},
		{"429 retried", 429, "retries: 1", 2, "failed/http_429"},
		{"408 retried", 408, "retries: 1", 2, "failed/http_408"},
		{"no retries", 503, "retries: -1", 1, "failed/http_503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, "p.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "no", tt.status)
			}))
			rec := &recorder{}
			c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
			src := articleSource(t, "p", "politeness: {min_delay: 1ms, ignore_robots: true}\nfetch: {backoff: 5ms, max_backoff: 20ms, "+tt.retries+"}\n", s.URL("/x"))
			sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.byURL(t)["/x"]; got != tt.want {
				t.Errorf("outcome %s, want %s", got, tt.want)
			}
			if got := len(s.Hits()); got != tt.wantHits {
				t.Errorf("%d requests, want %d", got, tt.wantHits)
			}
			if !errors.Is(rec.outcomes[0].Err, ErrHTTPStatus) || sum.Failed != 1 {
				t.Errorf("err %v, failed %d", rec.outcomes[0].Err, sum.Failed)
			}
		})
	}
}

func TestConnectionErrorsRetried(t *testing.T) {
	// A server that hangs up without answering twice, then answers.
	var n atomic.Int32
	s := newSite(t, "reset.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			hj, _ := w.(http.Hijacker)
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "ok")
	}))
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := articleSource(t, "r", "politeness: {min_delay: 1ms, ignore_robots: true}\nfetch: {backoff: 5ms, max_backoff: 10ms}\n", s.URL("/x"))
	if _, err := c.Run(t.Context(), []*source.Source{src}, rec); err != nil {
		t.Fatal(err)
	}
	if got := rec.byURL(t)["/x"]; got != "handled/handled" || rec.outcomes[0].Attempts != 3 {
		t.Errorf("outcome %s after %d attempts, want handled after 3", got, rec.outcomes[0].Attempts)
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s := newSite(t, "slow.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := articleSource(t, "s", "politeness: {min_delay: 1ms, ignore_robots: true}\nfetch: {header_timeout: 50ms, retries: 1, backoff: 5ms, max_backoff: 5ms}\n", s.URL("/x"))
	if _, err := c.Run(t.Context(), []*source.Source{src}, rec); err != nil {
		t.Fatal(err)
	}
	if got := rec.byURL(t)["/x"]; got != "failed/timeout" || len(s.Hits()) != 2 {
		t.Errorf("outcome %s with %d requests, want failed/timeout after 2", got, len(s.Hits()))
	}
}

// TestConditionalGet runs a feed twice with one Crawler: the second run
// sends the stored validators, gets 304 and ends as unchanged, and
// fetches nothing else.
func TestConditionalGet(t *testing.T) {
	for _, tc := range []struct{ name, validator string }{{"etag", "ETag"}, {"last-modified", "Last-Modified"}} {
		t.Run(tc.name, func(t *testing.T) {
			const etag = `"v1"`
			const lastMod = "Wed, 01 May 2024 08:00:00 GMT"
			mux := http.NewServeMux()
			mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
				if tc.validator == "ETag" {
					if r.Header.Get("If-None-Match") == etag {
						w.WriteHeader(http.StatusNotModified)
						return
					}
					w.Header().Set("ETag", etag)
				} else {
					if r.Header.Get("If-Modified-Since") == lastMod {
						w.WriteHeader(http.StatusNotModified)
						return
					}
					w.Header().Set("Last-Modified", lastMod)
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				fmt.Fprint(w, `<rss version="2.0"><channel><item><link>/a/1.html</link></item><item><link>/a/2.html</link></item></channel></rss>`)
			})
			mux.HandleFunc("/a/", func(w http.ResponseWriter, r *http.Request) { linkPage(w) })
			s := newSite(t, "feed.test", mux)
			rec := &recorder{}
			c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
			src := parseSource(t, "id: f\nseeds: [{url: %q, kind: feed}]\npoliteness: {min_delay: 1ms, ignore_robots: true}\n", s.URL("/feed.xml"))

			sum1, err := c.Run(t.Context(), []*source.Source{src}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if sum1.Handled != 2 {
				t.Fatalf("first run handled %d, want 2 (%v)", sum1.Handled, sum1.Reasons)
			}
			rec2 := &recorder{}
			c.opts.OnOutcome = rec2.onOutcome
			sum2, err := c.Run(t.Context(), []*source.Source{src}, rec2)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(map[string]string{"/feed.xml": "not_article/unchanged"}, rec2.byURL(t)); d != "" {
				t.Errorf("second run (-want +got):\n%s", d)
			}
			checkSummary(t, sum2, rec2)
			if d := cmp.Diff([]string{"/feed.xml", "/a/1.html", "/a/2.html", "/feed.xml"}, s.Paths()); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
			first, second := s.Hits()[0], s.Hits()[3]
			if first.Header.Get("If-None-Match")+first.Header.Get("If-Modified-Since") != "" {
				t.Error("first run sent validators")
			}
			if second.Header.Get("If-None-Match")+second.Header.Get("If-Modified-Since") == "" {
				t.Error("second run sent no validators")
			}
		})
	}
}

// TestCharsetBytesUntouched serves GBK and Big5 pages with and without
// charset declarations (and gzip-encoded): the handler gets exactly the
// bytes the server meant and its Content-Type header.
func TestCharsetBytesUntouched(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("<html><head><meta charset=\"gbk\"><title>梧州新闻</title></head><body><p>广西壮族自治区</p></body></html>")
	gbkBare, _ := simplifiedchinese.GBK.NewEncoder().String("<html><body><p>没有声明的简体页面</p></body></html>")
	big5, _ := traditionalchinese.Big5.NewEncoder().String("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=big5\"></head><body><p>臺灣新聞報導</p></body></html>")
	big5Bare, _ := traditionalchinese.Big5.NewEncoder().String("<html><body><p>沒有聲明的繁體頁面</p></body></html>")
	pages := map[string]struct {
		body, ct string
		gzip     bool
	}{
		"/gbk-declared.html":      {gbk, "text/html; charset=GBK", false},
		"/gbk-meta-only.html":     {gbk, "text/html", false},
		"/gbk-bare.html":          {gbkBare, "text/html", true},
		"/big5-declared.html":     {big5, "text/html; charset=big5", true},
		"/big5-bare.html":         {big5Bare, "text/html", false},
		"/utf8-wrong-header.html": {"<html><body><p>实际是UTF-8</p></body></html>", "text/html; charset=gb2312", false},
	}
	s := newSite(t, "charset.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", p.ct)
		if p.gzip && r.Header.Get("Accept-Encoding") == "gzip" {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write([]byte(p.body))
			_ = zw.Close()
			return
		}
		_, _ = w.Write([]byte(p.body))
	}))
	var urls []string
	for path := range pages {
		urls = append(urls, s.URL(path))
	}
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := articleSource(t, "cs", "politeness: {min_delay: 1ms, ignore_robots: true}\n", urls...)
	if _, err := c.Run(t.Context(), []*source.Source{src}, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.pages) != len(pages) {
		t.Fatalf("handled %d pages, want %d: %v", len(rec.pages), len(pages), rec.byURL(t))
	}
	for _, p := range rec.pages {
		path := p.URL[len(s.URL("")):]
		want := pages[path]
		if !bytes.Equal(p.Body, []byte(want.body)) {
			t.Errorf("%s: body differs from the served bytes (%d vs %d bytes)", path, len(p.Body), len(want.body))
		}
		if p.ContentType != want.ct {
			t.Errorf("%s: ContentType %q, want %q", path, p.ContentType, want.ct)
		}
		if p.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: Content-Encoding %q left on a decoded body", path, p.Header.Get("Content-Encoding"))
		}
	}
}

func TestSizeLimits(t *testing.T) {
	big := bytes.Repeat([]byte("新闻"), 1<<20) // 6 MiB
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 { // 256 MiB decompressed
		_, _ = zw.Write(zeros)
	}
	_ = zw.Close()
	if bomb.Len() > 1<<20 {
		t.Fatalf("bomb is %d bytes compressed", bomb.Len())
	}
	s := newSite(t, "big.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/declared":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = w.Write(big)
		case "/chunked":
			for i := 0; i < len(big); i += 64 << 10 {
				_, _ = w.Write(big[i : i+64<<10])
				w.(http.Flusher).Flush()
			}
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb.Bytes())
		case "/small-gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write(bytes.Repeat([]byte("a"), 1000))
			_ = zw.Close()
		case "/unknown-encoding":
			w.Header().Set("Content-Encoding", "br")
			_, _ = w.Write([]byte{1, 2, 3})
		}
	}))
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), nil)
	src := articleSource(t, "big", "politeness: {min_delay: 1ms, ignore_robots: true}\nfetch: {max_body: 1MiB}\n",
		s.URL("/declared"), s.URL("/chunked"), s.URL("/bomb"), s.URL("/small-gzip"), s.URL("/unknown-encoding"))

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/declared":         "failed/too_large",
		"/chunked":          "failed/too_large",
		"/bomb":             "failed/too_large",
		"/small-gzip":       "handled/handled",
		"/unknown-encoding": "failed/content_encoding",
	}
	if d := cmp.Diff(want, rec.byURL(t)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	checkSummary(t, sum, rec)
	for _, o := range rec.outcomes {
		if o.Reason == ReasonTooLarge && !errors.Is(o.Err, ErrTooLarge) {
			t.Errorf("%s: err %v does not wrap ErrTooLarge", o.Task.URL, o.Err)
		}
		// A declared Content-Length over the limit aborts before reading.
		if strings.HasSuffix(o.Task.URL, "/declared") && (o.Bytes != 0 || !strings.Contains(o.Err.Error(), "Content-Length")) {
			t.Errorf("/declared: read %d bytes, err %v; want an abort on the header", o.Bytes, o.Err)
		}
	}
	if len(rec.pages) != 1 || len(rec.pages[0].Body) != 1000 {
		t.Errorf("small gzip page not decoded: %d pages", len(rec.pages))
	}
	// The bomb (256 MiB) and the 6 MiB bodies were never held: the whole
	// run allocated far less than one of them.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("run allocated %d MiB; limits must bound memory", alloc>>20)
	}
}

func TestRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/loop/a", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop/b", http.StatusFound) })
	mux.HandleFunc("/loop/b", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop/a?utm_source=x", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/self", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/self#again", http.StatusFound) })
	mux.HandleFunc("/chain/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Path[len("/chain/"):])
		http.Redirect(w, r, "/chain/"+strconv.Itoa(n+1), http.StatusFound)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) { linkPage(w) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.test/", http.StatusFound)
	})
	s := newSite(t, "redir.test", mux)
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) { o.Workers = 1 })
	src := articleSource(t, "rd", "politeness: {min_delay: 1ms, ignore_robots: true}\nfetch: {max_redirects: 3}\n",
		s.URL("/loop/a"), s.URL("/self"), s.URL("/chain/0"), s.URL("/moved"), s.URL("/final"), s.URL("/away"))
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"/loop/a":  "failed/redirect_loop",
		"/self":    "failed/redirect_loop",
		"/chain/0": "failed/too_many_redirects",
		"/moved":   "handled/handled",
		"/final":   "skipped/duplicate", // already fetched through /moved
		"/away":    "skipped/out_of_scope",
	}
	if d := cmp.Diff(want, rec.byURL(t)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	checkSummary(t, sum, rec)
	if n := s.Count("/final"); n != 1 {
		t.Errorf("/final fetched %d times, want once", n)
	}
	if n := s.Count("/chain/3") + s.Count("/chain/4"); n != 1 {
		t.Errorf("chain followed past the limit: %v", s.Paths())
	}
	for _, p := range rec.pages {
		if p.URL != s.URL("/final") {
			t.Errorf("page URL %q, want the final URL", p.URL)
		}
	}
}

// TestSSRF checks the guard end to end: names resolving to private
// addresses, metadata and IPv4-mapped literals, and a redirect from an
// allowed host to a loopback address that is not allowed.
func TestSSRF(t *testing.T) {
	// target listens on 127.0.0.1; the allowed site on 127.0.0.2.
	target := newSite(t, "target.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { linkPage(w) }))
	allowed := newSiteOn(t, "127.0.0.2:0", "allowed.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-loopback":
			http.Redirect(w, r, "http://"+target.srv.Listener.Addr().String()+"/", http.StatusFound)
		case "/to-name":
			http.Redirect(w, r, target.URL("/"), http.StatusFound)
		default:
			linkPage(w)
		}
	}))
	_, tport, _ := net.SplitHostPort(target.host)
	res := resolverFor(map[string]string{"evil.test": "10.0.0.1", "mapped.test": "::ffff:127.0.0.1", "meta.test": "169.254.169.254"}, target, allowed)
	rec := &recorder{}
	c := newTestCrawler(t, rec, res, func(o *Options) {
		o.AllowNetworks = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	})
	// One source per host keeps every URL in scope.
	var srcs []*source.Source
	for i, u := range []string{
		allowed.URL("/ok"),
		allowed.URL("/to-loopback"),
		allowed.URL("/to-name"),
		"http://evil.test:" + tport + "/",
		"http://mapped.test:" + tport + "/",
		"http://[::ffff:127.0.0.1]:" + tport + "/",
		"http://169.254.169.254/latest/meta-data/",
		"http://meta.test/",
		"http://127.0.0.1:" + tport + "/",
	} {
		srcs = append(srcs, parseSource(t, "id: s%d\nseeds: [{url: %q, kind: article}]\nscope: {hosts: ['*.test', allowed.test, evil.test, mapped.test, meta.test, target.test, '127.0.0.1', '169.254.169.254', '::ffff:127.0.0.1']}\npoliteness: {min_delay: 1ms}\nfetch: {retries: -1}\n", i, u))
	}
	sum, err := c.Run(t.Context(), srcs, rec)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range rec.outcomes {
		got[o.Task.URL] = string(o.Kind) + "/" + o.Reason
		if o.Reason == ReasonBlockedAddress && !errors.Is(o.Err, ssrf.ErrBlocked) {
			t.Errorf("%s: err %v does not wrap ssrf.ErrBlocked", o.Task.URL, o.Err)
		}
	}
	want := map[string]string{
		allowed.URL("/ok"):                         "handled/handled",
		allowed.URL("/to-loopback"):                "skipped/blocked_address",
		allowed.URL("/to-name"):                    "skipped/blocked_address",
		"http://evil.test:" + tport + "/":          "skipped/blocked_address",
		"http://mapped.test:" + tport + "/":        "skipped/blocked_address",
		"http://[::ffff:127.0.0.1]:" + tport + "/": "skipped/blocked_address",
		"http://169.254.169.254/latest/meta-data/": "skipped/blocked_address",
		"http://meta.test/":                        "skipped/blocked_address",
		"http://127.0.0.1:" + tport + "/":          "skipped/blocked_address",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	checkSummary(t, sum, rec)
	if hits := target.Hits(); len(hits) != 0 {
		t.Errorf("the loopback target was reached: %v", target.Paths())
	}
}
