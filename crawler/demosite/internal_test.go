package demosite

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/encoding/traditionalchinese"

	"winnow/sink/record"
)

// TestTraditionalRoundTrip checks the manifest's promise for Traditional
// pages: OpenCC t2s (what winnow's normalizer applies) turns every
// Traditional text of the page back into the manifest's Simplified text.
func TestTraditionalRoundTrip(t *testing.T) {
	s := New(Options{})
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	t2s, err := opencc.New("t2s")
	if err != nil {
		t.Fatalf("opencc: %v", err)
	}
	conv := func(in string) string {
		out, err := t2s.Convert(in)
		if err != nil {
			t.Fatalf("t2s %q: %v", in, err)
		}
		return out
	}
	checked := 0
	for _, p := range s.m.pages {
		if p.script() != scriptHant {
			continue
		}
		pairs := []text{p.title, p.subtitle, p.origin, p.editor}
		pairs = append(pairs, p.authors...)
		for _, q := range p.body {
			if q.kind != 'x' {
				pairs = append(pairs, q.t)
			}
		}
		for _, x := range pairs {
			if got := conv(x.hant); got != x.hans {
				t.Errorf("%s: t2s(%q) = %q, want %q", p.m.Path, x.hant, got, x.hans)
			}
			checked++
		}
		// The served page: decode its bytes, take the headline, normalize.
		raw, err := s.renderArticle(p, "http://demo.test", false)
		if err != nil {
			t.Fatal(err)
		}
		page := string(raw)
		switch p.charset {
		case "big5":
			b, err := traditionalchinese.Big5.NewDecoder().Bytes(raw)
			if err != nil {
				t.Fatalf("%s: decode Big5: %v", p.m.Path, err)
			}
			page = string(b)
		case "utf-8":
		default:
			t.Errorf("%s: Traditional page in %s", p.m.Path, p.charset)
		}
		h1 := h1RE.FindStringSubmatch(page)
		if h1 == nil || conv(html.UnescapeString(h1[1])) != p.m.Title {
			t.Errorf("%s: served headline %q does not normalize to %q", p.m.Path, h1, p.m.Title)
		}
		if p.m.Special == "seed" {
			continue
		}
		if got := conv(strings.Join(hantBody(p), "\n")); got != strings.Join(p.m.Body, "\n") {
			t.Errorf("%s: whole body does not round-trip", p.m.Path)
		}
	}
	for _, sec := range s.m.sections {
		h, _ := s.c.toHant(sec.name)
		if got := conv(h); got != sec.name {
			t.Errorf("section %q: t2s(%q) = %q", sec.name, h, got)
		}
	}
	if checked < 200 {
		t.Errorf("checked %d texts only", checked)
	}
}

var h1RE = regexp.MustCompile(`<h1>(.*?)</h1>`)

func hantBody(p *page) []string {
	var out []string
	for _, q := range p.body {
		if q.kind != 'x' {
			out = append(out, q.t.hant)
		}
	}
	return out
}

// TestCharsetsHoldEveryCharacter renders every non-UTF-8 page with a strict
// encoder: no character may need a numeric character reference.
func TestCharsetsHoldEveryCharacter(t *testing.T) {
	s := New(Options{})
	n := 0
	for _, p := range s.m.pages {
		if p.charset == "utf-8" {
			continue
		}
		if _, err := s.renderArticle(p, "http://demo.test", true); err != nil {
			t.Errorf("%s: %v", p.m.Path, err)
		}
		n++
	}
	if n < 40 {
		t.Errorf("only %d GBK/Big5 pages", n)
	}
}

// TestCorpusCoverage checks that every corpus string has a Traditional
// form and every template expands in both scripts with the same slots.
func TestCorpusCoverage(t *testing.T) {
	c, err := loadCorpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.allStrings() {
		h, ok := c.toHant(s)
		if !ok {
			t.Errorf("no Traditional form: %q", s)
			continue
		}
		if !aligned(tokenize(s), tokenize(h)) {
			t.Errorf("slots differ: %q / %q", s, h)
		}
	}
	for _, sec := range sections() {
		n := 0
		for _, tp := range c.topics {
			if tp.section == sec.slug {
				n++
			}
		}
		if n < 4 {
			t.Errorf("section %s has %d topics, want at least 4", sec.slug, n)
		}
	}
	if got := c.seed[0]; got != "99福利在线_xxxx影院_毛片网站免费_777sesese" {
		t.Errorf("seed starts with %q", got)
	}
}

func TestFill(t *testing.T) {
	c, err := loadCorpus()
	if err != nil {
		t.Fatal(err)
	}
	f := newFiller(c, newRNG("test"), baseBenchDate())
	tests := []struct {
		tmpl  string
		check func(text) bool
	}{
		{"{district}和{district}", func(x text) bool { a, b, _ := strings.Cut(x.hans, "和"); return a == b }},
		{"{district}和{district#2}", func(x text) bool { a, b, _ := strings.Cut(x.hans, "和"); return a != b }},
		{"{n:5-5}个", func(x text) bool { return x.hans == "5个" }},
		{"{p:12.5-12.5}", func(x text) bool { return x.hans == "12.5%" }},
		{"{date}", func(x text) bool { return x.hans == "10月1日" }},
		{"{person}说{person}", func(x text) bool { a, b, _ := strings.Cut(x.hans, "说"); return a == b && len([]rune(a)) >= 2 }},
	}
	for _, tt := range tests {
		got := f.fill(tt.tmpl)
		if !tt.check(got) {
			t.Errorf("fill(%q) = %q / %q", tt.tmpl, got.hans, got.hant)
		}
	}
	if len(f.errs) == 0 {
		// "{n:5-5}个" has no Traditional form in the table: fill reports it.
		t.Errorf("fill of an unknown template reported no error")
	}
}

func TestSpamGen(t *testing.T) {
	c, err := loadCorpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, hant := range []bool{false, true} {
		g := &spamGen{c: c, r: newRNG("spam"), hant: hant, wide: !hant}
		for range 50 {
			for _, line := range []string{g.chain(), g.lottery(), g.keywords(), g.evasive(), g.brand()} {
				if strings.TrimSpace(line) == "" || strings.ContainsAny(line, "{}") {
					t.Errorf("bad spam line %q", line)
				}
			}
		}
	}
	if got := mathBold("BET365"); got != "𝐁𝐄𝐓𝟑𝟔𝟓" {
		t.Errorf("mathBold = %q", got)
	}
	if record.ScriptHant != scriptHant {
		t.Errorf("script constants drifted")
	}
}
