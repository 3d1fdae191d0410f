package robots

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const robotsFile = `# test
User-agent: *
Disallow: /private/
Allow: /private/open.html
Crawl-delay: 2

User-agent: winnow
Disallow: /no-winnow/
Disallow: /search?
Crawl-delay: 0.5

Sitemap: https://news.example.cn/sitemap.xml
Sitemap: https://news.example.cn/news-sitemap.xml.gz
`

func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRulesFromFile(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/robots.txt" || r.Header.Get("User-Agent") != "winnow/1" {
			http.Error(w, "bad request", 400)
			return
		}
		_, _ = w.Write([]byte(robotsFile))
	})
	c := NewCache(srv.Client(), Options{})
	r, err := c.Get(t.Context(), srv.URL, "winnow/1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusOK {
		t.Fatalf("status %s (%v)", r.Status, r.Err)
	}
	got := map[string]bool{}
	for _, p := range []string{"/", "/private/x.html", "/no-winnow/a", "/search?q=1", "/search", "/a?b"} {
		got["winnow/1 "+p] = r.Allowed("winnow/1", p)
	}
	for _, p := range []string{"/private/x.html", "/private/open.html", "/no-winnow/a"} {
		got["other "+p] = r.Allowed("otherbot/2", p)
	}
	want := map[string]bool{
		"winnow/1 /": true, "winnow/1 /private/x.html": true, // its own group replaces *
		"winnow/1 /no-winnow/a": false, "winnow/1 /search?q=1": false,
		"winnow/1 /search": true, "winnow/1 /a?b": true,
		"other /private/x.html": false, "other /private/open.html": true, "other /no-winnow/a": true,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Allowed (-want +got):\n%s", d)
	}
	if d := r.CrawlDelay("winnow/1"); d != 500*time.Millisecond {
		t.Errorf("CrawlDelay(winnow) = %v, want 500ms", d)
	}
	if d := r.CrawlDelay("otherbot"); d != 2*time.Second {
		t.Errorf("CrawlDelay(other) = %v, want 2s", d)
	}
	wantSM := []string{"https://news.example.cn/sitemap.xml", "https://news.example.cn/news-sitemap.xml.gz"}
	if d := cmp.Diff(wantSM, r.Sitemaps()); d != "" {
		t.Errorf("Sitemaps (-want +got):\n%s", d)
	}
}

func TestStatusMapping(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    Status
		allowed bool
	}{
		{"404 allows all", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, StatusMissing, true},
		{"403 allows all", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 403) }, StatusMissing, true},
		{"503 disallows all", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) }, StatusUnavailable, false},
		{"429 disallows all", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow", 429) }, StatusUnavailable, false},
		{"empty file allows all", func(w http.ResponseWriter, r *http.Request) {}, StatusOK, true},
		{"redirect loop is missing", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/robots.txt", http.StatusFound)
		}, StatusMissing, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := server(t, tt.handler)
			client := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return http.ErrUseLastResponse
				}
				return nil
			}}
			c := NewCache(client, Options{})
			r, err := c.Get(t.Context(), srv.URL, "winnow/1", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.want || r.Allowed("winnow/1", "/a.html") != tt.allowed {
				t.Errorf("status %s allowed %v; want %s %v", r.Status, r.Allowed("winnow/1", "/a.html"), tt.want, tt.allowed)
			}
		})
	}
}

func TestUnreachableIsUnavailableWithShortTTL(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {})
	url := srv.URL
	srv.Close() // nothing listens any more
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	c := NewCache(http.DefaultClient, Options{ErrorTTL: time.Minute, Now: func() time.Time { return now }})
	r, err := c.Get(t.Context(), url, "winnow/1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusUnavailable || r.Err == nil || r.Allowed("winnow/1", "/") {
		t.Fatalf("got %+v, want unavailable with an error, disallowing", r)
	}
	if got := r.Expires.Sub(now); got != time.Minute {
		t.Errorf("unavailable entry lives %v, want ErrorTTL 1m", got)
	}
}

func TestCacheTTLAndSingleFetch(t *testing.T) {
	release := make(chan struct{})
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /x\n"))
	})
	var mu sync.Mutex
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := NewCache(srv.Client(), Options{Now: clock})

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, err := c.Get(t.Context(), srv.URL, "winnow/1", time.Hour); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond) // let the callers pile up on one fetch
	close(release)
	wg.Wait()
	if got := n.Load(); got != 1 {
		t.Fatalf("%d fetches for 10 concurrent callers, want 1", got)
	}
	if _, ok := c.Cached(srv.URL); !ok {
		t.Fatal("not cached after Get")
	}
	mu.Lock()
	now = now.Add(59 * time.Minute)
	mu.Unlock()
	_, _ = c.Get(t.Context(), srv.URL, "winnow/1", time.Hour)
	if got := n.Load(); got != 1 {
		t.Fatalf("refetched before the TTL: %d fetches", got)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if _, ok := c.Cached(srv.URL); ok {
		t.Fatal("Cached returned an expired entry")
	}
	_, _ = c.Get(t.Context(), srv.URL, "winnow/1", time.Hour)
	if got := n.Load(); got != 2 {
		t.Fatalf("%d fetches after the TTL, want 2", got)
	}
}

func TestGetCanceled(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	c := NewCache(srv.Client(), Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, srv.URL, "winnow/1", 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if _, ok := c.Cached(srv.URL); ok {
		t.Fatal("a canceled fetch was cached")
	}
}
