package hygiene

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/sink/record"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultRules(t *testing.T) {
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rs.Version(), "default-2026.11.2"; got != want {
		t.Errorf("version %q, want %q", got, want)
	}
	if rs.Thresholds().SpamScore != 3 {
		t.Errorf("spam_score %v", rs.Thresholds().SpamScore)
	}
	for _, cat := range vocabCategories() {
		if len(rs.Vocab(cat)) == 0 {
			t.Errorf("category %s empty", cat)
		}
	}
	// ParseRules reads the same embedded file the same way
	again, err := ParseRules(bytes.NewReader(defaultRulesYAML))
	if err != nil {
		t.Fatal(err)
	}
	if again.Version() != rs.Version() {
		t.Errorf("ParseRules version %q", again.Version())
	}
}

func TestLoadRulesOverride(t *testing.T) {
	over := writeFile(t, "override.yaml", `
name: override
version: "3"
thresholds:
  spam_score: 4
weights:
  vocab.porn: 2
disable: [spam.hash_buster]
vocab:
  gambling_brand: [摩天娱乐]
vocab_remove:
  porn_weak: [美女]
allow:
  - rule: spam.keyword_chain
    text: "福利_影院_美女_自拍_666"
    note: analyst ticket 17
  - rule: "*"
    pattern: "^测试专用"
`)
	second := writeFile(t, "second.yaml", "name: site-a\nversion: 2026.12.0\nthresholds:\n  context_score: 1.5\n")
	rs, err := LoadRules(over, second)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rs.Version(), "default-2026.11.2+override-3+site-a-2026.12.0"; got != want {
		t.Errorf("version %q, want %q", got, want)
	}
	th := rs.Thresholds()
	if th.SpamScore != 4 || th.ContextScore != 1.5 || th.ProseMinHan != 15 {
		t.Errorf("thresholds not merged: %+v", th)
	}
	if !rs.Disabled(RuleHashBuster) || rs.Disabled(RuleKeywordChain) {
		t.Error("disable not applied")
	}
	brands := rs.Vocab(catGamblingBrand)
	if brands[len(brands)-1] != "摩天娱乐" || !strings.Contains(strings.Join(brands, " "), "bet365") {
		t.Errorf("vocab not extended: %v", brands[len(brands)-3:])
	}
	for _, w := range rs.Vocab(catPornWeak) {
		if w == "美女" {
			t.Error("vocab_remove not applied")
		}
	}
	if got := len(rs.Allow()); got != 2 {
		t.Errorf("%d allow entries", got)
	}

	c := newCleaner(t, rs)
	if c.RulesVersion() != rs.Version() {
		t.Errorf("cleaner version %q", c.RulesVersion())
	}
	cases := []struct {
		line string
		want []string // rules removing it
	}{
		{"福利_影院_美女_自拍_666", nil},                  // allowed text (美女 also removed from vocab)
		{"测试专用_毛片网站_777sesese", nil},              // allowed by pattern for every rule
		{"囍潾朤WO00珩淼", nil},                        // hash_buster disabled
		{"摩天娱乐官网开户", []string{RuleGamblingBrand}}, // added brand
		// still spam; with spam_score 4 vocabulary may score 4 and outweighs the chain's 3
		{"午夜福利影院_免费看片网站_777sesese", []string{RuleKeywordStuffing}},
	}
	for _, tc := range cases {
		res := c.Clean(hostDoc(t, nil, tc.line))
		var got []string
		for _, r := range res.Removed {
			if strings.Contains(tc.line, r.Text) {
				got = append(got, r.Rule)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.line, diff)
		}
	}
	// the default cleaner removes what the allowlist protects
	res := defaultCleaner(t).Clean(hostDoc(t, nil, "测试专用_毛片网站_777sesese"))
	if !hasRemoval(res, "测试专用_毛片网站_777sesese") {
		t.Error("default rules do not remove the allowlisted line")
	}
}

// TestAllowFolded checks that an allow text written in Simplified also
// protects the Traditional form of the line.
func TestAllowFolded(t *testing.T) {
	over := writeFile(t, "allow.yaml", "name: allow\nversion: \"1\"\nallow:\n  - rule: spam.keyword_chain\n    text: 午夜福利影院_免费看片网站_777sesese\n")
	rs, err := LoadRules(over)
	if err != nil {
		t.Fatal(err)
	}
	c := newCleaner(t, rs)
	line := parts(t).s2t.Convert("午夜福利影院_免费看片网站_777sesese")
	res := c.Clean(hostDoc(t, nil, line))
	for _, r := range res.Removed {
		if r.Kind == record.KindSpam && r.Rule == RuleKeywordChain {
			t.Errorf("allowlisted line removed in Traditional: %+v", r)
		}
	}
}

func TestRulesErrors(t *testing.T) {
	tests := []struct {
		name, content, field string
	}{
		{"unknown field", "name: x\nversion: \"1\"\nthreshold:\n  spam_score: 2\n", "threshold"},
		{"no name", "version: \"1\"\n", `field "name"`},
		{"no version", "name: x\n", `field "version"`},
		{"threshold range", "name: x\nversion: \"1\"\nthresholds:\n  spam_score: -1\n", `thresholds.spam_score`},
		{"context above spam", "name: x\nversion: \"1\"\nthresholds:\n  context_score: 9\n", `thresholds.context_score`},
		{"unknown weight", "name: x\nversion: \"1\"\nweights:\n  spam.nope: 1\n", `weights.spam.nope`},
		{"unknown vocab weight", "name: x\nversion: \"1\"\nweights:\n  vocab.action: 1\n", `weights.vocab.action`},
		{"unknown category", "name: x\nversion: \"1\"\nvocab:\n  casino: [a]\n", `vocab.casino`},
		{"empty term", "name: x\nversion: \"1\"\nvocab:\n  porn: [\"  \"]\n", `vocab.porn[0]`},
		{"unknown disable", "name: x\nversion: \"1\"\ndisable: [spam.nope]\n", `disable[0]`},
		{"allow rule", "name: x\nversion: \"1\"\nallow:\n  - rule: spam.nope\n    text: a\n", `allow[0].rule`},
		{"allow both", "name: x\nversion: \"1\"\nallow:\n  - rule: \"*\"\n    text: a\n    pattern: b\n", `allow[0]`},
		{"allow regexp", "name: x\nversion: \"1\"\nallow:\n  - rule: \"*\"\n    pattern: \"(\"\n", `allow[0].pattern`},
		{"promo share range", "name: x\nversion: \"1\"\nthresholds:\n  promo_share: 2\n", `thresholds.promo_share`},
		{"page score range", "name: x\nversion: \"1\"\nthresholds:\n  spam_page_score: 0\n", `thresholds.spam_page_score`},
		{"unknown page weight", "name: x\nversion: \"1\"\nweights:\n  page.nope: 1\n", `weights.page.nope`},
		{"unscored vocab weight", "name: x\nversion: \"1\"\nweights:\n  vocab.brand_head: 1\n", `weights.vocab.brand_head`},
		{"empty lead", "name: x\nversion: \"1\"\nvocab:\n  brand_lead: [\"\"]\n", `vocab.brand_lead[0]`},
		{"not yaml", "name: [\n", "yaml"},
		{"empty", "", "empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "bad.yaml", tt.content)
			_, err := LoadRules(p)
			if !errors.Is(err, ErrBadRules) {
				t.Fatalf("error %v is not ErrBadRules", err)
			}
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name the file and %q", err, tt.field)
			}
		})
	}
	if _, err := LoadRules(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, ErrReadRules) {
		t.Errorf("missing file: %v", err)
	}
	// a standalone file must be complete
	_, err := ParseRules(strings.NewReader("name: x\nversion: \"1\"\nthresholds:\n  spam_score: 3\n"))
	if !errors.Is(err, ErrBadRules) || !strings.Contains(err.Error(), "thresholds.") {
		t.Errorf("incomplete standalone ruleset: %v", err)
	}
}

// TestNewOptions checks the zero Options and a supplied ruleset.
func TestNewOptions(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.RulesVersion() != "default-2026.11.2" {
		t.Errorf("version %q", c.RulesVersion())
	}
	res := c.Clean(Document{TitleCandidates: []string{seedSpam, "標題"}})
	if res.Title != "標題" || len(res.Removed) != 1 {
		t.Errorf("zero-options cleaner: %+v", res)
	}
}

// TestBrandRulesOverride checks that the brand + action structure takes
// its words from the ruleset: heads, actions, lead words and name stops.
func TestBrandRulesOverride(t *testing.T) {
	over := writeFile(t, "brand.yaml", `
name: brand
version: "1"
vocab:
  brand_head: [电玩城]
  name_stop: [鑫盛]
vocab_remove:
  brand_lead: [据]
  head_action: [官网]
`)
	rs, err := LoadRules(over)
	if err != nil {
		t.Fatal(err)
	}
	c := newCleaner(t, rs)
	cases := []struct {
		line string
		spam bool
	}{
		{"宝利电玩城注册", true}, // added head
		{"鑫盛娱乐注册", false}, // the name is a stop word now
		{"凯旋国际官网", false}, // 官网 no longer follows a head
		{"凯旋国际注册", false}, // 国际注册 is still a guard phrase
		{"美高梅官网", true},   // brand_action is unchanged
		{"据美高梅官网，公司旗下酒店第三季度入住率维持在九成以上。", true}, // 据 is no lead word now
	}
	for _, tc := range cases {
		res := c.Clean(hostDoc(t, nil, tc.line))
		got := false
		for _, r := range res.Removed {
			got = got || (r.Kind == record.KindSpam && strings.Contains(tc.line, r.Text))
		}
		if got != tc.spam {
			t.Errorf("%q: spam %v, want %v; removed %+v", tc.line, got, tc.spam, briefs(res.Removed))
		}
		// the default rules decide the opposite for the changed words
		res = defaultCleaner(t).Clean(hostDoc(t, nil, tc.line))
		def := false
		for _, r := range res.Removed {
			def = def || (r.Kind == record.KindSpam && strings.Contains(tc.line, r.Text))
		}
		if tc.line != "美高梅官网" && tc.line != "凯旋国际注册" && def == tc.spam {
			t.Errorf("%q: the default rules decide the same (%v)", tc.line, def)
		}
	}
}
