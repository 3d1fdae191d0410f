package zhmeta

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// readLines reads a testdata file as lines.
func readLines(t testing.TB, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(data), "\n")
}

// layoutView is a TextLayout with line texts, for golden files and diffs.
type layoutView struct {
	Title      *lineView  `json:"title"`
	Subtitle   *lineView  `json:"subtitle"`
	Breadcrumb *lineView  `json:"breadcrumb"`
	Byline     []lineView `json:"byline"`
	Preamble   []lineView `json:"preamble"`
	BodyStart  int        `json:"body_start"`
	BodyEnd    int        `json:"body_end"`
	Paragraphs []string   `json:"paragraphs"`
	Trailer    []lineView `json:"trailer"`
	Meta       bylineView `json:"meta"`
	Site       string     `json:"site"`
	Section    string     `json:"section"`
}

type lineView struct {
	Line int    `json:"line"`
	Text string `json:"text"`
}

func viewLayout(lines []string, l TextLayout) layoutView {
	one := func(i int) *lineView {
		if i < 0 {
			return nil
		}
		return &lineView{i, strings.TrimSpace(lines[i])}
	}
	many := func(is []int) []lineView {
		var out []lineView
		for _, i := range is {
			out = append(out, lineView{i, strings.TrimSpace(lines[i])})
		}
		return out
	}
	v := layoutView{
		Title: one(l.Title), Subtitle: one(l.Subtitle), Breadcrumb: one(l.Breadcrumb),
		Byline: many(l.Byline), Preamble: many(l.Preamble), Trailer: many(l.Trailer),
		BodyStart: l.BodyStart, BodyEnd: l.BodyEnd,
		Meta: viewOf(l.Meta, !l.Meta.Published.IsZero() || l.Meta.Origin != "" || len(l.Meta.Authors) > 0 || l.Meta.Editor != ""),
		Site: l.Site, Section: l.Section,
	}
	for i := l.BodyStart; i < l.BodyEnd; i++ {
		if p := strings.TrimSpace(lines[i]); p != "" {
			v.Paragraphs = append(v.Paragraphs, p)
		}
	}
	return v
}

// TestAnalyzeTextSeed checks the project seed against a golden file and
// against the fields of shared/seed/expected.json (in Traditional script:
// this package runs before the t2s conversion).
func TestAnalyzeTextSeed(t *testing.T) {
	lines := readLines(t, "seed.txt")
	l := AnalyzeTextAt(lines, nil, testNow)
	got := viewLayout(lines, l)
	checkGolden(t, "seed.golden.json", got)

	text := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(lines[i])
	}
	type seedFields struct {
		Title, Subtitle, Published, Precision, Origin, Editor, Site, Section string
		Authors                                                              []string
		Removed                                                              []string
		Paragraphs                                                           int
		FirstStarts, LastEnds                                                string
	}
	want := seedFields{
		Title:     "續寫更多政法干警“春天的故事”",
		Subtitle:  "市政法機關扎實開展“我為群眾辦實事”實踐活動綜述",
		Published: "2022-02-24", Precision: "day",
		Origin: "梧州零距離網-梧州日報", Editor: "徐慧",
		Site: "梧州零距離網", Section: "聚焦梧州",
		Authors:     []string{"李繼遠", "高寒", "廖敬生"},
		Removed:     []string{"99福利在线_xxxx影院_毛片网站免费_777sesese", "梧州零距離APP梧州零距離", "梧州零距離網 > 聚焦梧州 > 正文"},
		Paragraphs:  19,
		FirstStarts: "“現在我從小區門前道路經過",
		LastEnds:    "(李繼遠 高寒 廖敬生)",
	}
	g := seedFields{
		Title: text(l.Title), Subtitle: TrimSubtitle(text(l.Subtitle)),
		Published: l.Meta.Published.Format("2006-01-02"), Precision: l.Meta.Precision,
		Origin: l.Meta.Origin, Editor: l.Meta.Editor, Site: l.Site, Section: l.Section,
		Authors: l.Meta.Authors, Paragraphs: len(got.Paragraphs),
	}
	for _, i := range l.Preamble {
		g.Removed = append(g.Removed, text(i))
	}
	g.Removed = append(g.Removed, text(l.Breadcrumb))
	if n := len(got.Paragraphs); n > 0 {
		if strings.HasPrefix(got.Paragraphs[0], want.FirstStarts) {
			g.FirstStarts = want.FirstStarts
		}
		if strings.HasSuffix(got.Paragraphs[n-1], want.LastEnds) {
			g.LastEnds = want.LastEnds
		}
	}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("seed layout mismatch (-want +got):\n%s", diff)
	}
	if _, off := l.Meta.Published.Zone(); off != 8*3600 {
		t.Errorf("seed date offset = %d, want +08:00", off)
	}
}

// checkGolden compares v with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// TestAnalyzeTextFixtures runs the layouts of hand-written articles.
func TestAnalyzeTextFixtures(t *testing.T) {
	for _, name := range []string{"simplified.txt", "multiline_byline.txt", "no_byline.txt", "spam_head.txt"} {
		t.Run(name, func(t *testing.T) {
			lines := readLines(t, name)
			got := viewLayout(lines, AnalyzeTextAt(lines, nil, testNow))
			checkGolden(t, strings.TrimSuffix(name, ".txt")+".golden.json", got)
		})
	}
}

func TestAnalyzeText(t *testing.T) {
	body1 := "本报讯 昨天上午，市政府召开常务会议，研究部署春季农业生产工作。"
	body2 := "会议指出，要抓好春耕备耕，确保粮食播种面积稳定。"
	body3 := "会议还研究了其他事项。"
	tests := []struct {
		name  string
		lines []string
		want  TextLayout
	}{
		{
			name:  "empty input",
			lines: nil,
			want:  TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1},
		},
		{
			name:  "blank lines only",
			lines: []string{"", "  ", "\u3000"},
			want:  TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1, BodyStart: 3, BodyEnd: 3},
		},
		{
			name:  "only a title",
			lines: []string{"市政府部署春季农业生产工作"},
			want:  TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, BodyStart: 1, BodyEnd: 1},
		},
		{
			name:  "title and subtitle only",
			lines: []string{"市政府部署春季农业生产工作", "——确保粮食播种面积稳定", ""},
			want:  TextLayout{Title: 0, Subtitle: 1, Breadcrumb: -1, BodyStart: 3, BodyEnd: 3},
		},
		{
			name:  "no byline",
			lines: []string{"市政府部署春季农业生产工作", "", body1, "", body2},
			want:  TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, BodyStart: 2, BodyEnd: 5},
		},
		{
			name:  "body only",
			lines: []string{body1, body2},
			want:  TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1, BodyStart: 0, BodyEnd: 2},
		},
		{
			name:  "short headings stay in the body",
			lines: []string{body1, "一、抓好春耕", body2},
			want:  TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1, BodyStart: 0, BodyEnd: 3},
		},
		{
			name:  "byline first, no title",
			lines: []string{"作者：张三", body1, body2},
			want: TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1, Byline: []int{0}, BodyStart: 1, BodyEnd: 3,
				Meta: Byline{Authors: []string{"张三"}}},
		},
		{
			name: "account name under the title",
			lines: []string{"日本最后一家传呼机公司停止服务", "IT之家", "发布时间：2021-09-30 22:46 来源：IT之家",
				body1},
			want: TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, Byline: []int{2}, Preamble: []int{1},
				BodyStart: 3, BodyEnd: 4,
				Meta: Byline{Published: time.Date(2021, 9, 30, 22, 46, 0, 0, DefaultLocation()), Precision: "minute", Origin: "IT之家"}},
		},
		{
			name: "widgets between byline and body",
			lines: []string{"首页 > 国内 > 正文", "市政府部署春季农业生产工作", "2022-02-24 10:30 来源：新华网", "分享到：",
				"字号 大 中 小", "1032人参与308评论", body1},
			want: TextLayout{Title: 1, Subtitle: -1, Breadcrumb: 0, Byline: []int{2}, Preamble: []int{3, 4, 5},
				BodyStart: 6, BodyEnd: 7, Section: "国内",
				Meta: Byline{Published: time.Date(2022, 2, 24, 10, 30, 0, 0, DefaultLocation()), Precision: "minute", Origin: "新华网"}},
		},
		{
			name: "trailer: editor, copyright, related links",
			lines: []string{"市政府部署春季农业生产工作", "", body1, "", body2, "", body3, "", "（完）",
				"责任编辑：王五", "相关阅读", "春耕时节农机忙", "全市春播进度过半", "版权所有 © 某某日报社"},
			want: TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, BodyStart: 2, BodyEnd: 9,
				Trailer: []int{9, 10, 11, 12, 13}, Meta: Byline{Editor: "王五"}},
		},
		{
			name:  "a date line at the end stays in the body",
			lines: []string{"关于春节放假安排的通知", body1, "市人民政府办公室", "2022年1月20日"},
			want:  TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, BodyStart: 1, BodyEnd: 4},
		},
		{
			name:  "trailer byline fills missing fields",
			lines: []string{"市政府部署春季农业生产工作", "2022-02-24", body1, body2, "（记者 李四）", "本文来源：梧州日报 责任编辑：徐慧"},
			want: TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, Byline: []int{1}, BodyStart: 2, BodyEnd: 4,
				Trailer: []int{4, 5},
				Meta: Byline{Published: time.Date(2022, 2, 24, 0, 0, 0, 0, DefaultLocation()), Precision: "day",
					Origin: "梧州日报", Authors: []string{"李四"}, Editor: "徐慧"}},
		},
		{
			name:  "repeated title line",
			lines: []string{"市政府部署春季农业生产工作", "市政府部署春季农业生产工作", body1},
			want:  TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, Preamble: []int{1}, BodyStart: 2, BodyEnd: 3},
		},
		{
			name: "spam lines before the title, no byline",
			lines: []string{"澳门新葡京_官网登录_注册送88彩金_8888vip", "福利 影院 免费 在线 观看", "本文关键词：福利，影院，免费",
				"市政府部署春季农业生产工作", body1},
			want: TextLayout{Title: 3, Subtitle: -1, Breadcrumb: -1, Preamble: []int{0, 1, 2}, BodyStart: 4, BodyEnd: 5},
		},
		{
			name:  "title ending in a question mark",
			lines: []string{"龙湖多地项目接连爆雷，问题出在哪里？", body1},
			want:  TextLayout{Title: 0, Subtitle: -1, Breadcrumb: -1, BodyStart: 1, BodyEnd: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AnalyzeTextAt(tt.lines, nil, testNow)
			if diff := cmp.Diff(tt.want, got, cmpEmpty(), cmpEmptyInts()); diff != "" {
				t.Errorf("AnalyzeTextAt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func cmpEmptyInts() cmp.Option {
	return cmp.FilterValues(func(a, b []int) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
}

func TestAnalyzeTextRealClock(t *testing.T) {
	lines := readLines(t, "seed.txt")
	if got := AnalyzeText(lines, nil); got.Title != 4 || len(got.Byline) != 1 {
		t.Errorf("AnalyzeText(seed) = title %d, byline %v", got.Title, got.Byline)
	}
}
