package extract

import (
	"errors"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzExtract: any bytes give a draft or an error, never a panic, and a
// draft holds only valid UTF-8. Inputs are bounded (MaxBytes) so that
// every run is short.
func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.html")
	txts, _ := filepath.Glob("testdata/*.txt")
	for _, name := range append(files, txts...) {
		b := readFixture(f, filepath.Base(name))
		if len(b) > 4096 {
			b = b[:4096]
		}
		f.Add(b, false, uint8(0))
	}
	for _, s := range []string{
		"", "<", "<html", "<p>\xff\xfe</p>", "\xef\xbb\xbf<meta charset=gbk><p>中文</p>",
		"<div><div><div>深层</div>", "<table><td><br><br>正文<br>", "标题\n\n正文。",
		"<script>var a='</script>'</script><p>x</p>", "<!-- <script> --><p>正文</p>",
		"<svg><svg></svg></svg><p>文字</p>", "<a><h1>标题</h1></a><p>时间：2022-02-24 来源：某网</p>",
		"<script type=application/ld+json>{\"@type\":\"NewsArticle\",\"author\":[[[{\"name\":1}]]]}</script>",
	} {
		f.Add([]byte(s), false, uint8(0))
		f.Add([]byte(s), true, uint8(1))
	}
	x, err := New(Options{MaxBytes: 64 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, decoded bool, format uint8) {
		in := Input{URL: "http://example.com/2022/0224/a.html", Body: body, Decoded: decoded, Format: Format(format % 3)}
		d, err := x.Extract(in)
		if errors.Is(err, ErrInternal) {
			t.Fatal(err)
		}
		if err != nil {
			if d != nil {
				t.Fatalf("draft with error %v", err)
			}
			return
		}
		checkUTF8(t, d)
		if !utf8.ValidString(d.Article.Body) {
			t.Fatal("invalid body")
		}
		if d.Article.PublishedAt != "" && d.Article.PublishedPrecision == "" {
			t.Fatal("date without precision")
		}
	})
}
