package bigram

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestIndex(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"two chars", "政法", "政法 法"},
		{"run", "政法干警", "政法 法干 干警 警"},
		{"punctuation splits runs", "政法，干警。", "政法 法 干警 警"},
		{"single char run", "市：好", "市 好"},
		{"latin lower-cased", "Hello 5G World", "hello 5g world"},
		{"mixed", "梧州APP下载", "梧州 州 app 下载 载"},
		{"full-width folded", "ＡＢＣ１２３", "abc123"},
		{"ideographic space splits", "政法\u3000干警", "政法 法 干警 警"},
		{"kana and hangul are runs", "ニュース 뉴스", "ニュ ュー ース ス 뉴스 스"},
		{"invalid utf-8 is a separator", "政\xff法", "政 法"},
		{"long word truncated", strings.Repeat("a", 100), strings.Repeat("a", maxWord)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Index(tt.in)); diff != "" {
				t.Errorf("Index(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in           string
		fts5, tsq    string
		wantEmpty    bool
		wantTermText []string
	}{
		{in: "政法", fts5: `"政法"`, tsq: `'政法'`, wantTermText: []string{"政法"}},
		{in: "政法干警", fts5: `"政法 法干 干警"`, tsq: `('政法' <-> '法干' <-> '干警')`, wantTermText: []string{"政法干警"}},
		{in: "法", fts5: `"法"*`, tsq: `'法':*`, wantTermText: []string{"法"}},
		{in: "政法 梧州", fts5: `"政法" AND "梧州"`, tsq: `'政法' & '梧州'`, wantTermText: []string{"政法", "梧州"}},
		{in: "5G 基站", fts5: `"5g" AND "基站"`, tsq: `'5g' & '基站'`, wantTermText: []string{"5g", "基站"}},
		{in: `"OR" NEAR(a) *`, fts5: `"or" AND "near" AND "a"`, tsq: `'or' & 'near' & 'a'`, wantTermText: []string{"or", "near", "a"}},
		{in: "  ，。!? ", wantEmpty: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q := Parse(tt.in)
			if q.Empty() != tt.wantEmpty {
				t.Fatalf("Empty() = %v, want %v", q.Empty(), tt.wantEmpty)
			}
			var texts []string
			for _, term := range q.Terms {
				texts = append(texts, term.Text)
			}
			if diff := cmp.Diff(tt.wantTermText, texts); diff != "" {
				t.Errorf("term texts (-want +got):\n%s", diff)
			}
			if got := q.FTS5(); got != tt.fts5 {
				t.Errorf("FTS5() = %s, want %s", got, tt.fts5)
			}
			if got := q.TSQuery(); got != tt.tsq {
				t.Errorf("TSQuery() = %s, want %s", got, tt.tsq)
			}
		})
	}
}

func TestSnippet(t *testing.T) {
	body := strings.Repeat("天气晴朗。", 20) + "市政法机关开展活动。" + strings.Repeat("群众满意。", 20)
	tests := []struct {
		name, text, query string
		width             int
		want              string
	}{
		{"around match", body, "政法", 12, "…晴朗。市政法机关开展活动…"},
		{"no match starts at beginning", "第一段\n第二段", "政法", 80, "第一段 第二段"},
		{"case and width folded", "Hello ＷＯＲＬＤ again", "world", 80, "Hello ＷＯＲＬＤ again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Snippet(tt.text, Parse(tt.query), tt.width); got != tt.want {
				t.Errorf("Snippet = %q, want %q", got, tt.want)
			}
		})
	}
}

// matches evaluates q against the tokens of an index the way FTS5 and
// tsquery do: a phrase needs its tokens at adjacent positions, a prefix a
// token starting with it, a word an equal token.
func matches(index string, q Query) bool {
	toks := strings.Fields(index)
	for _, term := range q.Terms {
		found := false
		switch term.Kind {
		case Phrase:
			for i := 0; i+len(term.Tokens) <= len(toks) && !found; i++ {
				found = slicesEqual(toks[i:i+len(term.Tokens)], term.Tokens)
			}
		case Prefix:
			for _, tok := range toks {
				found = found || strings.HasPrefix(tok, term.Tokens[0])
			}
		case Word:
			for _, tok := range toks {
				found = found || tok == term.Tokens[0]
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPhraseMatchesExactlyContainment(t *testing.T) {
	docs := []string{"市政法机关开展活动", "行政执法检查", "政法。干警", "政法干警"}
	tests := []struct {
		query string
		want  []bool
	}{
		{"政法", []bool{true, false, true, true}},
		{"政法干警", []bool{false, false, false, true}},
		{"法干", []bool{false, false, false, true}},
		{"法", []bool{true, true, true, true}},
		{"警", []bool{false, false, true, true}},
		{"执法", []bool{false, true, false, false}},
	}
	for _, tt := range tests {
		var got []bool
		for _, d := range docs {
			got = append(got, matches(Index(d), Parse(tt.query)))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("query %q over %q (-want +got):\n%s", tt.query, docs, diff)
		}
	}
}

// FuzzIndex checks that Index never yields invalid UTF-8 or empty tokens,
// and that every CJK substring of a text, as a query, matches the text.
func FuzzIndex(f *testing.F) {
	f.Add("市政法机关开展“我为群众办实事”活动", 1, 3)
	f.Add("Hello 5G 政法", 6, 8)
	f.Add("法", 0, 1)
	f.Fuzz(func(t *testing.T, s string, i, j int) {
		idx := Index(s)
		if !utf8.ValidString(idx) {
			t.Fatalf("Index(%q) is not valid UTF-8", s)
		}
		if strings.Contains(idx, "  ") || strings.HasPrefix(idx, " ") || strings.HasSuffix(idx, " ") {
			t.Fatalf("Index(%q) = %q has an empty token", s, idx)
		}
		rs := []rune(s)
		if i < 0 || j > len(rs) || i >= j {
			return
		}
		sub := rs[i:j]
		for _, r := range sub {
			if kindOf(fold(r)) != cjk {
				return
			}
		}
		if q := Parse(string(sub)); !matches(idx, q) {
			t.Fatalf("query %q (%s) does not match %q, index %q", string(sub), q.FTS5(), s, idx)
		}
	})
}

// FuzzIndexMatchesRuns checks the one-pass Index against the tokens that
// the run splitter (which Parse uses) implies.
func FuzzIndexMatchesRuns(f *testing.F) {
	f.Add("市政法机关，开展Hello５Ｇ活动。法")
	f.Add(strings.Repeat("x", 70) + "政")
	f.Fuzz(func(t *testing.T, s string) {
		var toks []string
		runs(s, func(r run) {
			switch r.kind {
			case cjk:
				for i := 0; i+1 < len(r.runes); i++ {
					toks = append(toks, string(r.runes[i:i+2]))
				}
				toks = append(toks, string(r.runes[len(r.runes)-1]))
			case word:
				toks = append(toks, string(truncate(r.runes)))
			}
		})
		if got, want := Index(s), strings.Join(toks, " "); got != want {
			t.Fatalf("Index(%q) = %q, want %q", s, got, want)
		}
		var got []string
		Each(s, func(tok Token) { got = append(got, tok.String()) })
		if !slicesEqual(got, toks) {
			t.Fatalf("Each(%q) = %q, want %q", s, got, toks)
		}
	})
}

func BenchmarkIndex(b *testing.B) {
	text := strings.Repeat("全市政法系统坚持开门搞教育整顿，主动倾听群众呼声，组建政法为民服务团。Hello 5G！", 200)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Index(text)
	}
}
