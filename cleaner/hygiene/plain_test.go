package hygiene

// Tests of the plain-chrome shortcut (plain.go): every line plainLine
// accepts gets nothing from the full analysis, and Results are the same
// with and without the shortcut.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chromeWords are words and phrases of page chrome in Latin script, and
// near misses of the ASCII vocabulary (app → apps, happy; bet → better).
var chromeWords = []string{
	"Home", "News", "Sports", "Business", "Opinion", "World", "Politics", "Tech", "Health", "Video", "Live",
	"More", "Search", "Subscribe", "Sign in", "Log out", "Contact Us", "About", "Privacy Policy", "Terms of Use",
	"Advertise with us", "Cookie settings", "Newsletters", "Follow us", "Share this", "Print", "Email",
	"Read more", "Related", "Related stories", "Most read", "Trending", "Top stories", "Editor's picks",
	"Tags", "Tag", "Topics", "The End", "end", "Ends", "Copyright", "All rights reserved", "Reuters",
	"Associated Press", "apps", "happy", "application", "better", "Betty", "bets", "sexy", "Sussex",
	"avenue", "Ave", "xxx", "porno", "jav", "Java", "casinos", "q", "Q", "v", "V", "QQ", "vx", "wx", "tg",
	"telegram", "Telegram", "dot", "Dotty", "anecdote", "www", "http", "site", "space", "online", "today",
	"tv", "me", "co", "io", "com", "net", "org", "cc", "vip", "top", "shop", "store", "games", "link",
	"Weather", "Traffic", "Obituaries", "Classifieds", "Jobs", "Real Estate", "Cars", "Letters",
	"Facebook", "Twitter", "Instagram", "LinkedIn", "WhatsApp", "Reddit", "Pinterest", "YouTube",
	"Michigan", "Hawaii", "Mauna Kea", "Dr", "Mr", "U", "S", "e", "g", "i", "editor", "Editor", "author",
	"by", "By", "from", "From", "source", "Source", "keywords", "Keywords", "Filed under", "AI", "AV",
}

// chromePunct are the separators between chromeWords in generated lines.
var chromePunct = []string{
	" ", " ", " ", ", ", ". ", ".", ": ", ":", " - ", "-", "--", " & ", "'s ", "! ", "? ", " (", ") ", "; ", " + ",
	" 2019 ", "12", " 3.5 ", " 365", "0", " | ", "_", "/", " @", "#", "%", "{", "[", " > ", "»", "’", "—", "©", "…",
	".com", ".cc", ".vip", ".)", ".]", "www.", "http://", "\t", "\n",
}

// plainTestLines are testLines and generated chrome lines.
func plainTestLines(t testing.TB) []string {
	t.Helper()
	lines := testLines(t)
	lines = append(lines, chromeWords...)
	r := rand.New(rand.NewPCG(3, 5))
	for range 30000 {
		var b strings.Builder
		for n := r.IntN(6); n >= 0; n-- {
			b.WriteString(chromeWords[r.IntN(len(chromeWords))])
			if r.IntN(3) > 0 {
				b.WriteString(chromePunct[r.IntN(len(chromePunct))])
			}
		}
		lines = append(lines, b.String())
	}
	return lines
}

// checkPlain fails when plainLine accepts l but the full analysis finds
// something in it: a hit of a category some rule reads, a signal (every
// rule asked), a line rule, a URL or a link line.
func checkPlain(t testing.TB, c *Cleaner, l string) bool {
	t.Helper()
	if !c.comp.plainLine(l) {
		return false
	}
	li := c.analyze(l)
	inert := bit(cSpamTLD) | bit(cBreadcrumbHead)
	var bad []string
	if li.rawMask&^inert != 0 || li.mask&^inert != 0 {
		bad = append(bad, fmt.Sprintf("vocabulary mask %b", li.rawMask))
	}
	if sigs := c.refSignals(li); len(sigs) > 0 {
		bad = append(bad, fmt.Sprintf("signals %+v", sigs))
	}
	if m := c.lineRule(li); m != nil {
		bad = append(bad, fmt.Sprintf("line rule %+v", *m))
	}
	u := &unit{text: l, li: li, role: RoleChrome}
	c.linkInfo(u)
	if u.linkish || u.urls > 0 {
		bad = append(bad, fmt.Sprintf("link line (%d URLs)", u.urls))
	}
	if li.has(cByline) || li.has(cEditor) || li.trad+li.simp > 0 {
		bad = append(bad, "byline/editor words or script characters")
	}
	if len(bad) > 0 {
		t.Fatalf("plainLine(%q) = true, but the analysis finds: %s", l, strings.Join(bad, "; "))
	}
	return true
}

// plainRules is the default ruleset with ASCII words added to every
// category the shortcut has to see: label words the automaton cannot
// vouch for (with spaces, so that the regexps run on the text), terms
// with digits, and a letterless term that keeps digits out.
func plainRules(t testing.TB) *Ruleset {
	t.Helper()
	over := filepath.Join(t.TempDir(), "plain.yaml")
	yaml := `name: plain
version: "1"
vocab:
  keyword_label: ["see also", "Topics"]
  editor: ["edited by", "Editor"]
  end_mark: ["the end", "fin"]
  related: ["read more", "more from"]
  byline: ["written by"]
  share_bar: ["share this", "tweet"]
  copyright: ["rights reserved"]
  app_promo: ["get the app"]
  porn: ["xhamster", "pk10x"]
  contact: ["line id"]
  guard: ["4444"]
`
	if err := os.WriteFile(over, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := LoadRules(over)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestPlainLines: for the default rules and an override, every line
// plainLine accepts is one the full analysis finds nothing in; and the
// shortcut takes most ordinary chrome lines.
func TestPlainLines(t *testing.T) {
	lines := plainTestLines(t)
	for _, tc := range []struct {
		name string
		c    *Cleaner
	}{{"default", defaultCleaner(t)}, {"override", newCleaner(t, plainRules(t))}} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, l := range lines {
				if checkPlain(t, tc.c, l) {
					n++
				}
			}
			if n < len(lines)/10 {
				t.Errorf("plainLine took %d of %d lines: the test exercises too little", n, len(lines))
			}
			t.Logf("plainLine took %d of %d lines", n, len(lines))
		})
	}
	over := newCleaner(t, plainRules(t))
	if over.comp.plain.digits {
		t.Error("a letterless term with digits (guard 4444) must keep digits out of plain lines")
	}
	for _, l := range []string{"Home 4444", "Read more", "The end", "Tweet", "Written by Ann", "Privacy Policy:", "x.com",
		"Anecdotes", "U.S. News", "Q&A", "Mr.Smith", "A - B - C", "end."} {
		if over.comp.plainLine(l) && strings.ContainsAny(l, "4") {
			t.Errorf("plainLine(%q) with the override = true", l)
		}
	}
}

// TestPlainLineCases pins the decision for typical lines.
func TestPlainLineCases(t *testing.T) {
	c := defaultCleaner(t)
	tests := []struct {
		line string
		want bool
	}{
		{"Privacy Policy", true},
		{"Sign in", true},
		{"More from Business", true},
		{"Share this:", true}, // a colon in a line with a space
		{"Dr. Who, 2019 (season 3)", true},
		{"U.S. News", true},         // no known TLD after the dots
		{"Follow:", false},          // a label-only line is a link line
		{"Home", true},              // a breadcrumb head only: read with a separator
		{"World", true},             // a spam TLD only: read after a dot
		{"Facebook", false},         // share_bar vocabulary
		{"Download the app", false}, // app vocabulary
		{"Copyright 2019 Hawaii News Now", false},
		{"example.com", false}, // a domain
		{"www. x", false},
		{"Anecdote", false},           // "dot" inside a word
		{"aaa-bbb-ccc", false},        // a possible chain of junk
		{"Sign-in - Sign-out", false}, // hyphens only: a chain is not ruled out
		{"Sign-in, sign-out - more", true},
		{"Editor’s picks", false}, // not ASCII
		{"a_b", false},
		{"Q&A", false}, // contact word q
		{"", false},
		{strings.Repeat("word ", 50), false}, // longer than maxPlainLine
	}
	for _, tc := range tests {
		if got := c.comp.plainLine(tc.line); got != tc.want {
			t.Errorf("plainLine(%q) = %v, want %v", tc.line, got, tc.want)
		}
		checkPlain(t, c, tc.line)
	}
}

// plainDocs are documents whose segments are chrome and hidden lines of
// every kind, with link lines, spam and labels between plain ones.
func plainDocs(t testing.TB) []Document {
	t.Helper()
	lines := plainTestLines(t)
	links := []string{"https://x.cc/a", "http://news.example.com/b.html", "www.abc.vip", "<img src=\"https://y.cc/b.png\" />",
		"相关推荐：", "Related:", "x.com", "Tags:", seedSpam, "Read more"}
	r := rand.New(rand.NewPCG(1, 2))
	var docs []Document
	for range 300 {
		d := Document{TitleCandidates: []string{"Harbor ferry service to resume"}, Body: []string{"The ferry resumes on Monday, officials said."}}
		for n := 10 + r.IntN(60); n > 0; n-- {
			role := RoleChrome
			if r.IntN(5) == 0 {
				role = RoleHidden
			}
			text := lines[r.IntN(len(lines))]
			if r.IntN(3) == 0 {
				text = links[r.IntN(len(links))]
			}
			d.Segments = append(d.Segments, Segment{Text: text, Role: role})
		}
		docs = append(docs, d)
	}
	return docs
}

// TestPlainChromeSame: Clean gives the same Result with and without the
// shortcut, on the documents of TestResultsGolden and on chrome-heavy
// documents with link runs broken by plain lines.
func TestPlainChromeSame(t *testing.T) {
	for _, rs := range []*Ruleset{nil, plainRules(t)} {
		on, off := newCleaner(t, rs), newCleaner(t, rs)
		off.noPlain = true
		names, docs := resultDocs(t)
		for i, d := range plainDocs(t) {
			names = append(names, fmt.Sprintf("plain/%d", i))
			docs = append(docs, d)
		}
		for i, d := range docs {
			want, got := off.Clean(d), on.Clean(d)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s: Result differs with the shortcut (-without +with):\n%s", names[i], diff)
			}
		}
	}
}

// FuzzPlainLine: a line plainLine accepts gets nothing from the full
// analysis, and as a chrome line between link lines it changes no
// Result.
func FuzzPlainLine(f *testing.F) {
	for _, s := range []string{"Privacy Policy", "Share this:", "U.S. News", "Sign-in - Sign-out", "Fromwww.Trending", "Home", "x.com", "aaa-bbb-ccc"} {
		f.Add(s)
	}
	on, off := defaultCleaner(f), newCleaner(f, nil)
	off.noPlain = true
	f.Fuzz(func(t *testing.T, l string) {
		if !checkPlain(t, on, l) {
			return
		}
		d := Document{Body: []string{"正文。"}, Segments: []Segment{
			{Text: "https://x.cc/a", Role: RoleChrome}, {Text: l, Role: RoleChrome}, {Text: "https://y.cc/b", Role: RoleChrome},
			{Text: "https://z.cc/c", Role: RoleChrome}, {Text: l, Role: RoleHidden}, {Text: seedSpam, Role: RoleChrome}}}
		if diff := cmp.Diff(off.Clean(d), on.Clean(d)); diff != "" {
			t.Fatalf("Result differs with the shortcut (-without +with):\n%s", diff)
		}
	})
}
