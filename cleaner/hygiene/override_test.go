package hygiene

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/record"
)

func TestBumpVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "1"},
		{"0", "1"},
		{"7", "8"},
		{"2026.3", "2026.4"},
		{"fp-9", "fp-10"},
		{"1.2-rc", "1.3-rc"},
		{"beta", "beta.1"},
		{"99999999999999999999999", "99999999999999999999999.1"},
	}
	for _, tt := range tests {
		if got := BumpVersion(tt.in); got != tt.want {
			t.Errorf("BumpVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAddAllowCreatesAndBumps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Analyst Fixes.yaml")
	line := "99福利在线_xxxx影院_毛片网站免费_777sesese"
	steps := []struct {
		entry   AllowEntry
		version string
		entries int
	}{
		{AllowEntry{Rule: "*", Text: "  " + line + " ", Note: "article 1#0"}, "1", 1},
		{AllowEntry{Rule: RuleKeywordChain, Pattern: "^某某棋牌室"}, "2", 2},
		{AllowEntry{Rule: "*", Text: line, Note: "again, other note"}, "2", 2}, // already there
	}
	for i, s := range steps {
		before, _ := os.ReadFile(path)
		v, err := AddAllow(path, s.entry)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if v != s.version {
			t.Errorf("step %d: version %q, want %q", i, v, s.version)
		}
		rs, err := LoadRules(path)
		if err != nil {
			t.Fatalf("step %d: LoadRules: %v", i, err)
		}
		if !strings.HasSuffix(rs.Version(), "+analyst-fixes-"+s.version) {
			t.Errorf("step %d: ruleset version %q", i, rs.Version())
		}
		def, _ := DefaultRules()
		if got := len(rs.Allow()) - len(def.Allow()); got != s.entries {
			t.Errorf("step %d: %d allow entries added, want %d", i, got, s.entries)
		}
		if i == 2 {
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Errorf("a duplicate entry rewrote the file:\n%s\n->\n%s", before, after)
			}
		}
	}
	rs, _ := LoadRules(path)
	if !slices.ContainsFunc(rs.Allow(), func(e AllowEntry) bool { return e.Text == line && e.Note == "article 1#0" }) {
		t.Errorf("the trimmed text entry is missing: %+v", rs.Allow())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestAddAllowKeepsExistingContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "override.yaml")
	orig := `# team overrides, reviewed weekly
name: team
version: "2026.7"
disable:
  - spam.contact_plain
allow:
  - rule: spam.keyword_chain   # ticket 12
    text: 某某影院_免费观看_2024
`
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := AddAllow(path, AllowEntry{Rule: RuleGamblingBrand, Text: "金沙娱乐城最新网址"})
	if err != nil {
		t.Fatal(err)
	}
	if v != "2026.8" {
		t.Errorf("version %q, want 2026.8", v)
	}
	data, _ := os.ReadFile(path)
	for _, want := range []string{"# team overrides, reviewed weekly", "# ticket 12", "spam.contact_plain", "某某影院_免费观看_2024", "金沙娱乐城最新网址", `version: "2026.8"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("file lost %q:\n%s", want, data)
		}
	}
	rs, err := LoadRules(path)
	if err != nil {
		t.Fatal(err)
	}
	if !rs.Disabled(RuleContactPlain) {
		t.Error("disable list lost")
	}
}

func TestAddAllowErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nversion: \"1\"\nthresholds:\n  spam_score: -4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noVersion := filepath.Join(dir, "nover.yaml")
	if err := os.WriteFile(noVersion, []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		entry AllowEntry
		want  error
	}{
		{"unknown rule", filepath.Join(dir, "a.yaml"), AllowEntry{Rule: "spam.nope", Text: "x"}, ErrBadAllow},
		{"no text or pattern", filepath.Join(dir, "a.yaml"), AllowEntry{Rule: "*"}, ErrBadAllow},
		{"both", filepath.Join(dir, "a.yaml"), AllowEntry{Rule: "*", Text: "x", Pattern: "y"}, ErrBadAllow},
		{"bad pattern", filepath.Join(dir, "a.yaml"), AllowEntry{Rule: "*", Pattern: "(("}, ErrBadAllow},
		{"invalid file stays invalid", bad, AllowEntry{Rule: "*", Text: "x"}, ErrBadRules},
		{"no version", noVersion, AllowEntry{Rule: "*", Text: "x"}, ErrBadRules},
		{"no directory", filepath.Join(dir, "missing", "a.yaml"), AllowEntry{Rule: "*", Text: "x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.ReadFile(tt.path)
			_, err := AddAllow(tt.path, tt.entry)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			after, _ := os.ReadFile(tt.path)
			if string(before) != string(after) {
				t.Errorf("file changed on error")
			}
		})
	}
}

// TestAddAllowCorrectsRemovals is the analyst's loop: a line removed by
// the default rules is kept once its removal is marked a false positive,
// and nothing else changes.
func TestAddAllowCorrectsRemovals(t *testing.T) {
	p := parts(t)
	lineText := "99福利在线_xxxx影院_毛片网站免费_777sesese"
	spanLine := "记者从市文旅局获悉，开云体育官网入口今年国庆假期全市接待游客超过三百万人次，同比增长一成。"
	other := "相关搜索：成人视频 在线av 免费黄色网站"
	tests := []struct {
		name    string
		extra   []string
		target  func(r record.Removal) bool
		entry   func(r record.Removal) AllowEntry
		kept    string
		convert func(string) string
	}{
		{"line", []string{lineText, other}, func(r record.Removal) bool { return r.Text == lineText },
			func(r record.Removal) AllowEntry { return AllowEntry{Rule: "*", Text: r.Text} }, lineText, nil},
		{"span", []string{spanLine, other}, func(r record.Removal) bool { return r.Scope == record.ScopeSpan },
			func(r record.Removal) AllowEntry {
				return AllowEntry{Rule: "*", Pattern: SpanAllowPattern(r.Text, p.t2s.Convert)}
			}, spanLine, nil},
		{"span in Traditional", []string{spanLine, other}, func(r record.Removal) bool { return r.Scope == record.ScopeSpan },
			func(r record.Removal) AllowEntry {
				return AllowEntry{Rule: "*", Pattern: SpanAllowPattern(r.Text, p.t2s.Convert)}
			}, spanLine, p.s2t.Convert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv := tt.convert
			if conv == nil {
				conv = func(s string) string { return s }
			}
			var extra []string
			for _, e := range tt.extra {
				extra = append(extra, conv(e))
			}
			doc := hostDoc(t, conv, extra...)
			before := defaultCleaner(t).Clean(doc)
			i := slices.IndexFunc(before.Removed, tt.target)
			if i < 0 {
				t.Fatalf("the default rules do not remove the target: %+v", before.Removed)
			}
			path := filepath.Join(t.TempDir(), "fp.yaml")
			if _, err := AddAllow(path, tt.entry(before.Removed[i])); err != nil {
				t.Fatal(err)
			}
			rs, err := LoadRules(path)
			if err != nil {
				t.Fatal(err)
			}
			after := newCleaner(t, rs).Clean(doc)
			want := slices.Delete(slices.Clone(before.Removed), i, i+1)
			if d := cmp.Diff(want, after.Removed); d != "" {
				t.Errorf("removals after the correction (-want +got):\n%s", d)
			}
			if !slices.Contains(after.Body, conv(tt.kept)) {
				t.Errorf("body lacks the corrected line %q:\n%s", conv(tt.kept), strings.Join(after.Body, "\n"))
			}
		})
	}
}
