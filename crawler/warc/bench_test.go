package warc

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// page30K returns a ~30 KB HTML page of varied Chinese text (UTF-8), so
// that compression behaves as on real pages.
func page30K(seed uint64) []byte {
	sentences := []string{
		"市政法机关扎实开展“我为群众办实事”实践活动，", "截至目前，全市政法系统共开展实事%d多件次，",
		"推出便民举措%d项。", "群众满意是最好的“试金石”。", "记者从市交通运输局获悉，", "今年第%d季度全市完成投资%d亿元，",
		"同比增长%d.%d%%。", "梧州零距离网讯（记者 李%d）", "据了解，该项目总投资约%d万元，", "预计将于%d月底前完工。",
		"<a href=\"/news/local/2024-05/%02d/story-%d.html\">相关新闻%d</a>", "责任编辑：徐%d", "来源：梧州日报",
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>续写更多政法干警“春天的故事”_聚焦梧州_梧州零距离网</title></head><body><div class=\"content\">\n")
	for b.Len() < 30<<10 {
		b.WriteString("<p>")
		for range 3 + rng.IntN(5) {
			s := sentences[rng.IntN(len(sentences))]
			n := strings.Count(s, "%d") + strings.Count(s, "%02d")
			args := make([]any, n)
			for i := range args {
				args[i] = rng.IntN(1000)
			}
			fmt.Fprintf(&b, s, args...)
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</div></body></html>\n")
	return []byte(b.String())
}

func benchResponse(body []byte) Response {
	return Response{
		URL: "http://news.example.com/news/local/2024-05/17/story-1.html", StatusCode: 200, Proto: "HTTP/1.1",
		Header: http.Header{
			"Content-Type": {"text/html; charset=utf-8"}, "Date": {"Fri, 17 May 2024 08:30:00 GMT"},
			"Server": {"nginx"}, "Etag": {`"6647157c-7800"`}, "Last-Modified": {"Fri, 17 May 2024 08:00:00 GMT"},
		},
		Body: body, FetchedAt: time.Date(2024, 5, 17, 8, 30, 0, 0, time.UTC), RemoteAddr: "203.0.113.7:80",
	}
}

// BenchmarkWriteResponse measures archiving 30 KB pages (response and
// request records, gzip per record, to a file in a temporary directory).
//
//	go test -run XXX -bench WriteResponse -benchtime 2s ./crawler/warc/
func BenchmarkWriteResponse(b *testing.B) {
	pages := make([][]byte, 16)
	for i := range pages {
		pages[i] = page30K(uint64(i))
	}
	for _, bc := range []struct {
		name     string
		level    int
		parallel bool
	}{
		{"level1", 1, false},
		{"level6", 6, false},
		{"level1-parallel", 1, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w, err := NewWriter(Options{Dir: b.TempDir(), CompressionLevel: bc.level})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			b.SetBytes(int64(len(pages[0])))
			b.ReportAllocs()
			if bc.parallel {
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						if _, err := w.WriteResponse(b.Context(), benchResponse(pages[i%len(pages)])); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
			} else {
				i := 0
				for b.Loop() {
					if _, err := w.WriteResponse(b.Context(), benchResponse(pages[i%len(pages)])); err != nil {
						b.Fatal(err)
					}
					i++
				}
			}
			st := w.Stats()
			if st.Responses > 0 {
				b.ReportMetric(float64(st.Bytes)/float64(st.Responses), "disk-B/page")
			}
		})
	}
}
