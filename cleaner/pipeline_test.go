package cleaner

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/cleaner/extract"
	"winnow/cleaner/normalize"
	"winnow/crawler/demosite"
	"winnow/internal/cputime"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// sharedCleaner builds one default Cleaner for the package's tests
// (loading the dictionaries takes a while).
var sharedCleaner = sync.OnceValues(func() (*Cleaner, error) { return New(Options{}) })

func newCleaner(t testing.TB) *Cleaner {
	t.Helper()
	c, err := sharedCleaner()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readPage(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// linkDensePage builds a ~30 KB link-dense article page like the crawl
// benchmark's: a headline, a date line, about 20 KB of paragraphs and a
// related list of 50 links.
func linkDensePage(n int) []byte {
	sentences := []string{
		"市政府新闻办公室今天上午举行发布会，介绍今年以来全市重点项目建设进展情况",
		"截至目前，全市共有在建重点项目一百二十六个，完成年度投资计划的百分之八十一",
		"有关负责人表示，将继续优化审批流程，推动项目早开工、早投产、早见效",
		"记者在现场看到，施工人员正在有序作业，塔吊林立，运输车辆往来穿梭",
		"据介绍，该项目建成后预计每年可新增就业岗位三千余个，带动上下游产业发展",
		"下一步，相关部门将加强要素保障，及时协调解决项目建设中遇到的困难和问题",
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>全市重点项目建设稳步推进（第%d期） - 城市观察</title>\n</head>\n<body>\n", n)
	fmt.Fprintf(&b, "<h1>全市重点项目建设稳步推进（第%d期）</h1>\n<div class=\"meta\">时间：2026-10-%02d 08:%02d 来源：城市观察</div>\n<div class=\"article-body\">\n", n, 1+n%28, n%60)
	for p := 0; b.Len() < 24<<10; p++ {
		b.WriteString("<p>")
		for k := range 3 {
			b.WriteString(sentences[(n+p*3+k)%len(sentences)])
			b.WriteString("。")
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</div>\n<div class=\"related\"><h3>相关阅读</h3><ul>\n")
	for i := range 50 {
		m := (n*7919 + i*104729) % 20000
		fmt.Fprintf(&b, "<li><a href=\"/a/%06d.html?utm_source=bench\">全市重点项目建设稳步推进（第%d期）</a></li>\n", m, m)
	}
	b.WriteString("</ul></div>\n</body>\n</html>\n")
	return []byte(b.String())
}

// demositePage renders page n of the crawl benchmark's link-dense site
// (crawler/demosite) in a layout.
func demositePage(tb testing.TB, n int, layout demosite.Layout) []byte {
	tb.Helper()
	return demositePages(tb, n+1, layout)[n]
}

// demositePages renders pages 0..n-1 of the crawl benchmark's link-dense
// site (crawler/demosite: ~30 KB, 50 related links each) in a layout.
func demositePages(tb testing.TB, n int, layout demosite.Layout) [][]byte {
	tb.Helper()
	site := demosite.NewLinkDense(demosite.Options{Pages: n, Layout: layout})
	pages := make([][]byte, n)
	for i := range pages {
		w := httptest.NewRecorder()
		site.ServeHTTP(w, httptest.NewRequest(http.MethodGet, site.Path(i), nil))
		if w.Code != http.StatusOK {
			tb.Fatalf("page %d: status %d", i, w.Code)
		}
		pages[i] = w.Body.Bytes()
	}
	return pages
}

func TestCleanFixtures(t *testing.T) {
	type removal struct{ Rule, Field string }
	tests := []struct {
		name       string
		page       []byte
		url        string
		title      string
		paragraphs int
		verdict    string
		script     string
		removed    []removal
	}{
		{
			name: "portal_zh", page: readPage(t, "portal_zh.html"), url: "https://news.example.cn/local/2026/03/12/1.html",
			title: "市区公交线网优化调整方案正式实施", paragraphs: 8, verdict: record.VerdictCleaned, script: record.ScriptHans,
			removed: []removal{
				{"spam.gambling_brand", record.FieldPage}, // the injected header line
				{"boilerplate.breadcrumb", record.FieldPage},
				{"spam.gambling_brand", record.FieldPage}, // the hidden link farm
				{"boilerplate.editor_line", record.FieldPage},
			},
		},
		{
			name: "article_en", page: readPage(t, "article_en.html"), url: "https://courier.example.com/local/park",
			title: "Council approves Riverside Park expansion", paragraphs: 8, verdict: record.VerdictCleaned,
			removed: []removal{{"boilerplate.breadcrumb", record.FieldPage}},
		},
		{
			name: "link_dense", page: linkDensePage(7), url: "https://city.example.cn/a/000007.html",
			title: "全市重点项目建设稳步推进（第7期）", paragraphs: 74, verdict: record.VerdictClean, script: record.ScriptHans,
		},
	}
	c := newCleaner(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := c.Clean(t.Context(), Input{URL: tc.url, Body: tc.page})
			if err != nil {
				t.Fatal(err)
			}
			recordtest.Check(t, a)
			var removed []removal
			for _, r := range a.Hygiene.Removed {
				removed = append(removed, removal{r.Rule, r.Field})
			}
			paras := len(strings.Split(a.Body, "\n"))
			got := []any{a.Title, paras, a.Hygiene.Verdict, a.ScriptIn, a.ScriptOut, removed}
			want := []any{tc.title, tc.paragraphs, tc.verdict, tc.script, tc.script, tc.removed}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("title, paragraphs, verdict, script_in, script_out, removals (-want +got):\n%s", d)
			}
		})
	}
}

// TestCleanScripts checks script_in and script_out around conversion:
// the output script is counted again only when conversion changed the
// text, and is the input script otherwise.
func TestCleanScripts(t *testing.T) {
	hant := "乾隆年間的詩詞與書畫\n這篇文章講述了臺灣與香港兩地學者對乾隆時期書畫藝術的研究，並討論了當時宮廷收藏的來歷與變遷，學者們認為這些資料對於理解清代文化史具有重要價值。"
	hans := "城市公交线网优化调整\n市交通运输局表示，这次调整涉及线路三十八条，新开线路六条，优化线路二十七条，调整后的线网覆盖新建小区和产业园区，方便市民出行。"
	tests := []struct {
		config, text, in, out string
	}{
		{"t2s", hant, record.ScriptHant, record.ScriptHans},
		{"t2s", hans, record.ScriptHans, record.ScriptHans},
		{"s2t", hans, record.ScriptHans, record.ScriptHant},
		{normalize.None, hant, record.ScriptHant, record.ScriptHant},
		{"t2s", "A plain English line.\nAnother sentence of the same plain English text follows here.", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.config+"/"+tc.in, func(t *testing.T) {
			conv, err := normalize.New(tc.config)
			if err != nil {
				t.Fatal(err)
			}
			c, err := New(Options{Converter: conv})
			if err != nil {
				t.Fatal(err)
			}
			a, err := c.Clean(t.Context(), Input{Body: []byte(tc.text), Format: extract.FormatText})
			if err != nil {
				t.Fatal(err)
			}
			recordtest.Check(t, a)
			if d := cmp.Diff([]string{tc.in, tc.out}, []string{a.ScriptIn, a.ScriptOut}); d != "" {
				t.Errorf("script_in, script_out (-want +got):\n%s", d)
			}
		})
	}
}

// BenchmarkClean runs the whole content path (extract, hygiene,
// normalize, ids) on one page per iteration and reports pages/s, pages
// per CPU-second of the process (GC included; the figure to compare on a
// shared machine) and allocations per page:
//
//	go test ./cleaner -run '^$' -bench Clean -benchtime 200x
func BenchmarkClean(b *testing.B) {
	pages := []struct {
		name string
		page []byte
	}{
		{"portal_zh", readPage(b, "portal_zh.html")},
		{"article_en", readPage(b, "article_en.html")},
		{"link_dense_30k", linkDensePage(1)},
		{"demosite_link_dense", demositePage(b, 1, demosite.LayoutArticleText)},
		{"demosite_portal", demositePage(b, 1, demosite.LayoutPortal)},
	}
	c := newCleaner(b)
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(p.page)))
			b.ReportAllocs()
			cpu0 := cputime.Process()
			for b.Loop() {
				if _, err := c.Clean(b.Context(), Input{URL: "https://news.example.cn/a/1.html", Body: p.page}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
			if cpu := cputime.Process() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "pages/cpu-s")
			}
		})
	}
}

// BenchmarkExtractLinkDense runs extraction alone over pages of the crawl
// benchmark's link-dense site, one page per iteration, and reports the
// process's CPU time per page (GC included; the figure to compare on a
// shared machine):
//
//	go test ./cleaner -run '^$' -bench ExtractLinkDense -count 5
func BenchmarkExtractLinkDense(b *testing.B) {
	pages := demositePages(b, 64, demosite.LayoutArticleText)
	x, err := extract.New(extract.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pages[0])))
	b.ReportAllocs()
	i := 0
	cpu0 := cputime.Process()
	for b.Loop() {
		p := pages[i%len(pages)]
		i++
		if _, err := x.Extract(extract.Input{URL: "https://bench.example.cn/a.html", Body: p}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cputime.Process() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
