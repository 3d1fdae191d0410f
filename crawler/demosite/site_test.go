package demosite_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/demosite"
	"winnow/sink/record"
)

func TestManifestShape(t *testing.T) {
	s := demosite.New(demosite.Options{})
	if err := s.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	m := s.Manifest()
	pat := regexp.MustCompile(m.ArticlePattern)
	if got := m.Count(demosite.KindArticle); got < 150 {
		t.Errorf("articles = %d, want at least 150", got)
	}
	if got := m.Count(demosite.KindSpamPage); got < 4 {
		t.Errorf("spam pages = %d, want at least 4", got)
	}
	titles := map[string]string{}
	combos := map[string]int{}
	placements := map[string]int{}
	specials := map[string]int{}
	scripts := map[string]int{}
	for i, a := range m.Articles {
		if i > 0 && m.Articles[i-1].Path >= a.Path {
			t.Errorf("articles not sorted by path at %s", a.Path)
		}
		if !pat.MatchString(a.Path) {
			t.Errorf("%s does not match the article pattern", a.Path)
		}
		if got, ok := m.Article(a.Path); !ok || got.Path != a.Path {
			t.Errorf("Article(%s) not found", a.Path)
		}
		if prev, dup := titles[a.Title]; dup {
			t.Errorf("title %q of %s repeats %s", a.Title, a.Path, prev)
		}
		titles[a.Title] = a.Path
		combos[a.Template+"/"+a.Charset+"/"+a.CharsetDeclared]++
		scripts[a.Script]++
		specials[a.Special]++
		if a.Kind == demosite.KindSpamPage {
			continue
		}
		if a.Title == "" || a.SectionName == "" || a.Origin == "" || a.Editor == "" || len(a.Authors) == 0 || len(a.Body) < 3 {
			t.Errorf("%s: incomplete manifest entry: title %q, section %q, origin %q, editor %q, %d authors, %d paragraphs",
				a.Path, a.Title, a.SectionName, a.Origin, a.Editor, len(a.Authors), len(a.Body))
		}
		pub, err := time.Parse(time.RFC3339, a.Published)
		if err != nil {
			t.Errorf("%s: published %q: %v", a.Path, a.Published, err)
		} else if a.Special != "seed" && (pub.Year() != 2026 || pub.Month() < time.August || pub.Month() > time.November) {
			t.Errorf("%s: published %s outside 2026-08..2026-11", a.Path, a.Published)
		} else if want := pub.Format("2006-01/02"); !strings.Contains(a.Path, want) {
			t.Errorf("%s: path does not carry the date %s", a.Path, want)
		}
		spam := 0
		for _, l := range a.Removed {
			placements[l.Placement]++
			if l.Kind == record.KindSpam {
				spam++
			}
			if l.Text == "" || !slices.Contains([]string{record.KindSpam, record.KindAd, record.KindBoilerplate}, l.Kind) ||
				!slices.Contains([]string{record.FieldTitle, record.FieldBody, record.FieldPage}, l.Field) ||
				!slices.Contains([]string{record.ScopeLine, record.ScopeSpan}, l.Scope) {
				t.Errorf("%s: bad line %+v", a.Path, l)
			}
		}
		if a.Trap {
			if spam > 0 {
				t.Errorf("%s: trap article carries %d spam lines", a.Path, spam)
			}
			if len(a.TrapWords) == 0 {
				t.Errorf("%s: trap article without trap words", a.Path)
			}
			all := a.Title + strings.Join(a.Body, "")
			for _, w := range a.TrapWords {
				if !strings.Contains(all, w) {
					t.Errorf("%s: trap word %q not in the text", a.Path, w)
				}
			}
		}
	}
	for _, c := range []string{
		"modern/utf-8/header+meta", "modern/utf-8/stale-meta",
		"table/gbk/meta", "table/gbk/header", "table/gbk/header+meta", "table/gbk/none",
		"gov/utf-8/header+meta", "gov/gbk/meta",
		"hant/utf-8/header+meta", "hant/big5/meta", "hant/big5/header", "hant/big5/none", "hant/big5/header+meta",
		"spam/utf-8/header+meta",
	} {
		if combos[c] < 2 && !(c == "spam/utf-8/header+meta" && combos[c] > 0) {
			t.Errorf("template/charset/declaration %s on %d pages, want at least 2", c, combos[c])
		}
	}
	for _, p := range []string{demosite.PlaceTitle, demosite.PlaceHidden, demosite.PlaceHeader, demosite.PlaceFooter,
		demosite.PlaceBody, demosite.PlaceSpan, demosite.PlaceCrumb, demosite.PlaceRelated} {
		if placements[p] < 3 {
			t.Errorf("placement %s used %d times, want at least 3", p, placements[p])
		}
	}
	if scripts[record.ScriptHant] < 20 {
		t.Errorf("Traditional pages = %d, want at least 20", scripts[record.ScriptHant])
	}
	if diff := cmp.Diff(map[string]int{"seed": 1, "flaky": 1, "slow": 1}, map[string]int{"seed": specials["seed"], "flaky": specials["flaky"], "slow": specials["slow"]}); diff != "" {
		t.Errorf("special articles (-want +got):\n%s", diff)
	}
	var traps int
	for _, a := range m.Articles {
		if a.Trap {
			traps++
		}
	}
	if traps < 5 {
		t.Errorf("trap articles = %d, want at least 5", traps)
	}
}

func TestSeedArticle(t *testing.T) {
	s, srv := newSite(t, demosite.Options{})
	m := s.Manifest()
	var seed demosite.Article
	for _, a := range m.Articles {
		if a.Special == "seed" {
			seed = a
		}
	}
	want := demosite.Article{
		Path: "/news/local/2022-02/24/e9e67510d88d065b.html", Kind: demosite.KindArticle, Template: demosite.TemplateHant,
		Section: "local", SectionName: "聚焦梧州",
		Title: "续写更多政法干警“春天的故事”", Subtitle: "市政法机关扎实开展“我为群众办实事”实践活动综述",
		Published: "2022-02-24T00:00:00+08:00", PublishedPrecision: record.PrecisionDay,
		Authors: []string{"李继远", "高寒", "廖敬生"}, Editor: "徐慧", Origin: "梧州零距离网-梧州日报",
		Charset: "utf-8", CharsetDeclared: demosite.DeclaredHeaderAndMeta, ContentType: "text/html; charset=utf-8",
		Script: record.ScriptHant, Special: "seed",
		Removed: []demosite.Line{
			{Text: "99福利在线_xxxx影院_毛片网站免费_777sesese", Kind: record.KindSpam, Field: record.FieldPage, Scope: record.ScopeLine, Placement: demosite.PlaceHeader},
			{Text: "梧州零距離APP梧州零距離", Kind: record.KindAd, Field: record.FieldPage, Scope: record.ScopeLine, Placement: demosite.PlaceHeader},
			{Text: "梧州零距離網 > 聚焦梧州 > 正文", Kind: record.KindBoilerplate, Field: record.FieldPage, Scope: record.ScopeLine, Placement: demosite.PlaceCrumb},
		},
	}
	got := seed
	got.Body = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seed manifest (-want +got):\n%s", diff)
	}
	if len(seed.Body) != 19 || seed.Body[2] != "群众满意是最好的“试金石”" || !strings.HasSuffix(seed.Body[18], "(李继远 高寒 廖敬生)") {
		t.Errorf("seed body: %d paragraphs, %q …", len(seed.Body), seed.Body[:min(3, len(seed.Body))])
	}
	_, body := get(t, srv.Client(), srv.URL+seed.Path)
	text := pageText(string(body))
	for _, line := range []string{"時間:2022-02-24 來源:梧州零距離網-梧州日報 作者:李繼遠 高寒 廖敬生 編輯:徐慧",
		"99福利在线_xxxx影院_毛片网站免费_777sesese", "梧州零距離APP梧州零距離", "梧州零距離網 > 聚焦梧州 > 正文"} {
		if !strings.Contains(text, line) {
			t.Errorf("seed page lacks %q", line)
		}
	}
}

// TestArticlePages fetches every article-pattern page and checks its
// status, content type, charset declaration and bytes, headline, body,
// byline and every injected line against the manifest.
func TestArticlePages(t *testing.T) {
	s, srv := newSite(t, demosite.Options{SlowDelay: time.Millisecond})
	m := s.Manifest()
	metaRE := regexp.MustCompile(`(?i)<meta[^>]*charset=["]?([a-z0-9-]+)`)
	for _, a := range m.Articles {
		t.Run(strings.TrimPrefix(a.Path, "/news/"), func(t *testing.T) {
			s.ResetFlaky()
			if a.Special == "flaky" {
				for range demosite.FlakyFailures {
					get(t, srv.Client(), srv.URL+a.Path)
				}
			}
			res, raw := get(t, srv.Client(), srv.URL+a.Path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := res.Header.Get("Content-Type"); got != a.ContentType {
				t.Errorf("Content-Type %q, want %q", got, a.ContentType)
			}
			headerCharset := strings.Contains(a.ContentType, "charset=")
			meta := metaRE.FindSubmatch(raw)
			switch a.CharsetDeclared {
			case demosite.DeclaredHeaderAndMeta:
				if !headerCharset || meta == nil {
					t.Errorf("want charset in header and meta: header %q, meta %q", a.ContentType, meta)
				}
			case demosite.DeclaredMeta:
				if headerCharset || meta == nil {
					t.Errorf("want charset in meta only: header %q, meta %q", a.ContentType, meta)
				}
			case demosite.DeclaredHeader:
				if !headerCharset || meta != nil {
					t.Errorf("want charset in header only: header %q, meta %q", a.ContentType, meta)
				}
			case demosite.DeclaredNone:
				if headerCharset || meta != nil {
					t.Errorf("want no charset declaration: header %q, meta %q", a.ContentType, meta)
				}
			case demosite.DeclaredStaleMeta:
				if headerCharset || meta == nil || !strings.EqualFold(string(meta[1]), "gb2312") || a.Charset != "utf-8" {
					t.Errorf("want UTF-8 under a stale gb2312 meta: header %q, meta %q", a.ContentType, meta)
				}
			}
			if a.Charset != "utf-8" && utf8.Valid(raw) {
				t.Errorf("%s page is valid UTF-8: not really encoded", a.Charset)
			}
			page := decode(t, raw, a.Charset)
			for _, ref := range ncrRE.FindAllStringSubmatch(page, -1) {
				if n, _ := strconv.Atoi(ref[1]); n >= utf8.RuneSelf {
					t.Errorf("page carries %s: some text is outside %s", ref[0], a.Charset)
				}
			}
			text := pageText(page)
			h1 := firstMatch(headlineRE[a.Template], page)
			if a.Script == record.ScriptHans && h1 != a.Title {
				t.Errorf("headline %q, want %q", h1, a.Title)
			}
			if h1 == "" {
				t.Errorf("no headline")
			}
			for _, l := range a.Removed {
				switch {
				case l.Placement == demosite.PlaceTitle:
					if got := firstMatch(titleRE, page); got != l.Text {
						t.Errorf("<title> %q, want spam chain %q", got, l.Text)
					}
				case l.Scope == record.ScopeSpan:
					if !strings.Contains(text, l.Sentence) || !strings.Contains(l.Sentence, l.Text) {
						t.Errorf("span %q: sentence %q not on the page", l.Text, l.Sentence)
					}
					clean := strings.Replace(l.Sentence, l.Text, "", 1)
					if a.Script == record.ScriptHans && !slices.Contains(a.Body, clean) {
						t.Errorf("span %q: sentence without it is no body paragraph: %q", l.Text, clean)
					}
				default:
					if !strings.Contains(text, l.Text) {
						t.Errorf("%s line %q not on the page", l.Kind, l.Text)
					}
				}
			}
			if a.Kind == demosite.KindSpamPage || a.Script != record.ScriptHans {
				return
			}
			for _, p := range a.Body {
				if !strings.Contains(text, p) && !spanned(a, p) {
					t.Errorf("body paragraph not on the page: %q", p)
				}
			}
			for _, who := range append([]string{a.Editor, a.Origin}, a.Authors...) {
				if !strings.Contains(text, who) {
					t.Errorf("byline value %q not on the page", who)
				}
			}
			pub, _ := time.Parse(time.RFC3339, a.Published)
			var stamp string
			switch a.PublishedPrecision {
			case record.PrecisionSecond:
				stamp = pub.Format("2006-01-02 15:04:05")
			case record.PrecisionMinute:
				stamp = pub.Format("15:04")
			default:
				stamp = pub.Format("2006")
			}
			if !strings.Contains(text, stamp) || !(strings.Contains(text, pub.Format("2006-01-02")) || strings.Contains(text, pub.Format("2006年01月02日"))) {
				t.Errorf("publication time %s (%s) not on the page", a.Published, a.PublishedPrecision)
			}
		})
	}
}

var ncrRE = regexp.MustCompile(`&#(\d+);`)

// spanned reports whether paragraph p carries an injected span on the page.
func spanned(a demosite.Article, p string) bool {
	for _, l := range a.Removed {
		if l.Scope == record.ScopeSpan && strings.Replace(l.Sentence, l.Text, "", 1) == p {
			return true
		}
	}
	return false
}

func TestRoutes(t *testing.T) {
	s, srv := newSite(t, demosite.Options{})
	m := s.Manifest()
	tests := []struct {
		method, path string
		status       int
		contentType  string
		contains     string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", `<link rel="alternate" type="application/rss+xml"`},
		{"GET", "/index.html", 200, "text/html; charset=utf-8", "彩票"},
		{"GET", "/robots.txt", 200, "text/plain; charset=utf-8", "Disallow: /private/"},
		{"GET", "/sitemap.xml", 200, "application/xml; charset=utf-8", "<sitemapindex"},
		{"GET", "/sitemap-news.xml", 200, "application/xml; charset=utf-8", "<news:publication_date>"},
		{"GET", "/sitemap-archive.xml.gz", 200, "application/x-gzip", "\x1f\x8b"},
		{"GET", "/rss.xml", 200, "application/rss+xml; charset=utf-8", `<rss version="2.0"`},
		{"GET", "/news/local/index.html", 200, "text/html; charset=utf-8", "index_2.html"},
		{"GET", "/news/local/", 200, "text/html; charset=utf-8", "聚焦梧州"},
		{"GET", "/news/local/index_2.html", 200, "text/html; charset=utf-8", "上一页"},
		{"GET", "/news/taiwan/index.html", 200, "text/html; charset=utf-8", "港澳臺"},
		{"GET", "/news/local/index_99.html", 404, "text/html; charset=utf-8", "页面不存在"},
		{"GET", "/news/local/index_02.html", 404, "text/html; charset=utf-8", ""},
		{"GET", "/news/local/index_1.html", 404, "text/html; charset=utf-8", ""},
		{"GET", "/news/nosuch/index.html", 404, "text/html; charset=utf-8", ""},
		{"GET", demosite.PathSpecial, 200, "text/html; charset=utf-8", "loop-a.html"},
		{"GET", "/news/special/", 200, "text/html; charset=utf-8", "bomb.html"},
		{"GET", demosite.PathMissing, 404, "text/html; charset=utf-8", "页面不存在"},
		{"HEAD", demosite.PathMissing, 404, "text/html; charset=utf-8", ""},
		{"GET", demosite.PathLoopA, 302, "text/html; charset=utf-8", "loop-b.html"},
		{"GET", demosite.PathLoopB, 302, "text/html; charset=utf-8", "loop-a.html"},
		{"GET", "/private/drafts/index.html", 200, "text/html; charset=utf-8", "采编内网"},
		{"GET", "/private/admin/login.html", 200, "text/html; charset=utf-8", "管理登录"},
		{"GET", "/about/report.html", 200, "text/html; charset=utf-8", "低俗色情"},
		{"GET", "/app/index.html", 200, "text/html; charset=utf-8", "客户端"},
		{"GET", "/images/logo.gif", 200, "image/gif", "GIF89a"},
		{"GET", "/static/site.css", 200, "text/css; charset=utf-8", "body"},
		{"GET", "/nothing-here", 404, "text/html; charset=utf-8", ""},
		{"POST", "/", 405, "text/plain; charset=utf-8", "method not allowed"},
		{"HEAD", "/rss.xml", 200, "application/rss+xml; charset=utf-8", ""},
		{"GET", m.Articles[0].Path + "?utm_source=rss&utm_medium=feed", 200, m.Articles[0].ContentType, "<html"},
	}
	c := rawClient(srv)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			got := []any{res.StatusCode, res.Header.Get("Content-Type")}
			if diff := cmp.Diff([]any{tt.status, tt.contentType}, got); diff != "" {
				t.Errorf("status, content type (-want +got):\n%s", diff)
			}
			if tt.status == 302 && !strings.HasSuffix(res.Header.Get("Location"), tt.contains) {
				t.Errorf("Location %q, want …%s", res.Header.Get("Location"), tt.contains)
			}
			if tt.status != 302 && !bytes.Contains(body, []byte(tt.contains)) {
				t.Errorf("body lacks %q", tt.contains)
			}
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD returned %d body bytes", len(body))
			}
		})
	}
}

func TestRobots(t *testing.T) {
	tests := []struct {
		name  string
		delay time.Duration
		want  string
		bad   string
	}{
		{"default", 0, "Crawl-delay: 0.05\n", ""},
		{"custom", 250 * time.Millisecond, "Crawl-delay: 0.25\n", ""},
		{"none", -1, "Disallow: /private/\n", "Crawl-delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, srv := newSite(t, demosite.Options{CrawlDelay: tt.delay})
			_, b := get(t, srv.Client(), srv.URL+"/robots.txt")
			body := string(b)
			if !strings.Contains(body, "User-agent: *\nDisallow: /private/\n") || !strings.Contains(body, tt.want) ||
				!strings.Contains(body, "Sitemap: "+srv.URL+"/sitemap.xml\n") {
				t.Errorf("robots.txt:\n%s", body)
			}
			if tt.bad != "" && strings.Contains(body, tt.bad) {
				t.Errorf("robots.txt has %q:\n%s", tt.bad, body)
			}
			if m := s.Manifest(); m.CrawlDelay != max(tt.delay, 0) && !(tt.delay == 0 && m.CrawlDelay == demosite.DefaultCrawlDelay) {
				t.Errorf("manifest CrawlDelay %s", m.CrawlDelay)
			}
		})
	}
}

func TestFlakySequence(t *testing.T) {
	s, srv := newSite(t, demosite.Options{})
	var path string
	for _, sp := range s.Manifest().Special {
		if strings.HasSuffix(sp.Path, "/flaky.html") {
			path = sp.Path
		}
	}
	want := []int{503, 503, 200, 200}
	var got []int
	for range want {
		res, _ := get(t, srv.Client(), srv.URL+path)
		got = append(got, res.StatusCode)
		if res.StatusCode == 503 && res.Header.Get("Retry-After") != "1" {
			t.Errorf("503 without Retry-After: 1 (%q)", res.Header.Get("Retry-After"))
		}
	}
	s.ResetFlaky()
	res, _ := get(t, srv.Client(), srv.URL+path)
	got = append(got, res.StatusCode)
	if diff := cmp.Diff(append(want, 503), got); diff != "" {
		t.Errorf("flaky statuses (-want +got):\n%s", diff)
	}
	if n := s.RequestCount(path); n != 5 {
		t.Errorf("RequestCount = %d, want 5", n)
	}
}

func TestSlowPage(t *testing.T) {
	t.Run("times out", func(t *testing.T) {
		s, srv := newSite(t, demosite.Options{SlowDelay: time.Hour})
		path := specialPath(t, s, "/slow.html")
		c := &http.Client{Timeout: 100 * time.Millisecond}
		_, err := c.Get(srv.URL + path)
		var ne interface{ Timeout() bool }
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("GET slow page with a short timeout: err = %v, want a timeout", err)
		}
		// srv.Close in the cleanup waits for the handler: it must notice
		// the client went away instead of sleeping an hour.
	})
	t.Run("answers", func(t *testing.T) {
		s, srv := newSite(t, demosite.Options{SlowDelay: time.Millisecond})
		path := specialPath(t, s, "/slow.html")
		a, _ := s.Manifest().Article(path)
		res, body := get(t, srv.Client(), srv.URL+path)
		if res.StatusCode != 200 || !strings.Contains(string(body), a.Title) {
			t.Errorf("slow page: status %d, title %q present: %v", res.StatusCode, a.Title, strings.Contains(string(body), a.Title))
		}
	})
}

func specialPath(t *testing.T, s *demosite.Site, suffix string) string {
	t.Helper()
	for _, sp := range s.Manifest().Special {
		if strings.HasSuffix(sp.Path, suffix) {
			return sp.Path
		}
	}
	t.Fatalf("no special path …%s", suffix)
	return ""
}

func TestGzipBomb(t *testing.T) {
	s, srv := newSite(t, demosite.Options{})
	res, body := get(t, rawClient(srv), srv.URL+demosite.PathBomb)
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", res.Header.Get("Content-Encoding"))
	}
	if len(body) != s.BombCompressedBytes() || res.ContentLength != int64(len(body)) {
		t.Errorf("body %d bytes, Content-Length %d, BombCompressedBytes %d", len(body), res.ContentLength, s.BombCompressedBytes())
	}
	if len(body) > 2<<20 {
		t.Errorf("compressed size %d, want at most 2 MiB", len(body))
	}
	// The stream is identical gzip members; each trailer's ISIZE gives the
	// inflated size, so the total is known without inflating a gibibyte.
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		t.Fatal(err)
	}
	member := len(body) / 1024
	if len(body)%member != 0 || !bytes.Equal(body[:member], body[len(body)-member:]) {
		t.Fatalf("body is not 1024 identical members")
	}
	isize := binary.LittleEndian.Uint32(body[member-4 : member])
	if int64(isize) != n || n*1024 != demosite.BombBytes {
		t.Errorf("member inflates to %d (ISIZE %d); 1024 members = %d, want %d", n, isize, n*1024, demosite.BombBytes)
	}
	// A reader that inflates the whole stream gets far more than it was sent.
	zr, err = gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.CopyN(io.Discard, zr, 64<<20); err != nil || got != 64<<20 {
		t.Errorf("inflating 64 MiB: %d, %v", got, err)
	}
}

func TestOversizedPage(t *testing.T) {
	_, srv := newSite(t, demosite.Options{})
	res, err := srv.Client().Get(srv.URL + demosite.PathOversized)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if n != demosite.OversizedBytes || res.ContentLength != -1 {
		t.Errorf("read %d bytes (Content-Length %d), want %d without Content-Length", n, res.ContentLength, demosite.OversizedBytes)
	}
}

func TestRedirectLoop(t *testing.T) {
	_, srv := newSite(t, demosite.Options{})
	_, err := srv.Client().Get(srv.URL + demosite.PathLoopA)
	if err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("GET loop: err = %v, want too many redirects", err)
	}
}

func TestConditionalGet(t *testing.T) {
	_, srv := newSite(t, demosite.Options{})
	for _, p := range []string{"/", "/news/politics/index.html", "/rss.xml", "/sitemap-archive.xml.gz"} {
		res, _ := get(t, srv.Client(), srv.URL+p)
		etag, lm := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Errorf("%s: ETag %q, Last-Modified %q", p, etag, lm)
			continue
		}
		for _, h := range [][2]string{{"If-None-Match", etag}, {"If-Modified-Since", lm}} {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+p, nil)
			req.Header.Set(h[0], h[1])
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("%s with %s: status %d, want 304", p, h[0], res.StatusCode)
			}
		}
	}
}

func TestRequestLog(t *testing.T) {
	var hooked []string
	s := demosite.New(demosite.Options{OnRequest: func(r demosite.Request) { hooked = append(hooked, r.Path) }})
	h := s.Handler()
	before := time.Now()
	for _, p := range []string{"/", "/robots.txt", "/nothing", "/?x=1"} {
		req := httptest.NewRequestWithContext(context.Background(), "GET", p, nil)
		req.Host = "demo.test:8080"
		req.Header.Set("User-Agent", "winnow-test")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	reqs := s.Requests()
	var got []string
	for _, r := range reqs {
		if r.Time.Before(before) || r.Host != "demo.test:8080" || r.UserAgent != "winnow-test" || r.Method != "GET" {
			t.Errorf("bad request record %+v", r)
		}
		got = append(got, r.Path+"?"+r.RawQuery+" "+http.StatusText(r.Status))
	}
	want := []string{"/? OK", "/robots.txt? OK", "/nothing? Not Found", "/?x=1 OK"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"/", "/robots.txt", "/nothing", "/"}, hooked); diff != "" {
		t.Errorf("OnRequest (-want +got):\n%s", diff)
	}
	if n := s.RequestCount("/"); n != 2 {
		t.Errorf("RequestCount(/) = %d, want 2", n)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 || s.RequestCount("/") != 0 {
		t.Errorf("ResetRequests left %d records", len(s.Requests()))
	}
}

func TestFeedsAndSitemaps(t *testing.T) {
	s, srv := newSite(t, demosite.Options{})
	m := s.Manifest()
	_, rss := get(t, srv.Client(), srv.URL+"/rss.xml")
	items := strings.Count(string(rss), "<item>")
	if items != 30 || !strings.Contains(string(rss), srv.URL+"/news/") || !strings.Contains(string(rss), "?utm_source=rss&amp;utm_medium=feed") {
		t.Errorf("rss: %d items, absolute tracking links: %v", items, strings.Contains(string(rss), srv.URL+"/news/"))
	}
	_, idx := get(t, srv.Client(), srv.URL+"/sitemap.xml")
	locs := locRE.FindAllStringSubmatch(string(idx), -1)
	if len(locs) != 2 || locs[0][1] != srv.URL+"/sitemap-news.xml" || locs[1][1] != srv.URL+"/sitemap-archive.xml.gz" {
		t.Errorf("sitemap index locs %q", locs)
	}
	_, news := get(t, srv.Client(), srv.URL+"/sitemap-news.xml")
	_, gz := get(t, rawClient(srv), srv.URL+"/sitemap-archive.xml.gz")
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	archive, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, doc := range [][]byte{news, archive} {
		for _, l := range locRE.FindAllStringSubmatch(string(doc), -1) {
			seen[strings.TrimPrefix(l[1], srv.URL)]++
		}
	}
	if n := strings.Count(string(news), "<news:title>"); n != 50 {
		t.Errorf("news sitemap has %d titles, want 50", n)
	}
	for _, a := range m.Articles {
		want := 1
		if a.Special == "flaky" || a.Special == "slow" {
			want = 0 // listed on /news/special/ only
		}
		if seen[a.Path] != want {
			t.Errorf("%s in sitemaps %d times, want %d", a.Path, seen[a.Path], want)
		}
	}
}
