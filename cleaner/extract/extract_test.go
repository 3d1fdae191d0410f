package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"winnow/cleaner/extract/zhmeta"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// fixtureURLs gives some fixtures the address they were "fetched" from,
// to exercise canonical URLs and dates from URLs.
var fixtureURLs = map[string]string{
	"portal_table_gb2312.html":    "http://WWW.Jiangbin.example.cn:80/news/2023-04/18/content_88123.htm?spm=a2.b1&id=7#top",
	"jsonld_newsarticle.html":     "https://kj.example.cn/2023/08/09/rice.html?utm_source=wechat&utm_medium=share",
	"english_article.html":        "https://www.bayside.example.com/news/2023/05/ferry-resumes/?fbclid=abc",
	"opengraph_title_suffix.html": "https://www.dongan.example.com/finance/2024-03/21/c_8812.htm",
	"seed_linkfarm.html":          "http://www.wuzhou.example.cn/wz/20220224/123456.shtml",
}

// goldenDraft is the serialized form of a draft (or an error) in
// testdata/*.golden.json.
type goldenDraft struct {
	Error           string          `json:"error,omitempty"`
	Charset         string          `json:"charset,omitempty"`
	CharsetGuessed  bool            `json:"charset_guessed,omitempty"`
	Article         *record.Article `json:"article,omitempty"`
	Paragraphs      []string        `json:"paragraphs,omitempty"`
	TitleCandidates []string        `json:"title_candidates,omitempty"`
	Segments        []Segment       `json:"segments,omitempty"`
}

func newExtractor(t testing.TB, opts Options) *Extractor {
	t.Helper()
	x, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return x
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkRecord gives the draft's article the ids the later stages would
// set and runs the shared record checks on it.
func checkRecord(t *testing.T, d *Draft) {
	t.Helper()
	a := *d.Article
	a.ID = record.NewID(a.CanonicalURL, a.Title, a.Body)
	a.ContentHash = record.NewContentHash(a.Title, a.Body)
	a.Hygiene.RulesVersion = "test"
	recordtest.Check(t, &a)
}

// checkUTF8 fails unless every string of the draft is valid UTF-8.
func checkUTF8(t testing.TB, d *Draft) {
	t.Helper()
	a := d.Article
	strs := []string{a.Title, a.Subtitle, a.Body, a.Editor, a.Origin, a.SiteName, a.Section, a.PublishedAt, a.Lang, a.URL, a.CanonicalURL, d.Charset}
	strs = append(strs, a.Authors...)
	strs = append(strs, d.Paragraphs...)
	strs = append(strs, d.TitleCandidates...)
	for _, s := range d.Segments {
		strs = append(strs, s.Text)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in output: %q", s)
		}
	}
	if a.Body != strings.Join(d.Paragraphs, "\n") {
		t.Fatalf("Article.Body is not the paragraphs joined")
	}
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.html")
	if err != nil {
		t.Fatal(err)
	}
	txts, _ := filepath.Glob("testdata/*.txt")
	files = append(files, txts...)
	if len(files) < 15 {
		t.Fatalf("only %d fixtures", len(files))
	}
	x := newExtractor(t, Options{})
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			in := Input{URL: fixtureURLs[name], Body: readFixture(t, name)}
			d, err := x.Extract(in)
			var got goldenDraft
			if err != nil {
				got.Error = err.Error()
			} else {
				checkUTF8(t, d)
				checkRecord(t, d)
				got = goldenDraft{Charset: d.Charset, CharsetGuessed: d.CharsetGuessed, Article: d.Article,
					Paragraphs: d.Paragraphs, TitleCandidates: d.TitleCandidates, Segments: d.Segments}
			}
			goldenPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".golden.json"
			if *update {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", " ")
				if err := enc.Encode(got); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(goldenPath, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			var want goldenDraft
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			// Round-trip got through JSON so that nil and empty compare alike.
			rt, _ := json.Marshal(got)
			var gotRT goldenDraft
			if err := json.Unmarshal(rt, &gotRT); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, gotRT); diff != "" {
				t.Errorf("draft differs from %s (-want +got):\n%s", goldenPath, diff)
			}
		})
	}
}

// seedLines are the seed's article lines, as written (Traditional).
func seedBody(t *testing.T) []string {
	t.Helper()
	lines := strings.Split(string(readFixture(t, "seed.txt")), "\n")
	var body []string
	for _, l := range lines[8:] {
		if l = strings.TrimSpace(l); l != "" {
			body = append(body, l)
		}
	}
	return body
}

// TestSeed checks the seed document, as text and rendered in three HTML
// templates and two legacy charsets, against the fields of
// shared/seed/expected.json (before t2s normalization).
func TestSeed(t *testing.T) {
	type fields struct {
		Title, Subtitle, Date, Origin, Editor, Site, Section string
		Authors                                              []string
		Paragraphs                                           []string
		Charset                                              string
	}
	body := seedBody(t)
	want := fields{
		Title:      "續寫更多政法干警“春天的故事”",
		Subtitle:   "市政法機關扎實開展“我為群眾辦實事”實踐活動綜述",
		Date:       "2022-02-24",
		Origin:     "梧州零距離網-梧州日報",
		Editor:     "徐慧",
		Site:       "梧州零距離網",
		Section:    "聚焦梧州",
		Authors:    []string{"李繼遠", "高寒", "廖敬生"},
		Paragraphs: body,
	}
	if len(body) != 19 {
		t.Fatalf("seed body has %d paragraphs, expected.json has 19", len(body))
	}
	x := newExtractor(t, Options{})
	for _, tc := range []struct {
		file, charset, spamCandidate string
	}{
		{"seed.txt", "utf-8", ""},
		{"seed_title_spam.html", "utf-8", "99福利在线_xxxx影院_毛片网站免费_777sesese"},
		{"seed_linkfarm.html", "utf-8", ""},
		{"seed_big5.html", "big5", ""},
		{"seed_gbk.html", "gb18030", ""},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, err := x.Extract(Input{Body: readFixture(t, tc.file)})
			if err != nil {
				t.Fatal(err)
			}
			a := d.Article
			got := fields{Title: a.Title, Subtitle: a.Subtitle, Origin: a.Origin, Editor: a.Editor,
				Site: a.SiteName, Section: a.Section, Authors: a.Authors, Paragraphs: d.Paragraphs, Charset: d.Charset}
			if len(a.PublishedAt) >= 10 {
				got.Date = a.PublishedAt[:10]
			}
			w := want
			w.Charset = tc.charset
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("seed fields (-want +got):\n%s", diff)
			}
			if a.Lang != "zh" {
				t.Errorf("lang = %q, want zh", a.Lang)
			}
			if tc.spamCandidate != "" && !contains(d.TitleCandidates, tc.spamCandidate) {
				t.Errorf("title candidates %q lack the <title> %q", d.TitleCandidates, tc.spamCandidate)
			}
			if d.TitleCandidates[0] != want.Title {
				t.Errorf("first title candidate %q, want the <h1>", d.TitleCandidates[0])
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestSegments checks that text left out of the body is kept for the
// hygiene stage with the right role.
func TestSegments(t *testing.T) {
	x := newExtractor(t, Options{})
	for _, tc := range []struct {
		file string
		want []Segment // must all be present, in this order
	}{
		{"seed_linkfarm.html", []Segment{
			{Text: "99福利在线_xxxx影院_毛片网站免费_777sesese", Role: RoleHidden},
			{Text: "梧州零距離網 > 聚焦梧州 > 正文", Role: RoleBreadcrumb},
		}},
		{"hidden_linkfarm.html", []Segment{
			{Text: "本站关键词：彩票平台 快3计划 包赔导师", Role: RoleHidden},
		}},
		{"seed_title_spam.html", []Segment{
			{Text: "99福利在线_xxxx影院_毛片网站免费_777sesese", Role: RoleTitle},
			{Text: "梧州零距離APP梧州零距離", Role: RoleChrome},
			{Text: "梧州零距離網 > 聚焦梧州 > 正文", Role: RoleBreadcrumb},
		}},
		{"comments_related.html", []Segment{
			{Text: "分享到：微信微博朋友圈", Role: RoleChrome},
			{Text: "（责任编辑：孙悦）", Role: RoleTrailer},
			{Text: "加装电梯补贴政策解读：谁能申请、怎么申请", Role: RoleChrome},
			{Text: "小雨点：一楼住户的采光问题也要考虑，补偿标准应该公开透明。", Role: RoleChrome},
		}},
		{"plain_no_byline.txt", []Segment{
			{Text: "澳门葡京官网登录入口_北京赛车pk10开奖直播", Role: RolePreamble},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, err := x.Extract(Input{Body: readFixture(t, tc.file)})
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for _, s := range d.Segments {
				if i < len(tc.want) && s == tc.want[i] {
					i++
				}
			}
			if i < len(tc.want) {
				t.Errorf("segment %+v missing or out of order in %+v", tc.want[i], d.Segments)
			}
			for _, p := range d.Paragraphs {
				for _, s := range tc.want {
					if p == s.Text {
						t.Errorf("segment text %q is also in the body", p)
					}
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	gz := []byte{0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'}
	for _, tc := range []struct {
		name string
		opts Options
		in   Input
		want error
	}{
		{"too large", Options{MaxBytes: 100}, Input{Body: bytes.Repeat([]byte("a"), 101)}, ErrTooLarge},
		{"50 MB over the default limit", Options{}, Input{Body: bytes.Repeat([]byte("<p>x</p>"), 50<<20/8)}, ErrTooLarge},
		{"empty", Options{}, Input{Body: nil}, ErrEmpty},
		{"blank", Options{}, Input{Body: []byte(" \n\t\r\n ")}, ErrEmpty},
		{"html without text", Options{}, Input{Body: []byte("<html><head><script>var a=1;</script></head><body><div><img src=x></div></body></html>")}, ErrEmpty},
		{"gzip", Options{}, Input{Body: gz}, ErrBinary},
		{"NUL bytes", Options{}, Input{Body: []byte("abc\x00\x00\x00def\x00ghi")}, ErrBinary},
		{"unknown forced charset", Options{}, Input{Body: []byte("<p>hello</p>"), Charset: "x-no-such-charset"}, ErrUnknownCharset},
		{"listing", Options{}, Input{Body: readFixture(t, "listing_index.html")}, ErrNotArticle},
		{"only spam", Options{}, Input{Body: readFixture(t, "spam_only.html")}, ErrNotArticle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newExtractor(t, tc.opts)
			d, err := x.Extract(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d != nil {
				t.Errorf("a draft came with the error")
			}
		})
	}
	if _, err := New(Options{MaxBytes: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("New(MaxBytes: -1) err = %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	x := newExtractor(t, Options{})
	_, err := x.Extract(Input{URL: "http://a.example/", Body: []byte("<p>x</p>"), Charset: "klingon"})
	if err == nil || !strings.Contains(err.Error(), `"klingon"`) {
		t.Errorf("unknown charset error %v does not name the label", err)
	}
	_, err = x.Extract(Input{URL: "http://a.example/list", Body: readFixture(t, "listing_index.html")})
	if err == nil || !strings.Contains(err.Error(), "link density") || !strings.Contains(err.Error(), "http://a.example/list") {
		t.Errorf("not-article error %v lacks its evidence or URL", err)
	}
}

func TestCharsets(t *testing.T) {
	const text = "侨乡老街焕新颜，百年骑楼迎来第二春。清晨七点，长堤路的骑楼下已经飘出了早茶的香气，经过一年多的修缮，这条老街重新对市民开放。"
	page := func(meta string) string {
		return "<html><head>" + meta + "<title>老街</title></head><body><div class=\"content\"><p>" + text + "</p><p>" + text + "</p></div></body></html>"
	}
	gbk := func(s string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	utf16le := func(s string) []byte {
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name        string
		in          Input
		wantCharset string
		guessed     bool
	}{
		{"utf-8", Input{Body: []byte(page(`<meta charset="utf-8">`))}, "utf-8", false},
		{"gbk declared gb2312", Input{Body: gbk(page(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`))}, "gb18030", false},
		{"gbk undeclared", Input{Body: gbk(page(""))}, "gb18030", true},
		{"valid UTF-8 wins over a stale meta", Input{Body: []byte(page(`<meta charset="gbk">`))}, "utf-8", false},
		{"BOM wins over meta", Input{Body: append([]byte{0xEF, 0xBB, 0xBF}, page(`<meta charset="gbk">`)...)}, "utf-8", false},
		{"UTF-16LE with BOM", Input{Body: utf16le(page(""))}, "utf-16le", false},
		{"header charset", Input{Body: gbk(page("")), ContentType: "text/html; charset=GBK"}, "gb18030", false},
		{"header latin-1 on UTF-8 bytes", Input{Body: []byte(page("")), ContentType: "text/html; charset=ISO-8859-1"}, "utf-8", false},
		{"unknown header label ignored", Input{Body: gbk(page(`<meta charset="gb2312">`)), ContentType: "text/html; charset=gbk2312x"}, "gb18030", false},
		{"forced label", Input{Body: gbk(page(`<meta charset="utf-8">`)), Charset: "GB2312"}, "gb18030", false},
		{"decoded text is never re-decoded", Input{Body: []byte(page(`<meta charset="big5">`)), Decoded: true}, "utf-8", false},
		{"meta beyond 1024 bytes", Input{Body: gbk("<html><head><!-- " + strings.Repeat("注释", 800) + ` --><meta charset="gbk"><title>老街</title></head><body><p>` + text + "</p><p>" + text + "</p></body></html>")}, "gb18030", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newExtractor(t, Options{})
			d, err := x.Extract(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Charset != tc.wantCharset || d.CharsetGuessed != tc.guessed {
				t.Errorf("charset %q guessed %v, want %q %v", d.Charset, d.CharsetGuessed, tc.wantCharset, tc.guessed)
			}
			if diff := cmp.Diff([]string{text, text}, d.Paragraphs); diff != "" {
				t.Errorf("paragraphs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInvalidBytes(t *testing.T) {
	x := newExtractor(t, Options{})
	// UTF-8 text with stray bytes and a truncated sequence at the end.
	body := []byte("<html><body><p>第一段文字，这是一个测试段落，内容足够长。第二句话在这里。</p><p>坏字节\xff\xfe在中间，后面还有一些正常的中文文字和标点。</p><p>结尾\xe4\xb8</p></body></html>")
	d, err := x.Extract(Input{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	checkUTF8(t, d)
	if !strings.Contains(d.Article.Body, "\uFFFD") {
		t.Errorf("invalid bytes did not become U+FFFD: %q", d.Article.Body)
	}
	// Decoded input with invalid bytes.
	d, err = x.Extract(Input{Body: []byte("标题\n\n正文第一段，\xff有坏字节。\n"), Decoded: true})
	if err != nil {
		t.Fatal(err)
	}
	checkUTF8(t, d)
}

// TestDeepNesting: 100,000 nested elements finish and give a draft or an
// error (the parser refuses depths beyond its stack limit; the tokenizer
// fallback reads the text).
func TestDeepNesting(t *testing.T) {
	x := newExtractor(t, Options{})
	const n = 100000
	for _, tag := range []string{"div", "span", "table", "font"} {
		t.Run(tag, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("<html><body>")
			for range n {
				b.WriteString("<" + tag + ">")
			}
			b.WriteString("深层嵌套的正文内容，这里有足够长的一段中文句子，用来检查提取是否仍然完成。")
			for range n {
				b.WriteString("</" + tag + ">")
			}
			b.WriteString("</body></html>")
			d, err := x.Extract(Input{Body: []byte(b.String())})
			if err != nil {
				if !errors.Is(err, ErrNotArticle) && !errors.Is(err, ErrEmpty) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			checkUTF8(t, d)
			if !strings.Contains(d.Article.Body+d.Article.Title, "深层嵌套的正文内容") {
				t.Errorf("text lost: title %q body %q", d.Article.Title, d.Article.Body)
			}
		})
	}
}

func TestFormatDetection(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
	}{
		{"<!DOCTYPE html><html><body>x</body></html>", FormatHTML},
		{"  <html lang=zh><p>段落</p>", FormatHTML},
		{"<div class=a>文字</div>", FormatHTML},
		{"标题\n\n<b>粗体</b>和<br>换行", FormatHTML},
		{"标题\n\n正文第一段。\n正文第二段。", FormatText},
		{"99福利在线_xxxx影院\n标题\n正文 a < b 且 c > d", FormatText},
	} {
		if got := detectFormat(tc.in); got != tc.want {
			t.Errorf("detectFormat(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCanonicalLink(t *testing.T) {
	x := newExtractor(t, Options{})
	page := func(link string) []byte {
		return []byte(`<html><head><link rel="canonical" href="` + link + `"><title>标题</title></head><body><h1>标题</h1><div class="article-content"><p>正文第一段，内容足够长，讲述了一件事情的来龙去脉。</p><p>正文第二段，继续讲述后续的发展和各方的回应。</p></div></body></html>`)
	}
	for _, tc := range []struct{ url, link, want string }{
		{"https://m.example.com/a/1.html?from=app", "https://www.example.com/a/1.html", "https://www.example.com/a/1.html"},
		{"https://www.example.com/a/1.html", "/a/1.html?utm_source=x", "https://www.example.com/a/1.html"},
		{"https://www.example.com/a/1.html?spm=3", "https://spam.example.org/x.html", "https://www.example.com/a/1.html"},
	} {
		d, err := x.Extract(Input{URL: tc.url, Body: page(tc.link)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Article.CanonicalURL != tc.want || d.Article.URL != tc.url {
			t.Errorf("url %q link %q: canonical %q url %q, want %q", tc.url, tc.link, d.Article.CanonicalURL, d.Article.URL, tc.want)
		}
	}
}

// TestTitleBeforeSubtitle: in a table layout without <h1>, the title
// cell is the title and the dash-led subtitle cell under it (the nearer
// one to the body) the subtitle.
func TestTitleBeforeSubtitle(t *testing.T) {
	x := newExtractor(t, Options{})
	body := `<p>本报讯 日前，市人大代表走进河口镇，围绕乡村振兴开展专题调研，听取群众意见建议。</p><p>代表们先后来到村卫生室、农贸市场和产业园区，详细了解当地发展情况。</p>`
	for _, tc := range []struct{ name, cells, title, subtitle string }{
		{"dash-led subtitle",
			`<tr><td class="title">人大代表走进河口镇开展专题调研</td></tr><tr><td class="subtitle">——倾听民声 汇聚民智</td></tr>`,
			"人大代表走进河口镇开展专题调研", "倾听民声 汇聚民智"},
		{"subtitle by class",
			`<tr><td class="title">人大代表走进河口镇开展专题调研</td></tr><tr><td class="sub-title">倾听民声 汇聚民智</td></tr>`,
			"人大代表走进河口镇开展专题调研", "倾听民声 汇聚民智"},
		{"only a subtitle-like cell",
			`<tr><td class="title">——人大代表走进河口镇开展专题调研</td></tr>`,
			"——人大代表走进河口镇开展专题调研", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := `<html><head><title>专题调研_梧州零距离网</title></head><body><table>` + tc.cells +
				`<tr><td class="content">` + body + `</td></tr></table></body></html>`
			d, err := x.Extract(Input{URL: "http://www.example.cn/news/1.html", Body: []byte(page)})
			if err != nil {
				t.Fatal(err)
			}
			if d.Article.Title != tc.title || d.Article.Subtitle != tc.subtitle {
				t.Errorf("title %q, subtitle %q; want %q, %q", d.Article.Title, d.Article.Subtitle, tc.title, tc.subtitle)
			}
		})
	}
}

func TestLang(t *testing.T) {
	for _, tc := range []struct{ text, htmlLang, want string }{
		{"这是一段中文文字，用来检测语言。", "", "zh"},
		{"这是一段中文文字，用来检测语言。", "en", "zh"},
		{"An English sentence with words.", "en-US", "en"},
		{"An English sentence with words.", "", ""},
		{"これは日本語の文章です。漢字も使います。", "ja", "ja"},
		{"An English sentence inside a Chinese template.", "zh-CN", ""},
	} {
		if got := detectLang(tc.text, "", tc.htmlLang); got != tc.want {
			t.Errorf("detectLang(%q, %q) = %q, want %q", tc.text, tc.htmlLang, got, tc.want)
		}
	}
}

// TestTextFallbackTitle: when the layout has no title, the first line
// is the title and the next short lines are further candidates, so that
// hygiene can skip a spam first line.
func TestTextFallbackTitle(t *testing.T) {
	x := newExtractor(t, Options{})
	lines := splitLines("99福利在线_xxxx影院_毛片网站免费_777sesese\n城南新区再添一所九年一贯制学校\n\n新学校今年秋季开学，可提供两千四百个学位，将有效缓解片区入学压力。\n学校配建了室内体育馆和三百米标准跑道，图书馆藏书超过五万册。")
	lay := zhmeta.TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1, BodyStart: 0, BodyEnd: len(lines)}
	d := &Draft{Article: record.New()}
	if err := x.buildFromLayout(&Input{}, lines, lay, "", d); err != nil {
		t.Fatal(err)
	}
	wantCands := []string{"99福利在线_xxxx影院_毛片网站免费_777sesese", "城南新区再添一所九年一贯制学校"}
	if diff := cmp.Diff(wantCands, d.TitleCandidates); diff != "" {
		t.Errorf("title candidates (-want +got):\n%s", diff)
	}
	wantBody := []string{"城南新区再添一所九年一贯制学校", "新学校今年秋季开学，可提供两千四百个学位，将有效缓解片区入学压力。", "学校配建了室内体育馆和三百米标准跑道，图书馆藏书超过五万册。"}
	if diff := cmp.Diff(wantBody, d.Paragraphs); diff != "" {
		t.Errorf("paragraphs (-want +got):\n%s", diff)
	}
	// A faulty layout (indexes out of range) must not panic.
	bad := zhmeta.TextLayout{Title: 99, Subtitle: -5, Breadcrumb: 7, Byline: []int{-1, 100}, Preamble: []int{50}, BodyStart: -3, BodyEnd: 1000}
	d = &Draft{Article: record.New()}
	if err := x.buildFromLayout(&Input{}, lines, bad, "", d); err != nil {
		t.Fatal(err)
	}
	checkUTF8(t, d)
}

// TestConcurrent runs one Extractor from several goroutines.
func TestConcurrent(t *testing.T) {
	x := newExtractor(t, Options{})
	files := []string{"seed_gbk.html", "portal_table_gb2312.html", "comments_related.html", "seed.txt"}
	want := make([]string, len(files))
	for i, f := range files {
		d, err := x.Extract(Input{Body: readFixture(t, f)})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = d.Article.Body
	}
	done := make(chan error, 8)
	for range 8 {
		go func() {
			for i, f := range files {
				d, err := x.Extract(Input{Body: readFixture(t, f)})
				if err != nil {
					done <- err
					return
				}
				if d.Article.Body != want[i] {
					done <- errors.New("different body under concurrency: " + f)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestWidePages: very wide documents (100,000 siblings) finish; every
// pass over them is linear or close to it.
func TestWidePages(t *testing.T) {
	x := newExtractor(t, Options{})
	for _, tc := range []struct {
		name, item string
	}{
		{"paragraphs", "<p>第一句话，第二句话。</p>"},
		{"links", `<li><a href="/n/1.html">一条新闻标题链接</a></li>`},
		{"divs with classes", `<div class="item share-x">文字，内容。</div>`},
		{"brs", "一行文字，内容。<br>"},
		{"images", `<div class="card"><img src="x.jpg"><a href="/a">标题</a></div>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := "<html><body><div id=main>" + strings.Repeat(tc.item, 100000) + "</div></body></html>"
			d, err := x.Extract(Input{Body: []byte(page)})
			if err != nil {
				if !errors.Is(err, ErrNotArticle) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			checkUTF8(t, d)
		})
	}
}

func TestInputLocationOverridesDefault(t *testing.T) {
	x := newExtractor(t, Options{})
	page := []byte(`<html><head><title>台北市公布新措施</title></head><body><h1>台北市公布新措施</h1><div class="info">發佈時間：2024-03-05 09:30</div><div class="article-content"><p>台北市政府今日公布多項便民新措施，涵蓋交通、醫療與社會福利等方面，市民反應熱烈。</p><p>市府表示，相關措施將於下個月起陸續實施，並將定期檢討成效，持續改善服務品質。</p></div></body></html>`)
	taipei := time.FixedZone("Asia/Taipei", 8*3600)
	tokyo := time.FixedZone("Asia/Tokyo", 9*3600)
	for _, tc := range []struct {
		loc  *time.Location
		want string
	}{{nil, "2024-03-05T09:30:00+08:00"}, {taipei, "2024-03-05T09:30:00+08:00"}, {tokyo, "2024-03-05T09:30:00+09:00"}} {
		d, err := x.Extract(Input{Body: page, Decoded: true, Location: tc.loc})
		if err != nil {
			t.Fatal(err)
		}
		if d.Article.PublishedAt != tc.want {
			t.Errorf("location %v: published_at %q, want %q", tc.loc, d.Article.PublishedAt, tc.want)
		}
	}
}
