package demosite_test

import (
	"bytes"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"winnow/crawler/demosite"
)

// newSite starts the demo site on an httptest server.
func newSite(t testing.TB, opts demosite.Options) (*demosite.Site, *httptest.Server) {
	t.Helper()
	s := demosite.New(opts)
	if err := s.Err(); err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv
}

// rawClient follows no redirects and does not inflate gzip.
func rawClient(srv *httptest.Server) *http.Client {
	return &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// get fetches a path and returns the response and its body.
func get(t testing.TB, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", url, err)
	}
	return res, b
}

// decode turns page bytes into UTF-8 by the manifest's charset.
func decode(t testing.TB, b []byte, charset string) string {
	t.Helper()
	var out []byte
	var err error
	switch charset {
	case "utf-8":
		if !utf8.Valid(b) {
			t.Fatalf("page declared utf-8 is not valid UTF-8")
		}
		return string(b)
	case "gbk":
		out, err = simplifiedchinese.GBK.NewDecoder().Bytes(b)
	case "big5":
		out, err = traditionalchinese.Big5.NewDecoder().Bytes(b)
	default:
		t.Fatalf("unknown charset %q", charset)
	}
	if err != nil {
		t.Fatalf("decode %s: %v", charset, err)
	}
	if bytes.ContainsRune(out, utf8.RuneError) {
		t.Fatalf("decode %s: replacement characters in the output", charset)
	}
	return string(out)
}

var (
	tagRE  = regexp.MustCompile(`<[^>]*>`)
	hrefRE = regexp.MustCompile(`href="([^"]*)"`)
	locRE  = regexp.MustCompile(`<(?:loc|link)>([^<]*)</(?:loc|link)>`)
)

// pageText is the page's text: tags removed, entities resolved.
func pageText(page string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(page, ""))
}

// firstMatch returns the unescaped first group of re in s.
func firstMatch(re *regexp.Regexp, s string) string {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return html.UnescapeString(strings.TrimSpace(tagRE.ReplaceAllString(m[1], "")))
}

// headlineRE finds the genuine headline of each article template.
var headlineRE = map[string]*regexp.Regexp{
	demosite.TemplateModern: regexp.MustCompile(`<h1 class="article-title">(.*?)</h1>`),
	demosite.TemplateTable:  regexp.MustCompile(`<td class="title" align="center">(.*?)</td>`),
	demosite.TemplateGov:    regexp.MustCompile(`<h1>(.*?)</h1>`),
	demosite.TemplateHant:   regexp.MustCompile(`<h1>(.*?)</h1>`),
	demosite.TemplateSpam:   regexp.MustCompile(`<h1>(.*?)</h1>`),
}

var titleRE = regexp.MustCompile(`<title>(.*?)</title>`)
