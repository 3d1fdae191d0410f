package hygiene

// Tests that the fast paths of the analysis (lookup tables, the flattened
// automaton, pre-filters in front of regexps, rules skipped when a line
// lacks what they need) answer exactly what they stand for.

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// testLines are lines of every kind: the corpus (both scripts), the
// benchmark pages, the golden inputs, the host article, and random lines
// of vocabulary, labels, punctuation and odd characters.
func testLines(t testing.TB) []string {
	t.Helper()
	p := parts(t)
	var lines []string
	for _, cc := range corpusCases(t) {
		lines = append(lines, cc.text, p.s2t.Convert(cc.text))
	}
	_, docs := resultDocs(t)
	for _, d := range docs {
		lines = append(lines, d.TitleCandidates...)
		lines = append(lines, d.Body...)
		for _, s := range d.Segments {
			lines = append(lines, s.Text)
		}
	}
	lines = append(lines, readLines(t, "host.txt")...)
	r := rand.New(rand.NewPCG(7, 11))
	pieces := linePieces(t)
	for range 4000 {
		var b strings.Builder
		for n := r.IntN(12); n >= 0; n-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		lines = append(lines, b.String())
	}
	return lines
}

// linePieces are the vocabulary of the default rules, their labels in
// the contexts the regexps look for, and characters every fast path
// treats apart.
func linePieces(t testing.TB) []string {
	t.Helper()
	rs, err := DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, cat := range vocabCategories() {
		out = append(out, rs.Vocab(cat)...)
	}
	out = append(out, " ", "  ", "\t", "\u3000", "：", ":", "】", "【", "[", "]", "（", "）", "(", ")", ">", ">>", "»", "›", "→",
		"＞", "，", "。", "、", "；", ";", ",", "!", "“", "”", "「", "」", "『", "』", "\"", "'", "《", "》", "-", "—", "–", "_",
		"|", "丨", "｜", "~", "=", "*", "#", "+", "·", "•", "●", "○", "◆", "★", "☆", "{", "}", "{{", "}}", "@@", "%", "${",
		"%title%", "{关键词}", "[随机数字]", "@@name@@", "0", "7", "12", "2024", "333307", "1 5 8 8 6 6", "88-99-00", "a", "Q",
		"VIP", "www.", "http://", "https://", ".com", ".cc", "x.vip", "点", "dot", "[.]", "(.)", "丶", "\u200b", "\u00ad",
		"\ufeff", "ｂｅｔ３６５", "ＡＢＣ", "𝐀𝐌𝟔𝟖", "Ⓐⓑ", "🅰", "㍿", "ﬁ", "ﷺ", "é", "E\u0301", "İ", "ẞ", "☀", "😀", "\xff",
		"\xe4\xb8", "𠀀", "丽", "著", "後", "發", "説", "臺灣", "国际", "娱乐", "官网", "注册", "新闻", "警方", "责任编辑",
		"编辑", "本文关键词", "相关阅读", "来源", "完", "end", "tag", "tags", "首页", "分享到", "微信", "扫描二维码",
		"app", "客户端", "版权所有", "©", "作者", "记者", "囍潾朤", "㐱㐱", "袅袅婷婷")
	return out
}

// TestCategoryIndices: the c* constants are the positions of the
// categories in vocabCategories, so mask bit i is category i.
func TestCategoryIndices(t *testing.T) {
	cats := vocabCategories()
	if len(cats) != numCats {
		t.Fatalf("%d categories, numCats %d", len(cats), numCats)
	}
	want := map[string]int{catPorn: cPorn, catPornWeak: cPornWeak, catStream: cStream, catGambling: cGambling,
		catGamblingWeak: cGamblingWeak, catGamblingBrand: cGamblingBrand, catGamblingBrandWeak: cGamblingBrandWeak,
		catLottery: cLottery, catLotteryWeak: cLotteryWeak, catBonus: cBonus, catBonusWeak: cBonusWeak, catAction: cAction,
		catActionStrong: cActionStrong, catGuard: cGuard, catNewsContext: cNewsContext, catContact: cContact,
		catSpamTLD: cSpamTLD, catPlaceholder: cPlaceholder, catOutlet: cOutlet, catAppPromo: cAppPromo,
		catAppAction: cAppAction, catQR: cQR, catQRAction: cQRAction, catShareBar: cShareBar, catCopyright: cCopyright,
		catRelated: cRelated, catKeywordLabel: cKeywordLabel, catEditor: cEditor, catByline: cByline, catEndMark: cEndMark,
		catBreadcrumbHead: cBreadcrumbHead, catBrandHead: cBrandHead, catBrandAction: cBrandAction,
		catHeadAction: cHeadAction, catBrandTail: cBrandTail, catPromo: cPromo, catPromoWeak: cPromoWeak,
		catBrandLead: cBrandLead, catNameStop: cNameStop}
	for i, cat := range cats {
		if want[cat] != i || catIndex(cat) != i || catBit(cat) != bit(i) {
			t.Errorf("category %q: index %d, constant %d, catIndex %d", cat, i, want[cat], catIndex(cat))
		}
	}
	var scored uint64
	for _, cat := range scoredCats {
		scored |= catBit(cat)
	}
	if scored != mScored {
		t.Errorf("mScored %b, scoredCats %b", mScored, scored)
	}
}

// keepCompactRef is keepCompact as it was before its fast paths.
func keepCompactRef(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '|' || r == ',' ||
			r == '.' || r == '!' || r == '?' || r == ';' || r == ':' || r == '/' || r == '@' || r == '%'
	}
	switch r {
	case '，', '。', '！', '？', '；', '：', '、', '©', '丨', '｜':
		return true
	}
	if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsMark(r) || unicode.IsControl(r) {
		return false
	}
	return true
}

// TestKeepCompact: keepCompact, keepASCII and the Han shortcut of the
// analysis agree with the original test for every code point.
func TestKeepCompact(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := keepCompactRef(r)
		if got := keepCompact(r); got != want {
			t.Fatalf("keepCompact(%U) = %v, want %v", r, got, want)
		}
		if r < 0x80 && keepASCII(r) != want {
			t.Fatalf("keepASCII(%U) = %v, want %v", r, keepASCII(r), want)
		}
		if isHan(r) && (!want || unicode.IsSpace(r)) {
			t.Fatalf("Han %U: keepCompact %v, IsSpace %v", r, want, unicode.IsSpace(r))
		}
	}
}

// TestRuneTable: every entry of the lookup tables is what the functions
// it stands for say, for the whole BMP.
func TestRuneTable(t *testing.T) {
	c := defaultCleaner(t)
	tab := c.comp.runes
	var buf [utf8.UTFMax]byte
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		n := utf8.EncodeRune(buf[:], r)
		s := string(buf[:n])
		tr, si := c.scripts.Count(s)
		common := isHan(r) && c.comp.isCommon(r)
		fl := tab.bmp[r]
		if fl&sTrad != 0 != (tr > 0) || fl&sSimp != 0 != (si > 0 && tr == 0) || fl&sCommon != 0 != common {
			t.Fatalf("%U: bmp flags %b, Count %d/%d, common %v", r, fl, tr, si, common)
		}
		ff := tab.of(r)
		if ff&fKeep != 0 != keepCompact(r) || ff&fHan != 0 != isHan(r) || ff&fSpace != 0 != unicode.IsSpace(r) ||
			ff&fCommon != 0 != common {
			t.Fatalf("%U: flags %b (keep %v han %v space %v common %v)", r, ff, keepCompact(r), isHan(r),
				unicode.IsSpace(r), common)
		}
		// folding keeps it as it is exactly when the flag says so
		if f := foldText(s); (ff&fFoldSame != 0) != (slices.Equal(f.runes, []rune{r}) && !isInvisible(r) && f.exotic) &&
			!(r < 0x80 || isHan(r) || r > 0x3000 && r < 0x3036 || r >= 0xFF01 && r <= 0xFF5E || r == 0x3000) {
			t.Fatalf("%U: fold-same flag %v, foldText gives %q", r, ff&fFoldSame != 0, string(f.runes))
		}
	}
}

// TestScanLine: scanLine (the analysis' one pass: no byte map, its own
// string, the script counts, the notes, table shortcuts) folds every BMP
// character and every test line as foldText does, spells the runes as
// its string, reports invalid UTF-8, counts scripts as
// normalize.Scripts.Count, and notes what noteRunes notes of foldText's
// runes, with and without scratch memory.
func TestScanLine(t *testing.T) {
	c := defaultCleaner(t)
	sc := new(scratch)
	check := func(s string) {
		t.Helper()
		want := foldText(s)
		ref := &lineInfo{fold: folded{runes: want.runes}}
		c.noteRunes(nil, ref)
		for _, sc := range []*scratch{nil, sc} {
			got := &lineInfo{text: s}
			c.scanLine(sc, got)
			if !slices.Equal(got.fold.runes, want.runes) {
				t.Fatalf("scanLine(%q) runes %q, foldText %q", s, string(got.fold.runes), string(want.runes))
			}
			var b strings.Builder
			for _, r := range want.runes {
				b.WriteRune(r)
			}
			if got.fstr() != b.String() {
				t.Fatalf("scanLine(%q) string %q, want %q", s, got.fstr(), b.String())
			}
			g := got.fold
			if g.n != want.n || g.same != want.same || g.exotic != want.exotic || g.lookalike != want.lookalike ||
				g.invalid != want.invalid || g.pos {
				t.Fatalf("scanLine(%q): %+v, foldText %+v", s, g, want)
			}
			if g.same != (b.String() == s) || g.invalid != !utf8.ValidString(s) || g.n != utf8.RuneCountInString(s) {
				t.Fatalf("scanLine(%q): same %v, invalid %v, n %d", s, g.same, g.invalid, g.n)
			}
			tr, si := c.scripts.Count(s)
			if got.trad != tr || got.simp != si {
				t.Fatalf("scanLine(%q) counts %d/%d, Count %d/%d", s, got.trad, got.simp, tr, si)
			}
			lookalike := false
			for _, r := range s {
				lookalike = lookalike || (r >= 0x1D400 && r <= 0x1D7FF) || (r >= 0x24B6 && r <= 0x24E9) || (r >= 0x1F130 && r <= 0x1F189)
			}
			if got.fold.lookalike != lookalike {
				t.Fatalf("scanLine(%q): lookalike %v, want %v", s, got.fold.lookalike, lookalike)
			}
			if got.lineCounts != ref.lineCounts {
				t.Fatalf("scanLine(%q) notes %+v, noteRunes %+v", s, got.lineCounts, ref.lineCounts)
			}
			if diff := cmp.Diff(ref.comp, got.comp, cmp.AllowUnexported(compactText{})); diff != "" {
				t.Fatalf("scanLine(%q) compact text (-noteRunes +scanLine):\n%s", s, diff)
			}
		}
		sc.reset()
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if r >= 0x10000 && r%7 != 0 {
			continue // beyond the BMP no table is used: a sample
		}
		check(string(r))
		check("A" + string(r) + "，")
		if r < 0x10000 {
			check("中" + string(r) + "，。、文") // (inside a run of hanRun)
		}
	}
	for _, l := range testLines(t) {
		check(l)
	}
}

// refMatcher is the automaton before it was flattened: a trie of maps,
// walked along fail links one rune at a time.
type refMatcher struct {
	nodes []buildNode
	terms []acTerm
}

func newRefMatcher(m *matcher) *refMatcher {
	ref := &refMatcher{nodes: []buildNode{{next: map[rune]int32{}}}}
	for _, term := range m.terms {
		n := int32(0)
		for _, r := range term.text {
			nx, ok := ref.nodes[n].next[r]
			if !ok {
				nx = int32(len(ref.nodes))
				ref.nodes = append(ref.nodes, buildNode{next: map[rune]int32{}})
				ref.nodes[n].next[r] = nx
			}
			n = nx
		}
		ref.nodes[n].out = append(ref.nodes[n].out, int32(len(ref.terms)))
		ref.terms = append(ref.terms, term)
	}
	buildFail(ref.nodes)
	return ref
}

func (m *refMatcher) find(c compactText, limit int) []hit {
	var hits []hit
	n := int32(0)
	for i, r := range c.runes {
		for {
			if nx, ok := m.nodes[n].next[r]; ok {
				n = nx
				break
			}
			if n == 0 {
				break
			}
			n = m.nodes[n].fail
		}
		for _, id := range m.nodes[n].out {
			t := &m.terms[id]
			start := i + 1 - t.runes
			if t.ascii && !asciiWord(c, start, i+1) {
				continue
			}
			hits = append(hits, hit{start: start, end: i + 1, term: id, mask: t.mask})
			if len(hits) >= limit {
				return hits
			}
		}
	}
	return hits
}

// TestMatcherFlattened: the flattened automaton (rune classes, fail links
// folded into the transitions) finds the hits the map trie finds, in
// the same order, on every test line and on runs of vocabulary.
func TestMatcherFlattened(t *testing.T) {
	c := defaultCleaner(t)
	m := c.comp.m
	ref := newRefMatcher(m)
	lines := testLines(t)
	var all strings.Builder
	for _, term := range m.terms {
		all.WriteString(term.text)
	}
	lines = append(lines, all.String(), strings.Repeat("官网", 600))
	for _, l := range lines {
		f := foldText(l)
		comp := compactOf(f)
		for _, limit := range []int{maxHits, 3} {
			want, got := ref.find(comp, limit), m.find(comp, limit, nil)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(hit{})); diff != "" {
				t.Fatalf("hits in %q (limit %d) (-map trie +flattened):\n%s", l, limit, diff)
			}
		}
	}
}

// TestMatcherMasks: in every node, for every rune class, the class mask
// sends find to the edges whenever the node has an edge of that class
// (otherwise the root's transition is the answer); the nodes with
// outputs are exactly those from outFrom on. Then hits found on random
// runs of overlapping term pieces equal the map trie's.
func TestMatcherMasks(t *testing.T) {
	c := defaultCleaner(t)
	m := c.comp.m
	if m.masks[0] != 0 {
		t.Fatalf("root mask %b", m.masks[0])
	}
	for n := range int32(len(m.nodes) - 1) {
		for cl := range uint16(len(m.root)) {
			if m.masks[n]&(1<<(cl%64)) == 0 && m.step(n, cl) != m.root[cl] {
				t.Fatalf("node %d class %d: mask says no edge, step gives %d, root %d", n, cl, m.step(n, cl), m.root[cl])
			}
		}
		if hasOut := m.nodes[n+1].out > m.nodes[n].out; hasOut != (n >= m.outFrom) {
			t.Fatalf("node %d: outputs %v, outFrom %d", n, hasOut, m.outFrom)
		}
	}
	ref := newRefMatcher(m)
	r := rand.New(rand.NewPCG(3, 5))
	for range 3000 {
		var b []rune
		for k := r.IntN(16); k >= 0; k-- {
			term := []rune(m.terms[r.IntN(len(m.terms))].text)
			i := r.IntN(len(term))
			j := i + 1 + r.IntN(len(term)-i)
			if r.IntN(2) == 0 {
				i = 0 // a prefix: the automaton goes deep, then fails
			}
			b = append(b, term[i:j]...)
		}
		comp := compactOf(foldText(string(b)))
		want, got := ref.find(comp, maxHits), m.find(comp, maxHits, nil)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(hit{})); diff != "" {
			t.Fatalf("hits in %q (-map trie +flattened):\n%s", string(b), diff)
		}
	}
}

// TestPrefilters: wherever a regexp matches, the cheap test in front of
// it lets it run; and the byte scans equal the strings functions they
// replace.
func TestPrefilters(t *testing.T) {
	c := defaultCleaner(t)
	if c.comp.hitSafe != bit(cKeywordLabel)|bit(cEditor)|bit(cEndMark)|bit(cRelated) {
		t.Errorf("default rules: hit-safe label categories %b", c.comp.hitSafe)
	}
	// a label the automaton cannot find as the regexp spells it (the
	// space breaks an ASCII term) turns the hit test off for its group
	over := writeFile(t, "labels.yaml", "name: labels\nversion: \"1\"\nvocab:\n  related: [\"more news\"]\n  editor: [\"ed itor\"]\n")
	rs, err := LoadRules(over)
	if err != nil {
		t.Fatal(err)
	}
	cl := newCleaner(t, rs)
	if cl.comp.hitSafe&bit(cRelated) != 0 || cl.comp.hitSafe&bit(cEditor) != 0 || cl.comp.hitSafe&bit(cEndMark) == 0 {
		t.Errorf("override rules: hit-safe label categories %b", cl.comp.hitSafe)
	}
	lines := append(testLines(t), "more news:", "ed itor：张三", "【more news】", "tags: a b", "（end）", "正文 —end—")
	for _, cc := range []*Cleaner{c, cl} {
		for _, l := range lines {
			l = strings.ToValidUTF8(l, "\uFFFD")
			li := cc.analyze(l)
			s := li.fstr()
			t2 := strings.TrimRight(s, " \t\u3000")
			for _, x := range []struct {
				name string
				re   *regexp.Regexp
				text string
				pass bool
			}{
				{"keywordTag", cc.comp.keywordTagRe, s, cc.mayContain(li, s, cKeywordLabel, cc.comp.keywordWords)},
				{"editor", cc.comp.editor, s, cc.mayContain(li, s, cEditor, cc.comp.editorWords)},
				{"endMark", cc.comp.endMark, s, cc.mayContain(li, s, cEndMark, cc.comp.endWords)},
				{"related", cc.comp.related, s, cc.mayContain(li, s, cRelated, cc.comp.relatedWords)},
				{"endTail", cc.comp.endTail, t2, cc.mayContain(li, t2, cEndMark, cc.comp.endWords)},
				{"editorTail", cc.comp.editorTail, t2, cc.mayContain(li, t2, cEditor, cc.comp.editorWords)},
				{"attrib", cc.comp.attrib, s, strings.Contains(s, "来源")},
				{"contactObf", cc.comp.contactObf, s, contactObfFind(cc, s) != "" || !cc.comp.contactObf.MatchString(s)},
				{"contactNum", cc.comp.contactNum, s, li.hasByte(':') || li.wideColon},
				{"domainObf", cc.comp.domainObf, s, cc.comp.mayHideDomain(s)},
				{"codeTemplate", reCodeTpl, s, mayCodeTemplate([]rune(s))},
				{"urlish", reURLish, strings.TrimSpace(s), urlishLine(strings.TrimSpace(s))},
				{"htmlTag", reHTMLTag, strings.TrimSpace(s), htmlTagLine(strings.TrimSpace(s))},
				{"labelOnly", reLabelOnly, strings.TrimSpace(s), labelOnlyLine(strings.TrimSpace(s))},
			} {
				if x.re.MatchString(x.text) && !x.pass {
					t.Fatalf("%s matches %q but its pre-filter says no", x.name, x.text)
				}
			}
			for _, y := range []struct {
				name      string
				got, want bool
			}{
				{"breadSep", li.breadSep, strings.ContainsAny(s, ">›»→＞")},
				{"fullStop", li.fullStop, strings.Contains(s, "。")},
				{"openQuote", li.openQuote || li.hasByte('"'), strings.ContainsAny(s, "“「『\"")},
				{"colon", li.hasByte(':') || li.wideColon, strings.ContainsAny(s, ":：")},
				{"asciiSet", li.hasByte('{') || li.hasByte('['), strings.ContainsAny(s, "{[")},
				{"asciiSet2", li.hasByte('.') && li.hasByte('%'), strings.Contains(s, ".") && strings.Contains(s, "%")},
				{"listPunct", listPunct(s), strings.ContainsAny(s, "、,，;；")},
				{"containsAnyByte", containsAnyByte(s, "{@%$"), strings.ContainsAny(s, "{@%$")},
				{"dots", containsAnyString(s, "●", "•", "·", "∙", "⚫", "⦁", "丶", "点"), strings.ContainsAny(s, "●•·∙⚫⦁丶点")},
				{"blank", isBlank(l), strings.TrimSpace(l) == ""},
				{"trimmedRunes", li.trimmedRunes() == utf8.RuneCountInString(strings.TrimSpace(l)), true},
				{"ftrim", li.ftrim() == strings.TrimSpace(s), true},
			} {
				if y.got != y.want {
					t.Fatalf("%s(%q) = %v, want %v", y.name, s, y.got, y.want)
				}
			}
		}
	}
}

// refSignals is signals without the conditions that skip rules: every
// rule asked, in the same order.
func (c *Cleaner) refSignals(li *lineInfo) []signal {
	var sigs []signal
	add := func(s signal) {
		if s.points > 0 && !c.off(s.rule) {
			sigs = append(sigs, s)
		}
	}
	add(c.vocabSignal(li, [4]int{cPorn, cPornWeak, cStream, -1}, RuleKeywordStuffing, "porn/streaming terms"))
	add(c.vocabSignal(li, [4]int{cGambling, cGamblingWeak, cGamblingBrand, cGamblingBrandWeak}, RuleGamblingBrand, "gambling terms"))
	add(c.vocabSignal(li, [4]int{cLottery, cLotteryWeak, cBonus, cBonusWeak}, RuleLotteryJargon, "lottery/bonus jargon"))
	add(c.chainSignal(li))
	add(c.spanTermSignal(li))
	for _, s := range c.brandSignals(li) {
		add(s)
	}
	add(c.contactSignal(li))
	add(c.evasionSignal(li))
	add(c.hashSignal(li))
	add(c.keywordLineSignal(li))
	add(c.placeholderSignal(li))
	add(c.attributionSignal(li))
	add(c.urlSignal(li))
	add(c.decorationSignal(li, sigs))
	return sigs
}

// TestSignalConditions: skipping the rules a line cannot trigger gives
// the signals asking every rule gives, evidence included.
func TestSignalConditions(t *testing.T) {
	c := defaultCleaner(t)
	n := 0
	for _, l := range testLines(t) {
		l = strings.ToValidUTF8(l, "\uFFFD")
		li := c.analyze(l)
		want := c.refSignals(li)
		got := c.spamSignals(li)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(signal{})); diff != "" {
			t.Fatalf("signals of %q (-every rule +skipping):\n%s", l, diff)
		}
		li.explain = true
		want, got = c.refSignals(li), c.signals(li)
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(signal{})); diff != "" {
			t.Fatalf("explained signals of %q (-every rule +skipping):\n%s", l, diff)
		}
		n += len(got)
	}
	if n == 0 {
		t.Fatal("no signals at all: the test lines hold no spam")
	}
}

// TestScratchReuse: a Cleaner's scratch memory, reused call after call
// and by concurrent calls, leaks nothing from one document into another.
func TestScratchReuse(t *testing.T) {
	c := defaultCleaner(t)
	names, docs := resultDocs(t)
	want := make([]Result, len(docs))
	for i, d := range docs {
		want[i] = c.Clean(d)
	}
	done := make(chan error, 2)
	for w := range 2 {
		go func() {
			for k := range 3 {
				for i := range docs {
					j := (i*7 + w + k) % len(docs) // a different order in each worker
					if got := c.Clean(docs[j]); !cmp.Equal(got, want[j]) {
						done <- &diffErr{names[j], cmp.Diff(want[j], got)}
						return
					}
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

type diffErr struct{ doc, diff string }

func (e *diffErr) Error() string { return e.doc + " (-first +again):\n" + e.diff }

// TestDecodeRunes: decodeRune and decodeLastRune decode as
// utf8.DecodeRuneInString and utf8.DecodeLastRuneInString do, on every
// three-byte sequence with a three-byte lead, after and before other
// bytes, and on random bytes.
func TestDecodeRunes(t *testing.T) {
	check := func(s string) {
		if s != "" { // (decodeRune reads a byte)
			r1, n1 := utf8.DecodeRuneInString(s)
			if r2, n2 := decodeRune(s, 0); r1 != r2 || n1 != n2 {
				t.Fatalf("decodeRune(%q) = %U, %d; utf8 %U, %d", s, r2, n2, r1, n1)
			}
		}
		r1, n1 := utf8.DecodeLastRuneInString(s)
		if r2, n2 := decodeLastRune(s); r1 != r2 || n1 != n2 {
			t.Fatalf("decodeLastRune(%q) = %U, %d; utf8 %U, %d", s, r2, n2, r1, n1)
		}
	}
	for b0 := 0xE0; b0 < 0xF0; b0++ {
		for b1 := range 256 {
			for _, b2 := range []int{0x00, 0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xE4, 0xFF} {
				s := string([]byte{byte(b0), byte(b1), byte(b2)})
				for _, x := range []string{s, "a" + s, s + "b", "\x80" + s, "\xe4" + s, s[1:], s[:2]} {
					check(x)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(9, 9))
	for range 200000 {
		b := make([]byte, r.IntN(7))
		for i := range b {
			b[i] = byte(r.IntN(256))
			if r.IntN(2) == 0 {
				b[i] = 0x80 | byte(r.IntN(64))
			}
		}
		check(string(b))
	}
}

// TestIsSpace: isSpace is unicode.IsSpace on every code point.
func TestIsSpace(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune+1; r++ {
		if isSpace(r) != unicode.IsSpace(r) {
			t.Fatalf("%U: isSpace %v", r, isSpace(r))
		}
	}
}
