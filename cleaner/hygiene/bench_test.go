package hygiene

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"winnow/internal/cputime"
)

// benchDoc is the host article with the corpus lines of one expectation:
// "keep" gives a clean news page full of false-positive traps, anything
// else a page with many injected lines.
func benchDoc(b *testing.B, keep bool) Document {
	b.Helper()
	var extra []string
	for _, cc := range corpusCases(b) {
		if (cc.expect == "keep") == keep && (keep || len(extra) < 12) {
			extra = append(extra, cc.text)
		}
	}
	return hostDoc(b, nil, extra...)
}

func docBytes(d Document) int64 {
	n := 0
	for _, s := range d.TitleCandidates {
		n += len(s)
	}
	for _, s := range d.Body {
		n += len(s) + 1
	}
	for _, s := range d.Segments {
		n += len(s.Text)
	}
	return int64(n)
}

// BenchmarkCleanPage cleans a clean news page (~4 KB, 80 paragraphs,
// most of them false-positive traps).
func BenchmarkCleanPage(b *testing.B) {
	c := defaultCleaner(b)
	doc := benchDoc(b, true)
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkCleanSpammyPage cleans a page with 12 injected spam, ad and
// boilerplate lines among 18 (removals cost their reasons).
func BenchmarkCleanSpammyPage(b *testing.B) {
	c := defaultCleaner(b)
	doc := benchDoc(b, false)
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkCleanMB cleans a 1 MB document (the clean page repeated) to
// show the cost is linear in the input.
func BenchmarkCleanMB(b *testing.B) {
	c := defaultCleaner(b)
	page := benchDoc(b, true)
	doc := Document{TitleCandidates: page.TitleCandidates}
	for docBytes(doc) < 1<<20 {
		doc.Body = append(doc.Body, page.Body...)
	}
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkCleanTraditionalPage is the clean page in Traditional script,
// which adds the t2s folding of every line.
func BenchmarkCleanTraditionalPage(b *testing.B) {
	c := defaultCleaner(b)
	p := parts(b)
	doc := benchDoc(b, true)
	for i := range doc.Body {
		doc.Body[i] = p.s2t.Convert(doc.Body[i])
	}
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkNew measures building a Cleaner (compiling the ruleset) with
// shared script tables.
func BenchmarkNew(b *testing.B) {
	p := parts(b)
	for b.Loop() {
		if _, err := New(Options{Scripts: p.scripts, Simplify: p.t2s.Convert}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCleanSpamPage cleans a whole gambling page (testdata/golden/
// promo_page.txt): the page judgement re-reads every kept line.
func BenchmarkCleanSpamPage(b *testing.B) {
	c := defaultCleaner(b)
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "promo_page.txt"))
	if err != nil {
		b.Fatal(err)
	}
	doc := textDoc(string(data))
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// pageDoc reads a ROLE<TAB>TEXT fixture (testdata/bench) into a
// Document: title lines are title candidates, body lines paragraphs,
// other roles segments in file order.
func pageDoc(b testing.TB, name string) Document {
	b.Helper()
	var doc Document
	for i, l := range readLines(b, filepath.Join("bench", name)) {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		role, text, ok := strings.Cut(l, "\t")
		if !ok {
			b.Fatalf("%s:%d: no tab", name, i+1)
		}
		switch role {
		case "title":
			doc.TitleCandidates = append(doc.TitleCandidates, text)
		case "body":
			doc.Body = append(doc.Body, text)
		default:
			doc.Segments = append(doc.Segments, Segment{Text: text, Role: Role(role)})
		}
	}
	return doc
}

// linkDenseDoc is the news page with its chrome replaced by n short
// link texts (headlines, channel names, numbered rankings, a few
// dates), as the extractor hands over a link-dense page.
func linkDenseDoc(b testing.TB, n int) Document {
	b.Helper()
	doc := pageDoc(b, "news_page.txt")
	places := []string{"江南区", "城北区", "滨江新区", "东湖街道", "高新区", "南湖镇", "江北区", "西山县"}
	events := []string{"老旧小区改造项目开工", "开展消防安全演练", "举办夏季招聘会", "新建口袋公园开放",
		"启动港澳青年实习计划", "推进垃圾分类示范", "开通夜间公交线路", "举行龙舟邀请赛"}
	tails := []string{"惠及居民%d户", "%d名志愿者参与", "提供岗位%d个", "%d支队伍同场竞技", "新增车位%d个"}
	channels := []string{"首页", "要闻", "时政", "民生", "财经", "科技", "体育", "文化", "教育", "健康", "视频", "图片"}
	var segs []Segment
	for i := range n {
		var t string
		switch {
		case i%10 == 0:
			t = channels[(i/10)%len(channels)]
		case i%10 == 5:
			t = fmt.Sprintf("%d %s%s", i%9+1, places[i%len(places)], events[(i/3)%len(events)])
		case i%10 == 7:
			t = fmt.Sprintf("2024-05-%02d", i%28+1)
		default:
			t = places[(i*7)%len(places)] + events[(i*5)%len(events)] + " " +
				fmt.Sprintf(tails[i%len(tails)], 10+i*37%900) + fmt.Sprintf("（第%d期）", i%40)
		}
		segs = append(segs, Segment{Text: t, Role: RoleChrome})
	}
	for _, s := range doc.Segments {
		if s.Role != RoleChrome {
			segs = append(segs, s)
		}
	}
	doc.Segments = segs
	return doc
}

// BenchmarkCleanNewsPage cleans a typical news page as the extractor
// hands it over: two title candidates, 20 body paragraphs (~6 KB) and
// ~3 KB of chrome (navigation, related links, rankings, footer).
func BenchmarkCleanNewsPage(b *testing.B) {
	benchClean(b, pageDoc(b, "news_page.txt"))
}

// BenchmarkCleanLinkDensePage cleans the news page with ~300 short
// link-text chrome lines instead of its chrome (a link-dense page).
func BenchmarkCleanLinkDensePage(b *testing.B) {
	benchClean(b, linkDenseDoc(b, 300))
}

// BenchmarkCleanDemositePage cleans what the extractor hands over for a
// page of the crawl benchmark's link-dense site: ~24 KB of long article
// paragraphs and 51 short link lines.
func BenchmarkCleanDemositePage(b *testing.B) {
	benchClean(b, pageDoc(b, "demosite_link_dense.txt"))
}

// benchClean cleans doc with the default rules once per iteration and
// also reports the process's CPU time per page (GC included; the figure
// to compare on a shared machine).
func benchClean(b *testing.B, doc Document) {
	c := defaultCleaner(b)
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		c.Clean(doc)
	}
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
