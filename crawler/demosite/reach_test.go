package demosite_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/demosite"
)

// TestManifestMatchesLinks walks the site like a crawler that obeys
// robots.txt (links within the site from "/", the robots Sitemap line,
// sitemaps and the RSS feed) and checks that the manifest lists exactly
// what is linked: every manifest page is reachable, and every reachable
// page is in the manifest.
func TestManifestMatchesLinks(t *testing.T) {
	s, srv := newSite(t, demosite.Options{SlowDelay: time.Millisecond})
	m := s.Manifest()
	base, _ := url.Parse(srv.URL + "/")
	c := rawClient(srv)
	noFetch := map[string]bool{}
	for _, sp := range m.Special {
		if sp.Outcome == demosite.OutcomeFailed {
			noFetch[sp.Path] = true // 404, loop, 12 MiB, gzip bomb: checked elsewhere
		}
	}
	found := map[string]bool{}
	fetched := map[string]bool{}
	queue := []string{"/", "/robots.txt"}
	add := func(from *url.URL, ref string) {
		u, err := from.Parse(ref)
		if err != nil || u.Host != base.Host || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		if strings.HasPrefix(u.Path, "/static/") {
			return // stylesheets
		}
		if !found[u.Path] {
			found[u.Path] = true
			queue = append(queue, u.Path)
		}
	}
	found["/"], found["/robots.txt"] = true, true
	sitemapRE := regexp.MustCompile(`(?m)^Sitemap: (\S+)$`)
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if strings.HasPrefix(p, m.DisallowPrefix) || noFetch[p] {
			continue
		}
		fetched[p] = true
		res, body := get(t, c, srv.URL+p)
		if res.StatusCode != 200 && !strings.HasSuffix(p, "/flaky.html") {
			t.Errorf("%s: status %d", p, res.StatusCode)
			continue
		}
		from := base.ResolveReference(&url.URL{Path: p})
		switch ct := res.Header.Get("Content-Type"); {
		case p == "/robots.txt":
			for _, sm := range sitemapRE.FindAllStringSubmatch(string(body), -1) {
				add(from, sm[1])
			}
		case ct == "application/x-gzip":
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			fallthrough
		case strings.Contains(ct, "xml"):
			for _, l := range locRE.FindAllStringSubmatch(string(body), -1) {
				add(from, l[1])
			}
		default:
			for _, h := range hrefRE.FindAllStringSubmatch(string(body), -1) {
				add(from, strings.ReplaceAll(h[1], "&amp;", "&"))
			}
		}
	}

	pat := regexp.MustCompile(m.ArticlePattern)
	var gotArticles, wantArticles, gotOther, wantOther []string
	for p := range found {
		if pat.MatchString(p) {
			gotArticles = append(gotArticles, p)
		} else {
			gotOther = append(gotOther, p)
		}
	}
	for _, a := range m.Articles {
		wantArticles = append(wantArticles, a.Path)
	}
	wantOther = append(wantOther, m.Robots)
	wantOther = append(wantOther, m.Listings...)
	wantOther = append(wantOther, m.Feeds...)
	wantOther = append(wantOther, m.Sitemaps...)
	wantOther = append(wantOther, m.Disallowed...)
	wantOther = append(wantOther, m.Other...)
	for _, sp := range m.Special {
		if !pat.MatchString(sp.Path) {
			wantOther = append(wantOther, sp.Path)
		}
	}
	for _, l := range [][]string{gotArticles, wantArticles, gotOther, wantOther} {
		slices.Sort(l)
	}
	if diff := cmp.Diff(wantArticles, gotArticles); diff != "" {
		t.Errorf("article-pattern pages (-manifest +linked):\n%s", diff)
	}
	if diff := cmp.Diff(wantOther, gotOther); diff != "" {
		t.Errorf("other pages (-manifest +linked):\n%s", diff)
	}
	for _, p := range m.Disallowed {
		if n := s.RequestCount(p); n != 0 {
			t.Errorf("%s fetched %d times despite robots.txt", p, n)
		}
	}
}

// TestListingsLinkEveryArticle checks that the HTML listings alone (no
// sitemap, no feed) reach every genuine article.
func TestListingsLinkEveryArticle(t *testing.T) {
	s, srv := newSite(t, demosite.Options{})
	m := s.Manifest()
	linked := map[string]bool{}
	for _, l := range m.Listings {
		_, body := get(t, srv.Client(), srv.URL+l)
		for _, h := range hrefRE.FindAllStringSubmatch(string(body), -1) {
			linked[h[1]] = true
		}
	}
	for _, a := range m.Articles {
		if a.Kind == demosite.KindArticle && !linked[a.Path] {
			t.Errorf("%s is on no listing page", a.Path)
		}
		if a.Kind == demosite.KindSpamPage && linked[a.Path] {
			t.Errorf("spam page %s is on a listing page", a.Path)
		}
	}
}
