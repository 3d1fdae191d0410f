package discover

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestParseGolden parses every testdata/*.xml and compares the result with
// testdata/NAME.golden.json (go test -update rewrites them).
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(bytes.NewReader(data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".xml") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if d := cmp.Diff(string(want), string(got)); d != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", golden, d)
			}
		})
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseFormats(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want *Result
	}{
		{"rss", read("rss.xml"), &Result{Format: FormatRSS, Entries: []Entry{
			{URL: "https://news.example.cn/local/2024/0501/a1001.html?utm_source=rss", Title: "市区新增三条公交线路 方便市民出行", Published: mustTime("2024-05-01T08:30:00+08:00")},
			{URL: "https://news.example.cn/local/2024/0502/a1002.html", Title: "夏季防汛工作部署会召开", Published: mustTime("2024-05-02T09:15:00+08:00")},
			{URL: "/local/2024/0503/a1004.html", Title: "相对链接", Published: mustTime("2024-05-03T10:00:00Z")},
		}}},
		{"atom", read("atom.xml"), &Result{Format: FormatAtom, Entries: []Entry{
			{URL: "https://hk.example.com/news/2001", Title: "政府公布新一輪消費券計劃", Published: mustTime("2024-05-02T10:00:00+08:00"), Modified: mustTime("2024-05-02T11:00:00+08:00")},
			{URL: "https://hk.example.com/news/2002", Title: "天文台發出黃色暴雨警告", Modified: mustTime("2024-05-02T11:30:00+08:00")},
		}}},
		{"news sitemap", read("news-sitemap.xml"), &Result{Format: FormatURLSet, Entries: []Entry{
			{URL: "https://news.example.cn/politics/2024/0501/c3001.html", Title: "全市重点项目集中开工", Published: mustTime("2024-05-01T07:00:00+08:00")},
			{URL: "https://news.example.cn/politics/2024/0430/c3000.html", Modified: mustTime("2024-04-30T00:00:00Z")},
		}}},
		{"sitemap index", read("sitemap-index.xml"), &Result{Format: FormatSitemapIndex, Sitemaps: []Entry{
			{URL: "https://news.example.cn/sitemap-news.xml", Modified: mustTime("2024-05-01T08:00:00+08:00")},
			{URL: "https://news.example.cn/sitemap-2024-04.xml.gz"},
		}}},
		{"rdf", []byte(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
			<channel rdf:about="https://a.example/"><link>https://a.example/</link></channel>
			<item rdf:about="https://a.example/1"><title>一</title><link>https://a.example/1</link></item>
			<item rdf:about="https://a.example/2"><title>二</title></item></rdf:RDF>`),
			&Result{Format: FormatRDF, Entries: []Entry{{URL: "https://a.example/1", Title: "一"}, {URL: "https://a.example/2", Title: "二"}}}},
		{"unterminated rss keeps items", []byte(`<rss><channel><item><link>https://a.example/1</link></item><item><link>https://a.example/2</link>`),
			&Result{Format: FormatRSS, Entries: []Entry{{URL: "https://a.example/1"}, {URL: "https://a.example/2"}}}},
		{"html entities in feed", []byte(`<rss><channel><item><title>A&nbsp;B &amp; C</title><link>https://a.example/?a=1&amp;b=2</link></item></channel></rss>`),
			&Result{Format: FormatRSS, Entries: []Entry{{URL: "https://a.example/?a=1&b=2", Title: "A\u00a0B & C"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(bytes.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseGBKFeed(t *testing.T) {
	src := `<?xml version="1.0" encoding="gbk"?><rss version="2.0"><channel><item><title>广西新闻网：今日要闻</title><link>http://gx.example.cn/news/1.shtml</link></item></channel></rss>`
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	if utf8.ValidString(gbk) {
		t.Fatal("fixture is not GBK")
	}
	got, err := Parse(strings.NewReader(gbk), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{URL: "http://gx.example.cn/news/1.shtml", Title: "广西新闻网：今日要闻"}}
	if d := cmp.Diff(want, got.Entries); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseGzipSitemap(t *testing.T) {
	plain, err := os.ReadFile("testdata/news-sitemap.xml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Parse(bytes.NewReader(plain), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(bytes.NewReader(gz(t, plain)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("gzip result differs (-plain +gzip):\n%s", d)
	}
}

// TestParseGzipBomb feeds 64 MiB of decompressed sitemap (about 64 KiB
// compressed) with a 1 MiB limit: Parse fails with ErrTooLarge after
// reading little more than the limit.
func TestParseGzipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write([]byte(`<?xml version="1.0"?><urlset><url><loc>https://a.example/`))
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for range 64 {
		_, _ = zw.Write(chunk)
	}
	_, _ = zw.Write([]byte(`</loc></url></urlset>`))
	_ = zw.Close()
	bomb := buf.Bytes()
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes compressed; want a small one", len(bomb))
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Parse(bytes.NewReader(bomb), Options{MaxBytes: 1 << 20})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("parsing allocated %d bytes; want bounded by the 1 MiB limit (< 16 MiB)", alloc)
	}
}

func TestParseLimitsAndErrors(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("<urlset>")
	for range 10 {
		sb.WriteString("<url><loc>https://a.example/x</loc></url>")
	}
	sb.WriteString("</urlset>")
	res, err := Parse(strings.NewReader(sb.String()), Options{MaxEntries: 4})
	if !errors.Is(err, ErrTooManyEntries) || res == nil || len(res.Entries) != 4 {
		t.Errorf("MaxEntries: res=%v err=%v; want 4 entries and ErrTooManyEntries", res, err)
	}
	if _, err := Parse(strings.NewReader(sb.String()), Options{MaxBytes: 100}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("MaxBytes: err = %v, want ErrTooLarge", err)
	}
	for _, in := range []string{"<html><body>hi</body></html>", "", "plain text"} {
		if _, err := Parse(strings.NewReader(in), Options{}); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("Parse(%q) err = %v, want ErrUnknownFormat", in, err)
		}
	}
	if _, err := Parse(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), Options{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated gzip err = %v, want ErrMalformed", err)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- generated --><rss version=\"2.0\">", FormatRSS, true},
		{"<?xml version=\"1.0\"?><?xml-stylesheet href=\"s.xsl\"?><urlset xmlns=\"x\">", FormatURLSet, true},
		{"<sitemapindex>", FormatSitemapIndex, true},
		{"<rdf:RDF xmlns:rdf=\"x\">", FormatRDF, true},
		{"  <feed xmlns=\"http://www.w3.org/2005/Atom\">", FormatAtom, true},
		{"\x1f\x8b\x08", "", true},
		{"<!DOCTYPE html><html>", "", false},
		{"hello", "", false},
	}
	for _, tt := range tests {
		f, ok := Sniff([]byte(tt.in))
		if f != tt.want || ok != tt.ok {
			t.Errorf("Sniff(%q) = %q, %v; want %q, %v", tt.in, f, ok, tt.want, tt.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Wed, 01 May 2024 08:30:00 +0800", "2024-05-01T08:30:00+08:00"},
		{"Wed, 1 May 2024 08:30:00 GMT", "2024-05-01T08:30:00Z"},
		{"2024-05-01T08:30:00.123+08:00", "2024-05-01T08:30:00.123+08:00"},
		{"2024-05-01T08:30+08:00", "2024-05-01T08:30:00+08:00"},
		{"2024-05-01", "2024-05-01T00:00:00Z"},
		{"2024-05-01 08:30:00", "2024-05-01T08:30:00Z"},
		{"2024/05/01", "2024-05-01T00:00:00Z"},
		{"yesterday", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := ParseTime(tt.in)
		s := ""
		if !got.IsZero() {
			s = got.Format(time.RFC3339Nano)
		}
		if s != tt.want {
			t.Errorf("ParseTime(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestHTMLLinks(t *testing.T) {
	body, err := os.ReadFile("testdata/listing.html")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := url.Parse("https://news.example.cn/index.html")
	links := HTMLLinks(body, page)
	got := struct{ Pages, Feeds []string }{Strings(links.Pages), Strings(links.Feeds)}
	want := struct{ Pages, Feeds []string }{
		Pages: []string{
			"https://news.example.cn/local/2024/0501/a1001.html",
			"https://news.example.cn/local/2024/0502/a1002.html",
			"https://news.example.cn/local/2024/0501/a1001.html?utm_source=home&spm=1.2",
			"https://other.example.org/x.html",
			"https://news.example.cn/about.html",
			"https://news.example.cn/map/area1.html",
		},
		Feeds: []string{
			"https://news.example.cn/rss/local.xml",
			"https://news.example.cn/atom.xml",
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestHTMLLinksLegacyCharset(t *testing.T) {
	// A GBK page: bytes outside ASCII inside the href are percent-encoded
	// as they are; the markup around them is not disturbed.
	src := `<html><head><meta charset="gbk"></head><body><a href="/搜索?q=新闻">搜索</a><a href="/a/2.html">二</a></body></html>`
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := url.Parse("http://gbk.example.cn/")
	got := Strings(HTMLLinks([]byte(gbk), page).Pages)
	want := []string{"http://gbk.example.cn/%CB%D1%CB%F7?q=%D0%C2%CE%C5", "http://gbk.example.cn/a/2.html"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestResolve(t *testing.T) {
	base, _ := url.Parse("http://a.example/dir/page.html?x=1")
	tests := []struct {
		href, want string
		ok         bool
	}{
		{"b.html", "http://a.example/dir/b.html", true},
		{"../c.html#frag", "http://a.example/c.html", true},
		{"?page=2", "http://a.example/dir/page.html?page=2", true},
		{"//cdn.example/x", "http://cdn.example/x", true},
		{"HTTPS://B.example/", "https://B.example/", true},
		{"/path:with/colon", "http://a.example/path:with/colon", true},
		{"javascript:alert(1)", "", false},
		{"mailto:x@y", "", false},
		{"ftp://a.example/f", "", false},
		{"#top", "", false},
		{"", "", false},
		{"http://[::1", "", false},
	}
	for _, tt := range tests {
		got, ok := Resolve(base, tt.href)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tt.href, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzResolvePlainPath checks that the fast path of ResolveURL returns
// exactly what net/url's parse and resolve return, whenever it applies.
func FuzzResolvePlainPath(f *testing.F) {
	for _, href := range []string{
		"/news/bench/2026-10/05/p000123.html", "/a/b/", "/", "/a?x=1&y=2", "/a?", "/a??", "/a?#", "/a#frag",
		"/a#%zz", "/a?q=%zz", "/a/./b", "/a/../b", "/a/.hidden", "/a..b/c.", "/a//b", "//host/x",
		"/a?b=c d", "/a?\x01", "/a?q=中文", "/%E4%B8%AD", "/a:b", "/a b", "/a?x#y?z",
	} {
		f.Add("http://u:p@a.example:8080/dir/page.html?x=1#f", href)
		f.Add("https://b.example", href)
	}
	f.Fuzz(func(t *testing.T, base, href string) {
		bu, err := url.Parse(base)
		if err != nil {
			return
		}
		fast, ok := resolvePlainPath(bu, href)
		if !ok {
			return
		}
		want, wantOK := resolveGeneral(bu, href)
		if !wantOK {
			t.Fatalf("resolvePlainPath(%q, %q) = %q; net/url rejects it", base, href, fast)
		}
		if !reflect.DeepEqual(want, fast) { // User: the same pointer in both
			t.Fatalf("resolvePlainPath(%q, %q) = %#v; net/url: %#v", base, href, *fast, *want)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"rss.xml", "atom.xml", "news-sitemap.xml", "sitemap-index.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<rss><item><link>x</link><guid>http://g</guid></item>`))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(bytes.NewReader(data), Options{MaxBytes: 1 << 20, MaxEntries: 1000})
		if err != nil && !errors.Is(err, ErrTooManyEntries) {
			if res != nil {
				t.Fatalf("result with error %v", err)
			}
			return
		}
		if len(res.Entries)+len(res.Sitemaps) > 1000 {
			t.Fatalf("%d entries over the limit", len(res.Entries)+len(res.Sitemaps))
		}
		for _, e := range append(res.Entries, res.Sitemaps...) {
			if e.URL == "" || !utf8.ValidString(e.URL) || !utf8.ValidString(e.Title) {
				t.Fatalf("bad entry %+v", e)
			}
			if strings.TrimSpace(e.URL) != e.URL {
				t.Fatalf("untrimmed URL %q", e.URL)
			}
		}
	})
}

func FuzzHTMLLinks(f *testing.F) {
	b, err := os.ReadFile("testdata/listing.html")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b, "https://news.example.cn/index.html")
	f.Add([]byte(`<base href="//x"><a href="../../a?b#c">`), "http://h/a/b/")
	f.Fuzz(func(t *testing.T, body []byte, page string) {
		pu, err := url.Parse(page)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return
		}
		got := HTMLLinks(body, pu)
		for _, lu := range append(got.Pages, got.Feeds...) {
			l := lu.String()
			u, err := url.Parse(l)
			if err != nil {
				t.Fatalf("link %q does not parse: %v", l, err)
			}
			if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
				t.Fatalf("link %q is not an absolute http(s) URL without fragment", l)
			}
		}
		if len(got.Pages) > MaxLinks {
			t.Fatalf("%d links over MaxLinks", len(got.Pages))
		}
	})
}
