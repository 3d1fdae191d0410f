package demosite_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/demosite"
)

var relatedRE = regexp.MustCompile(`(?s)<div class="related">.*?</ul>`)

func TestLinkDensePages(t *testing.T) {
	tests := []struct {
		name               string
		pages, size, links int
		wantExact          bool
		layout             demosite.Layout
	}{
		{"defaults-like", 400, 30 << 10, 50, true, demosite.LayoutArticleText},
		{"small pages", 300, 8000, 20, true, demosite.LayoutArticleText},
		{"links do not fit", 100, 1000, 40, false, demosite.LayoutArticleText},
		{"portal", 400, 30 << 10, 50, true, demosite.LayoutPortal},
		{"portal small pages", 300, 16000, 20, true, demosite.LayoutPortal},
		{"portal links do not fit", 100, 4000, 40, false, demosite.LayoutPortal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := demosite.NewLinkDense(demosite.Options{Pages: tt.pages, PageBytes: tt.size, LinksPerPage: tt.links, Layout: tt.layout})
			m := d.Manifest()
			if len(m.Pages) != tt.pages || m.PageBytes != tt.size || m.LinksPerPage != tt.links {
				t.Fatalf("manifest: %d pages, %d bytes, %d links", len(m.Pages), m.PageBytes, m.LinksPerPage)
			}
			pat := regexp.MustCompile(m.ArticlePattern)
			variants := map[string]int{}
			for n, p := range m.Pages {
				if !pat.MatchString(p.Path) {
					t.Fatalf("page %d path %s does not match %s", n, p.Path, m.ArticlePattern)
				}
				rec := httptest.NewRecorder()
				d.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), "GET", p.Path, nil))
				body := rec.Body.String()
				if rec.Code != 200 || rec.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
					t.Fatalf("page %d: status %d, Content-Length %q for %d bytes", n, rec.Code, rec.Header().Get("Content-Length"), len(body))
				}
				if tt.wantExact && len(body) != tt.size {
					t.Errorf("page %d is %d bytes, want %d", n, len(body), tt.size)
				}
				if !tt.wantExact && len(body) < tt.size {
					t.Errorf("page %d is %d bytes, want at least %d", n, len(body), tt.size)
				}
				related := relatedRE.FindString(body)
				hrefs := hrefRE.FindAllStringSubmatch(related, -1)
				if len(hrefs) != tt.links {
					t.Errorf("page %d has %d links, want %d", n, len(hrefs), tt.links)
				}
				for i, h := range hrefs {
					u, err := url.Parse(strings.ReplaceAll(h[1], "&amp;", "&"))
					if err != nil || !pat.MatchString(u.Path) {
						t.Errorf("page %d link %q: %v", n, h[1], err)
						continue
					}
					switch {
					case u.RawQuery != "":
						variants["tracking"]++
					case u.Fragment != "":
						variants["fragment"]++
					case u.Path == p.Path:
						variants["self"]++
					case i > 0 && hrefs[i-1][1] == h[1]:
						variants["duplicate"]++
					}
				}
			}
			for _, v := range []string{"tracking", "fragment", "self", "duplicate"} {
				if variants[v] < tt.pages {
					t.Errorf("%s links: %d over %d pages", v, variants[v], tt.pages)
				}
			}
			if fetched, dups := d.Fetched(); fetched != tt.pages || dups != 0 {
				t.Errorf("Fetched() = %d, %d; want %d, 0", fetched, dups, tt.pages)
			}
		})
	}
}

func TestLinkDenseHosts(t *testing.T) {
	d := demosite.NewLinkDense(demosite.Options{Pages: 10, PageBytes: 4000, LinksPerPage: 6, Hosts: []string{"a.test", "B.test:8080"}})
	m := d.Manifest()
	if diff := cmp.Diff([]string{"a.test", "b.test:8080"}, m.Hosts); diff != "" {
		t.Errorf("hosts (-want +got):\n%s", diff)
	}
	tests := []struct {
		host, path string
		status     int
	}{
		{"a.test", d.Path(0), 200},
		{"b.test:8080", d.Path(1), 200},
		{"B.TEST:8080", d.Path(3), 200},
		{"a.test", d.Path(1), 404},
		{"c.test", d.Path(0), 404},
		{"c.test", "/", 404},
		{"a.test", "/", 200},
		{"b.test:8080", "/robots.txt", 200},
		{"a.test", "/news/bench/2026-10/02/p000000.html", 404},
		{"a.test", "/news/bench/2026-10/01/p000010.html", 404},
		{"a.test", "/news/bench/2026-10/01/p00000.html", 404},
	}
	for _, tt := range tests {
		req := httptest.NewRequestWithContext(context.Background(), "GET", tt.path, nil)
		req.Host = tt.host
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("%s%s: status %d, want %d", tt.host, tt.path, rec.Code, tt.status)
		}
	}
	req := httptest.NewRequestWithContext(context.Background(), "GET", d.Path(0), nil)
	req.Host = "a.test"
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `href="//b.test:8080`+d.Path(1)+`"`) {
		t.Errorf("page 0 does not link page 1 on the other host")
	}
	if got := d.Fetches(0); got != 2 {
		t.Errorf("Fetches(0) = %d, want 2", got)
	}
}

// TestLinkDenseCrawl crawls a two-host link-dense site from its entry
// pages with URL canonicalization and checks every page is served once.
func TestLinkDenseCrawl(t *testing.T) {
	hosts := []string{"a.test", "b.test"}
	d := demosite.NewLinkDense(demosite.Options{Pages: 300, PageBytes: 6000, LinksPerPage: 12, Hosts: hosts})
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, network, addr) // every host is the test server
	}}}
	seen := map[string]bool{}
	var queue []*url.URL
	for _, h := range hosts {
		u := &url.URL{Scheme: "http", Host: h, Path: "/"}
		seen[u.String()] = true
		queue = append(queue, u)
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		res, body := get(t, c, u.String())
		if res.StatusCode != 200 {
			t.Fatalf("%s: status %d", u, res.StatusCode)
		}
		for _, h := range hrefRE.FindAllStringSubmatch(string(body), -1) {
			v, err := u.Parse(strings.ReplaceAll(h[1], "&amp;", "&"))
			if err != nil {
				t.Fatal(err)
			}
			v.RawQuery, v.Fragment = "", "" // canonicalize
			if !seen[v.String()] {
				seen[v.String()] = true
				queue = append(queue, v)
			}
		}
	}
	fetched, dups := d.Fetched()
	if fetched != 300 || dups != 0 {
		t.Errorf("fetched %d pages, %d more than once; want 300, 0", fetched, dups)
	}
	if got := d.OtherRequests(); got != 2 {
		t.Errorf("OtherRequests = %d, want 2 (the entry pages)", got)
	}
}

func TestLinkDenseDeterministic(t *testing.T) {
	a := demosite.NewLinkDense(demosite.Options{Pages: 50})
	b := demosite.NewLinkDense(demosite.Options{Pages: 50})
	for _, n := range []int{0, 7, 49} {
		ra, rb := httptest.NewRecorder(), httptest.NewRecorder()
		a.ServeHTTP(ra, httptest.NewRequestWithContext(context.Background(), "GET", a.Path(n), nil))
		b.ServeHTTP(rb, httptest.NewRequestWithContext(context.Background(), "GET", b.Path(n), nil))
		if ra.Body.String() != rb.Body.String() || ra.Body.Len() != demosite.DefaultPageBytes {
			t.Errorf("page %d: %d and %d bytes, equal %v", n, ra.Body.Len(), rb.Body.Len(), ra.Body.String() == rb.Body.String())
		}
	}
}

// TestLinkDensePortal checks what makes the portal layout realistic: the
// shares of scripts and visible text, the number of links, channel pages
// that answer, and outside links that stay outside.
func TestLinkDensePortal(t *testing.T) {
	text := demosite.NewLinkDense(demosite.Options{Pages: 10})
	rec := httptest.NewRecorder()
	text.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), "GET", "/channel/local/", nil))
	if rec.Code != 404 {
		t.Errorf("article-text layout serves a channel page: status %d", rec.Code)
	}
	d := demosite.NewLinkDense(demosite.Options{Pages: 1000, Layout: demosite.LayoutPortal})
	rawRE := regexp.MustCompile(`(?is)<(script|style)[^>]*>.*?</(script|style)>`)
	tagRE := regexp.MustCompile(`(?s)<[^>]+>`)
	spaceRE := regexp.MustCompile(`\s+`)
	for _, n := range []int{0, 1, 500, 999} {
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), "GET", d.Path(n), nil))
		page := rec.Body.String()
		if len(page) != demosite.DefaultPageBytes {
			t.Fatalf("page %d is %d bytes", n, len(page))
		}
		withoutRaw := rawRE.ReplaceAllString(page, "")
		text := spaceRE.ReplaceAllString(tagRE.ReplaceAllString(withoutRaw, " "), " ")
		rawShare := 1 - float64(len(withoutRaw))/float64(len(page))
		textShare := float64(len(text)) / float64(len(page))
		links := strings.Count(page, "<a ")
		if rawShare < 0.25 || rawShare > 0.5 || textShare < 0.2 || textShare > 0.35 || links < 90 {
			t.Errorf("page %d: scripts and styles %.2f, visible text %.2f, %d links; want 0.25-0.5, 0.2-0.35, >= 90",
				n, rawShare, textShare, links)
		}
		for _, h := range hrefRE.FindAllStringSubmatch(withoutRaw, -1) {
			u, err := url.Parse(strings.ReplaceAll(h[1], "&amp;", "&"))
			if err != nil {
				t.Fatalf("page %d link %q: %v", n, h[1], err)
			}
			if u.Host != "" || u.Scheme == "javascript" {
				continue // partner sites and share buttons
			}
			if !strings.HasPrefix(u.Path, "/channel/") {
				continue
			}
			res := httptest.NewRecorder()
			d.ServeHTTP(res, httptest.NewRequestWithContext(context.Background(), "GET", u.Path, nil))
			if res.Code != 200 || !strings.Contains(res.Body.String(), `href="/news/bench/`) {
				t.Errorf("channel page %s: status %d, no article links", u.Path, res.Code)
			}
		}
	}
}
