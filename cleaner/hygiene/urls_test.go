package hygiene

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// urlPieces are the fragments random test lines are made of: the parts
// of URLs and domains, the characters at their edges, and text.
var urlPieces = []string{
	"http", "https", "://", "http://", "https://", "www.", "www", ".", "..", "-", "@", "/", ":", "?", "=", "&", "%",
	"a", "b", "x1", "example", "foo-bar", "z9", "com", "cn", "cc", "vip", "co", "net", "org", "me", "tv", "io",
	"games", "game", "comx", " ", "\t", "，", "。", "、", "|", "(", ")", "（", "）", "[", "]", "{", "}", "<", ">", "\"",
	"'", "【", "】", "《", "》", "新闻", "网址", "点", "●", "dot", "[.]", "8", "88", "2024", "_",
	strings.Repeat("a", 62), strings.Repeat("b", 63), "\u00e9", "\U0001F600", "COM", "Www.", "HTTP://", "A",
}

// randomURLLine joins random pieces.
func randomURLLine(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(14); n >= 0; n-- {
		b.WriteString(urlPieces[r.IntN(len(urlPieces))])
	}
	return b.String()
}

// checkURLScanners compares the scanners with the regexps they replace
// on s.
func checkURLScanners(t *testing.T, c *Cleaner, s string) {
	t.Helper()
	var want, got [][]int
	for _, m := range c.comp.url.FindAllStringIndex(s, -1) {
		want = append(want, []int{m[0], m[1]})
	}
	for _, m := range findURLMatches(s) {
		got = append(got, []int{m[0], m[1]})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("url matches in %q (-regexp +scanner):\n%s", s, diff)
	}
	if w, g := c.comp.url.ReplaceAllString(s, " "), replaceMatches(s, findURLMatches(s), " "); w != g {
		t.Fatalf("url replace in %q: regexp %q, scanner %q", s, w, g)
	}
	want, got = nil, nil
	for _, m := range c.comp.bareDomain.FindAllStringSubmatchIndex(s, -1) {
		want = append(want, m[:4])
	}
	for _, m := range c.comp.findDomainMatches(s) {
		got = append(got, m[:])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("domain matches in %q (-regexp +scanner):\n%s", s, diff)
	}
	if w, g := c.comp.bareDomain.ReplaceAllString(s, ""), replaceMatches(s, c.comp.findDomainMatches(s), ""); w != g {
		t.Fatalf("domain replace in %q: regexp %q, scanner %q", s, w, g)
	}
	if len(want) > 0 && !c.comp.mayHaveDomain(s) {
		t.Fatalf("mayHaveDomain(%q) = false, but the regexp matches", s)
	}
	if len(c.comp.url.FindAllStringIndex(s, -1)) > 0 && !mayHaveURL(s) {
		t.Fatalf("mayHaveURL(%q) = false, but the regexp matches", s)
	}
}

// TestURLScanners: the hand-written URL and domain scanners find what the
// url and bareDomain regexps find, on hand-picked and random lines.
func TestURLScanners(t *testing.T) {
	c := defaultCleaner(t)
	for _, s := range []string{
		"", "http://", "https://a", "www.", "www.x", "a.com b.com", "a.com,b.com", "见 www.example.com/a?b=1 详情",
		"x.comx", "x.co.m", "a.b.c.cn.", "foo@bar.com", "/a.com", "-a.com", ".a.com", "a.com.", "a..com",
		"http://a.com（b.com）", "《x.vip》", "1.2.3.games", strings.Repeat("a", 63) + ".com", strings.Repeat("a", 64) + ".com",
		"hhttp://x", "httphttp://x", "wwww.x", "www.www.x", "e.g. u.s. etc.", "版权所有 example.com All Rights Reserved",
	} {
		checkURLScanners(t, c, s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 30000 {
		checkURLScanners(t, c, randomURLLine(r))
	}
}

// FuzzURLScanners compares the scanners with the regexps on any input.
func FuzzURLScanners(f *testing.F) {
	for _, s := range []string{"www.example.com", "a.com b.com", "http://x.cc/reg?code=1", "见x.vip。"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := defaultCleaner(t)
		checkURLScanners(t, c, strings.ToValidUTF8(s, "\uFFFD"))
	})
}
