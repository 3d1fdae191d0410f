package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkExtract extracts every fixture once per iteration; MB/s is
// over the fixtures' bytes.
//
//	go test -run xxx -bench . -benchtime 200x ./cleaner/extract
func BenchmarkExtract(b *testing.B) {
	files, _ := filepath.Glob("testdata/*.html")
	var pages [][]byte
	var total int64
	for _, f := range files {
		p := readFixture(b, filepath.Base(f))
		pages = append(pages, p)
		total += int64(len(p))
	}
	x := newExtractor(b, Options{})
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pages {
			_, _ = x.Extract(Input{Body: p})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pages)), "ns/page")
}

// BenchmarkExtractLarge extracts one large portal page: the seed article
// inside 2,000 navigation links and a long comment section.
func BenchmarkExtractLarge(b *testing.B) {
	seed := string(readFixture(b, "seed_title_spam.html"))
	var nav, comments strings.Builder
	for i := range 2000 {
		nav.WriteString(`<li><a href="/n/` + itoa(i) + `.html">栏目链接标题第` + itoa(i) + `条</a></li>`)
	}
	for i := range 300 {
		comments.WriteString(`<div class="comment-item"><span class="user">网友` + itoa(i) + `</span>：评论内容，这是一条比较长的评论，说明了读者的看法。</div>`)
	}
	page := strings.Replace(seed, "<body>", "<body><ul class=\"nav\">"+nav.String()+"</ul>", 1)
	page = strings.Replace(page, "</body>", "<div id=\"comments\">"+comments.String()+"</div></body>", 1)
	x := newExtractor(b, Options{})
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.Extract(Input{Body: []byte(page)}); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// BenchmarkExtractZhNewsDev extracts the real pages of the shared
// zh-news-dev set (markup-heavy portal pages, inline scripts and styles),
// one page per iteration; it skips when the set is not there.
//
//	go test -run xxx -bench ZhNewsDev -count 5 ./cleaner/extract
func BenchmarkExtractZhNewsDev(b *testing.B) {
	files, _ := filepath.Glob("../../../shared/data/zh-news-dev/html/*.html")
	if len(files) == 0 {
		b.Skip("no pages in ../../../shared/data/zh-news-dev/html (the shared development set)")
	}
	var pages [][]byte
	var total int64
	for _, f := range files {
		p, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
		total += int64(len(p))
	}
	x := newExtractor(b, Options{})
	b.SetBytes(total / int64(len(pages)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = x.Extract(Input{URL: "https://news.example.cn/a/1.html", Body: pages[i%len(pages)]})
		i++
	}
}
