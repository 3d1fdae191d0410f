package source

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestInScope(t *testing.T) {
	s, err := Parse("s.yaml", []byte(`
id: s
seeds: [{url: 'https://www.example.com/'}]
scope:
  hosts:
    - www.example.com
    - '*.news.example.com'
    - 'static.example.com:8443'
    - 10.1.2.3
    - '[::1]:8080'
    - 例子.中国
  deny: ['^/private/', 'print=1']
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url    string
		ok     bool
		reason string
	}{
		{"https://www.example.com/a.html", true, ""},
		{"http://WWW.Example.COM./a.html", true, ""}, // case and trailing dot
		{"https://www.example.com:444/a.html", true, ""},
		{"https://example.com/", false, ReasonHost},       // apex is not www
		{"https://a.news.example.com/x", true, ""},        // wildcard sub-domain
		{"https://a.b.news.example.com/x", true, ""},      // deeper sub-domain
		{"https://news.example.com/x", false, ReasonHost}, // wildcard excludes the apex
		{"https://evilnews.example.com/x", false, ReasonHost},
		{"https://news.example.com.evil.org/x", false, ReasonHost},
		{"https://static.example.com:8443/x", true, ""},
		{"https://static.example.com/x", false, ReasonHost}, // port 443 != 8443
		{"http://10.1.2.3/x", true, ""},
		{"http://[::1]:8080/x", true, ""},
		{"http://[::1]:8081/x", false, ReasonHost},
		{"http://xn--fsqu00a.xn--fiqs8s/x", true, ""}, // 例子.中国 in ASCII
		{"http://例子.中国/x", true, ""},
		{"ftp://www.example.com/x", false, ReasonScheme},
		{"mailto:a@www.example.com", false, ReasonScheme},
		{"https://www.example.com/private/x", false, ReasonDenied},
		{"https://www.example.com/a.html?print=1", false, ReasonDenied}, // deny sees path?query
		{"https://www.example.com/%70rivate/x", true, ""},               // escaped path is matched as written
	}
	for _, tt := range tests {
		ok, reason := s.Scope.InScope(mustURL(t, tt.url))
		if ok != tt.ok || reason != tt.reason {
			t.Errorf("InScope(%s) = %v, %q; want %v, %q", tt.url, ok, reason, tt.ok, tt.reason)
		}
	}
	if ok, reason := s.Scope.InScope(nil); ok || reason != ReasonScheme {
		t.Errorf("InScope(nil) = %v, %q", ok, reason)
	}
	want := []string{"www.example.com", "*.news.example.com", "static.example.com:8443", "10.1.2.3", "[::1]:8080", "xn--fsqu00a.xn--fiqs8s"}
	if diff := cmp.Diff(want, s.Scope.HostPatterns()); diff != "" {
		t.Errorf("HostPatterns (-want +got):\n%s", diff)
	}
}

func TestInScopeDefaultsToSeedHosts(t *testing.T) {
	s, err := Parse("s.yaml", []byte(`
id: s
seeds:
  - url: http://127.0.0.1:8080/
  - url: https://news.example.com/feed.xml
    kind: feed
  - url: https://news.example.com/sitemap.xml
    kind: sitemap
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"127.0.0.1:8080", "news.example.com"}, s.Scope.HostPatterns()); diff != "" {
		t.Errorf("HostPatterns (-want +got):\n%s", diff)
	}
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080/news/":      true,
		"http://127.0.0.1:8081/news/":      false, // the seed named its port
		"http://localhost:8080/":           false,
		"https://news.example.com/a":       true,
		"http://news.example.com:8080/a":   true, // the seed named no port: any port
		"https://www.news.example.com/a":   false,
		"https://other.example.com/a.html": false,
	} {
		if ok, _ := s.Scope.InScope(mustURL(t, raw)); ok != want {
			t.Errorf("InScope(%s) = %v, want %v", raw, ok, want)
		}
	}
}

func TestIsArticle(t *testing.T) {
	sc := Scope{ArticlePattern: `^/news/\d+\.html$|^/show\?id=\d+$`}
	if err := (&Source{ID: "x", Seeds: []Seed{{URL: "http://a.example/"}}, Scope: sc}).Validate(); err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]bool{
		"http://a.example/news/12.html":           true,
		"http://a.example/news/12.html?utm_src=x": true, // the path alone matches
		"http://a.example/show?id=7":              true, // path?query matches
		"http://a.example/show?id=x":              false,
		"http://a.example/":                       false,
	} {
		if got := sc.IsArticle(mustURL(t, raw)); got != want {
			t.Errorf("IsArticle(%s) = %v, want %v", raw, got, want)
		}
	}
	if !(&Scope{}).IsArticle(mustURL(t, "http://a.example/anything")) {
		t.Error("with no article_pattern every page may be an article")
	}
	if (&Scope{}).IsArticle(nil) {
		t.Error("IsArticle(nil) = true")
	}
}

// TestUnvalidatedScope: a Scope built in Go works without Validate (slowly)
// and fails closed on hosts.
func TestUnvalidatedScope(t *testing.T) {
	sc := &Scope{Hosts: []string{"*.example.com"}, Deny: []string{"^/x"}, ArticlePattern: `^/a/`}
	u := mustURL(t, "http://www.example.com/a/1")
	if ok, _ := sc.InScope(u); !ok || !sc.IsArticle(u) {
		t.Errorf("unvalidated scope: InScope=%v IsArticle=%v", ok, sc.IsArticle(u))
	}
	if ok, reason := sc.InScope(mustURL(t, "http://www.example.com/x")); ok || reason != ReasonDenied {
		t.Errorf("deny on unvalidated scope: %v %q", ok, reason)
	}
	if ok, reason := (&Scope{}).InScope(u); ok || reason != ReasonHost {
		t.Errorf("empty unvalidated scope: %v %q", ok, reason)
	}
}

func TestParseHostPattern(t *testing.T) {
	tests := []struct {
		in, want string // want "" means error
	}{
		{"Example.COM", "example.com"},
		{"example.com.", "example.com"},
		{"*.example.com", "*.example.com"},
		{"example.com:8080", "example.com:8080"},
		{"example.com:080", "example.com:80"},
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{"::1", "[::1]"},
		{"[::1]", "[::1]"},
		{"[::ffff:10.0.0.1]:80", "10.0.0.1:80"},
		{"[fe80::1%eth0]", ""},
		{"my_host.example", "my_host.example"},
		{"", ""},
		{"*", ""},
		{"*.", ""},
		{"*.*.example.com", ""},
		{"example.com:", ""},
		{"example.com:http", ""},
		{"-bad.example", ""},
		{"a..b", ""},
		{"http://example.com", ""},
	}
	for _, tt := range tests {
		p, err := parseHostPattern(tt.in)
		got := ""
		if err == nil {
			got = p.String()
		}
		if got != tt.want {
			t.Errorf("parseHostPattern(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
