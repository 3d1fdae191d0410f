package crawler

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"winnow/crawler/source"
	"winnow/crawler/ssrf"
)

// hit is one request a test server saw.
type hit struct {
	Path   string // path?query
	At     time.Time
	Header http.Header
}

// site is a test web server reachable under a fake host name that the
// test resolver maps to its loopback address. It records every request
// and the highest number of requests it served at once.
type site struct {
	t    testing.TB
	srv  *httptest.Server
	name string // host name, e.g. "news.test"
	host string // name:port

	mu          sync.Mutex
	hits        []hit
	inflight    int
	maxInflight int
}

// newSite starts a server on 127.0.0.1 serving h.
func newSite(t testing.TB, name string, h http.Handler) *site {
	t.Helper()
	return newSiteOn(t, "127.0.0.1:0", name, h)
}

func newSiteOn(t testing.TB, addr, name string, h http.Handler) *site {
	t.Helper()
	s := &site{t: t, name: name}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, hit{Path: r.URL.RequestURI(), At: time.Now(), Header: r.Header.Clone()})
		s.inflight++
		s.maxInflight = max(s.maxInflight, s.inflight)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inflight--
			s.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	}))
	s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s.host = name + ":" + port
	return s
}

// URL returns http://name:port + path.
func (s *site) URL(path string) string { return "http://" + s.host + path }

// Hits returns a copy of the recorded requests.
func (s *site) Hits() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hits)
}

// Paths returns the requested paths in order.
func (s *site) Paths() []string {
	var out []string
	for _, h := range s.Hits() {
		out = append(out, h.Path)
	}
	return out
}

// Count returns how often path was requested.
func (s *site) Count(path string) int {
	n := 0
	for _, h := range s.Hits() {
		if h.Path == path {
			n++
		}
	}
	return n
}

// MaxInflight returns the highest concurrency the server saw.
func (s *site) MaxInflight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInflight
}

// testResolver maps host names to addresses.
type testResolver map[string]string

func (r testResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// resolverFor maps each site's name to its listener's address, plus extra
// names.
func resolverFor(extra map[string]string, sites ...*site) ssrf.Resolver {
	r := testResolver{}
	for _, s := range sites {
		ip, _, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
		r[s.name] = ip
	}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// recorder collects outcomes and handled pages.
type recorder struct {
	mu       sync.Mutex
	outcomes []Outcome
	pages    []Page
}

func (r *recorder) onOutcome(o Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes = append(r.outcomes, o)
}

func (r *recorder) HandlePage(_ context.Context, p *Page) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := *p
	cp.Body = slices.Clone(p.Body)
	cp.Header = p.Header.Clone()
	r.pages = append(r.pages, cp)
	return nil
}

// byURL maps each task URL's path?query (host dropped) to "kind/reason".
func (r *recorder) byURL(t *testing.T) map[string]string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for _, o := range r.outcomes {
		key := o.Task.URL
		if i := strings.Index(key, "://"); i >= 0 {
			if j := strings.IndexByte(key[i+3:], '/'); j >= 0 {
				key = key[i+3+j:]
			}
		}
		if prev, dup := out[key]; dup {
			t.Errorf("two outcomes for %s: %s and %s/%s", o.Task.URL, prev, o.Kind, o.Reason)
		}
		out[key] = string(o.Kind) + "/" + o.Reason
	}
	return out
}

// parseSource builds a validated source from YAML.
func parseSource(t testing.TB, yaml string, args ...any) *source.Source {
	t.Helper()
	src, err := source.Parse("test.yaml", []byte(fmt.Sprintf(yaml, args...)), nil)
	if err != nil {
		t.Fatalf("source: %v\n%s", err, fmt.Sprintf(yaml, args...))
	}
	return src
}

// newTestCrawler returns a crawler allowed to reach loopback, resolving
// names with res, recording outcomes into rec.
func newTestCrawler(t testing.TB, rec *recorder, res ssrf.Resolver, mod func(*Options)) *Crawler {
	t.Helper()
	opts := Options{AllowNetworks: loopback, Resolver: res, Workers: 4}
	if rec != nil {
		opts.OnOutcome = rec.onOutcome
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// checkSummary verifies the reconciliation rules against the recorded
// outcomes.
func checkSummary(t *testing.T, sum Summary, rec *recorder) {
	t.Helper()
	if sum.Fetched != sum.Handled+sum.NotArticle+sum.Failed {
		t.Errorf("fetched %d != handled %d + not_article %d + failed %d", sum.Fetched, sum.Handled, sum.NotArticle, sum.Failed)
	}
	rec.mu.Lock()
	n := len(rec.outcomes)
	rec.mu.Unlock()
	if n != sum.Fetched+sum.Skipped {
		t.Errorf("%d outcomes reported, summary counts %d fetched + %d skipped", n, sum.Fetched, sum.Skipped)
	}
	total := 0
	for _, v := range sum.Reasons {
		total += v
	}
	if total != n {
		t.Errorf("reasons add up to %d, want %d", total, n)
	}
}

// waitGoroutines waits until the number of goroutines is back to at most
// base, or fails with a dump after a while.
func waitGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), base, buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
