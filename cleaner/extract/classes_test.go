package extract

import (
	"strings"
	"testing"
)

// containsMatch is the obvious (slow) matcher the automaton must agree
// with.
func containsMatch(s string) uint16 {
	var cats uint16
	for _, l := range []struct {
		words []string
		cat   uint16
	}{
		{positiveWords, catPositive}, {negativeWords, catNegative}, {unlikelyWords, catUnlikely},
		{maybeWords, catMaybe}, {junkWords, catJunk}, {crumbWords, catCrumb},
		{bylineWords, catByline}, {titleWords, catTitle}, {captionWords, catCaption},
	} {
		for _, w := range l.words {
			if strings.Contains(s, w) {
				cats |= l.cat
			}
		}
	}
	return cats
}

func TestWordMatcher(t *testing.T) {
	for _, s := range []string{
		"", "article-body", "post_time source", "share-bar social", "ai2html", "comments-area",
		"x-ad-y", "breadcrumbs", "rich_media_content js_content", "mycase4_reader", "tit",
		"subtitle", "hentry h-entry", "zzzcommentzzz", "com-x", "commmment", "sidebarsidebar",
		"中文 class 名", "TRS_Editor", "trs_editor",
	} {
		if got, want := classWords.match(s), containsMatch(s); got != want {
			t.Errorf("match(%q) = %b, want %b", s, got, want)
		}
	}
}

func TestClassifyAttr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want classInfo
	}{
		{"article-body", classInfo{weight: 25, body: true}},
		{"share-bar", classInfo{weight: -25, unlikely: true, junk: true}},
		{"sidebar hidden", classInfo{weight: -25, unlikely: true, hidden: true}},
		{"ad", classInfo{weight: -25, unlikely: true, junk: true}},
		{"foot", classInfo{weight: -25, unlikely: true, junk: true}},
		{"football-score", classInfo{}},
		{"crumbs", classInfo{unlikely: false, junk: true, crumb: true}},
		{"article-title", classInfo{weight: 25, title: true}},
	} {
		if got := classifyAttr(tc.in); got != tc.want {
			t.Errorf("classifyAttr(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func FuzzWordMatcher(f *testing.F) {
	f.Add("article-body share")
	f.Add("-ad-comment")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := classWords.match(s), containsMatch(s); got != want {
			t.Fatalf("match(%q) = %b, want %b", s, got, want)
		}
	})
}
