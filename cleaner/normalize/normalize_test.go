package normalize_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/cleaner/normalize"
	"winnow/sink/record"
)

func mustNew(t testing.TB, cfg string) *normalize.Converter {
	t.Helper()
	c, err := normalize.New(cfg)
	if err != nil {
		t.Fatalf("New(%q): %v", cfg, err)
	}
	return c
}

func TestConvert(t *testing.T) {
	tests := []struct {
		cfg, in, want string
	}{
		// The seed's title and a phrase OpenCC keeps (著 stays 著 in t2s).
		{"t2s", "續寫更多政法干警“春天的故事”", "续写更多政法干警“春天的故事”"},
		{"t2s", "蘊含著發展的永恆命題", "蕴含著发展的永恒命题"},
		// Punctuation, ASCII and full-width forms are kept exactly.
		{"t2s", "時間:2022-02-24 來源：梧州零距離網（ABC）", "时间:2022-02-24 来源：梧州零距离网（ABC）"},
		{"t2s", "no CJK at all, 123", "no CJK at all, 123"},
		{"s2t", "我们是工农子弟兵", "我們是工農子弟兵"},
		{"none", "續寫更多", "續寫更多"},
		{"", "數據", "数据"}, // "" is the default, t2s
	}
	for _, tt := range tests {
		if got := mustNew(t, tt.cfg).Convert(tt.in); got != tt.want {
			t.Errorf("%s(%q) = %q, want %q", tt.cfg, tt.in, got, tt.want)
		}
	}
}

func TestUnknownConfig(t *testing.T) {
	_, err := normalize.New("t2x")
	if !errors.Is(err, normalize.ErrUnknownConfig) {
		t.Fatalf("New(t2x) error = %v, want ErrUnknownConfig", err)
	}
}

func TestEveryConfigLoads(t *testing.T) {
	for _, cfg := range normalize.Configs() {
		c := mustNew(t, cfg)
		if c.Config() != cfg {
			t.Errorf("Config() = %q, want %q", c.Config(), cfg)
		}
	}
}

func TestProcessConvertsEveryTextField(t *testing.T) {
	a := record.New()
	a.Title, a.Subtitle, a.Body = "續寫", "實踐活動綜述", "第一段：來源\n第二段：編輯"
	a.Authors = []string{"李繼遠", "高寒"}
	a.Editor, a.Origin, a.SiteName, a.Section = "徐慧", "梧州零距離網-梧州日報", "梧州零距離網", "聚焦梧州"
	if err := mustNew(t, "t2s").Process(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got := []string{a.Title, a.Subtitle, a.Body, a.Authors[0], a.Editor, a.Origin, a.SiteName, a.Section, a.Normalization["opencc"]}
	want := []string{"续写", "实践活动综述", "第一段：来源\n第二段：编辑", "李继远", "徐慧", "梧州零距离网-梧州日报", "梧州零距离网", "聚焦梧州", "t2s"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Process (-want +got):\n%s", d)
	}
}

// TestProcessLeavesJapaneseAndKorean checks that kanji and hanja are not
// rewritten into Simplified Chinese, while Chinese with a stray kana is.
func TestProcessLeavesJapaneseAndKorean(t *testing.T) {
	c := mustNew(t, "t2s")
	for _, tc := range []struct {
		name, lang, title, body, want, config string
	}{
		{"ja by lang", "ja", "商標法違反", "不正に改造したiPhoneを販売", "不正に改造したiPhoneを販売", "none"},
		{"ja by kana", "", "Kindle書籍", "パソコンで書籍を読む場合", "パソコンで書籍を読む場合", "none"},
		{"ko by Hangul", "", "", "무단전재 및 재배포 禁止", "무단전재 및 재배포 禁止", "none"},
		{"zh with a kana", "zh", "", "這是我の書籍與雜誌專題報導", "这是我の书籍与杂志专题报导", "t2s"},
		{"zh without lang", "", "", "發佈時間：2022年", "发布时间：2022年", "t2s"},
	} {
		a := record.New()
		a.Lang, a.Title, a.Body = tc.lang, tc.title, tc.body
		if err := c.Process(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if a.Body != tc.want || a.Normalization["opencc"] != tc.config {
			t.Errorf("%s: body %q, opencc %q; want %q, %q", tc.name, a.Body, a.Normalization["opencc"], tc.want, tc.config)
		}
	}
}

// TestSharedConverterIsSafeForConcurrentUse runs one converter from many
// goroutines; run with -race.
func TestSharedConverterIsSafeForConcurrentUse(t *testing.T) {
	c := mustNew(t, "t2s")
	in := strings.Repeat("市政法機關將整治頑瘴痼疾作為辦實事的首要項目，扎實開展大起底、大排查。\n", 20)
	want := c.ConvertLines(in)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := c.ConvertLines(in); got != want {
					errs <- got
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent conversion differs: %.40q", got)
	}
}

func TestConvertLinesEqualsPerLineConvert(t *testing.T) {
	c := mustNew(t, "t2s")
	lines := []string{"時間:2022-02-24", "", "  前後空白  ", "群眾滿意是最好的“試金石”"}
	var want []string
	for _, l := range lines {
		want = append(want, c.Convert(l))
	}
	if got := c.ConvertLines(strings.Join(lines, "\n")); got != strings.Join(want, "\n") {
		t.Errorf("ConvertLines = %q, want %q", got, strings.Join(want, "\n"))
	}
}

func TestClassify(t *testing.T) {
	s, err := normalize.NewScripts()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"續寫更多政法干警“春天的故事”", record.ScriptHant},
		{"续写更多政法干警“春天的故事”", record.ScriptHans},
		{"hello 123", ""},
		{"續寫更多政法干警 续写更多政法干警", record.ScriptMixed},
		// One Simplified spam line in a long Traditional text stays Hant.
		{"99福利在线\n" + strings.Repeat("群眾利益無小事，一枝一葉總關情。", 10), record.ScriptHant},
	}
	for _, tt := range tests {
		if got := s.Classify(tt.in); got != tt.want {
			t.Errorf("Classify(%.20q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkConvertT2S(b *testing.B) {
	c := mustNew(b, "t2s")
	text := strings.Repeat("全市法院當場立案率97.64%，民商事案件辦結平均耗時同比減少9天，執行案件辦結平均耗時同比減少10天。群眾利益無小事，一枝一葉總關情。\n", 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		c.ConvertLines(text)
	}
}

func BenchmarkClassify(b *testing.B) {
	s, err := normalize.NewScripts()
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("全市法院當場立案率97.64%，民商事案件辦結平均耗時同比減少9天。\n", 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s.Classify(text)
	}
}

// FuzzConvertLinesPerLine holds ConvertLines, which converts the text
// whole, to its contract: the same as converting every line alone.
func FuzzConvertLinesPerLine(f *testing.F) {
	for _, s := range []string{"乾隆皇帝\n後來", "軟體\n\n發展", "a\n數\n據庫", "頭髮\r\n後"} {
		f.Add(s)
	}
	c, err := normalize.New("t2s")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lines := strings.Split(in, "\n")
		for i, l := range lines {
			lines[i] = c.Convert(l)
		}
		if got, want := c.ConvertLines(in), strings.Join(lines, "\n"); got != want {
			t.Errorf("ConvertLines(%q) = %q, per line %q", in, got, want)
		}
	})
}

// FuzzCountPerRune holds Count's byte scan to counting rune by rune (as
// ranging over the string decodes them, invalid bytes included).
func FuzzCountPerRune(f *testing.F) {
	for _, s := range []string{"乾隆年間的詩詞與書畫", "简体中文的文章", "mixed 體 and 体 \xe4\xb8", "\xed\xa0\x80後\xff"} {
		f.Add(s)
	}
	s, err := normalize.NewScripts()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var wt, ws int
		for _, r := range in {
			a, b := s.Count(string(r))
			wt, ws = wt+a, ws+b
		}
		if gt, gs := s.Count(in); gt != wt || gs != ws {
			t.Errorf("Count(%q) = %d, %d; rune by rune %d, %d", in, gt, gs, wt, ws)
		}
	})
}
