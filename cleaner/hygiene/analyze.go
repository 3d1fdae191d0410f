package hygiene

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lineInfo is one line (a title candidate, a paragraph or a segment)
// prepared for the rules.
type lineInfo struct {
	text     string // original, valid UTF-8
	fold     folded
	fs       string  // the folded runes as a string, once spelled (fstr)
	fbytes   []int32 // rune index -> byte offset in fstr (len(runes)+1 entries), built on first use
	comp     compactText
	hits     []hit      // vocabulary hits after guards and containment
	heads    []hit      // brand heads after guards (before containment)
	terms    *termIndex // where termList holds each category's terms (nil: no hits)
	termList []string   // the distinct terms of every category, by category
	mask     uint64     // categories with at least one term
	// rawMask: categories of every hit before guards and containment
	// (all bits when the hits were cut at maxHits).
	rawMask uint64

	trad, simp int // Traditional-only and Simplified-only characters (original text)
	lineCounts
	prose bool
	news  []string // news-context words present

	urlsDone bool
	urlList  []string

	citedDone bool
	cited     map[string]bool

	trimmed  string // strings.TrimSpace(fstr), once trimDone
	trimDone bool
	nTrimmed int // runes of strings.TrimSpace(text); -1 until counted

	explain bool // build evidence text (only for lines being removed)
}

// lineCounts is what one pass over a line's folded runes notes.
type lineCounts struct {
	han       int // Han characters
	rare      int // Han characters outside GB2312 level 1 (comp.isCommon)
	decorated int // emoji and pictographs
	nonSpace  int
	digits    int // ASCII digits
	latin     int // ASCII letters
	upper     int // upper-case ASCII letters (none after folding, unless Simplify makes them)

	// Characters of fstr: asciiSet has bit b for every ASCII byte b,
	// breadSep a breadcrumb separator (> › » → ＞), fullStop 。,
	// wideColon ：, openQuote “ 「 『, sentence sentence punctuation
	// (, ! ? ; ， 。).
	asciiSet                                           [2]uint64
	breadSep, fullStop, wideColon, openQuote, sentence bool
}

// analyze folds a line and finds its vocabulary.
func (c *Cleaner) analyze(text string) *lineInfo { return c.analyzeIn(nil, text) }

// analyzeIn is analyze with the line's arrays taken from sc (nil: the
// heap). A line is read twice: one pass (scanLine) folds it, counts its
// script, notes the counts and character flags and builds the compact
// text, and the automaton runs over the compact text; every rule then
// works from what these passes noted (the folded string is spelled
// when a rule asks for it: fstr).
// A line with Traditional characters that simplifying changes is noted
// again from its simplified runes.
func (c *Cleaner) analyzeIn(sc *scratch, text string) *lineInfo {
	li := &sc.infoSlab().take(1)[0]
	li.text = text
	li.nTrimmed = -1
	c.scanLine(sc, li)
	if li.trad > 0 && simplifyFolded(&li.fold, c.simplify) {
		li.fold.same = false
		li.fs = "" // (spelled from the simplified runes)
		li.lineCounts = lineCounts{}
		c.noteRunes(sc, li)
	}
	var raw []hit
	if sc != nil {
		raw = c.comp.m.find(li.comp, maxHits, sc.raw[:0])
		sc.raw = raw
	} else {
		raw = c.comp.m.find(li.comp, maxHits, nil)
	}
	for _, h := range raw {
		li.rawMask |= h.mask
	}
	if len(raw) >= maxHits {
		li.rawMask = ^uint64(0)
	}
	li.hits, li.heads = c.resolveHits(sc, raw)
	// prose: a sentence of some length that is not mostly spam vocabulary
	if li.sentence && li.han >= c.rules.thresholds.ProseMinHan {
		li.prose = coveredHan(sc, li.comp.runes, li.hits)*2 < li.han
	}
	if len(li.hits) > 0 {
		ti := &sc.termSlab().take(1)[0]
		li.terms = ti
		// room for every category's hits, then the distinct terms in
		// order of their first hit
		total := 0
		for _, h := range li.hits {
			li.mask |= h.mask
			for _, ci := range c.comp.m.terms[h.term].catIdx {
				ti.n[ci]++
				total++
			}
		}
		next := uint16(0)
		for ci, k := range ti.n {
			ti.start[ci], ti.n[ci] = next, 0
			next += k
		}
		li.termList = sc.strSlab().take(total)
		for _, h := range li.hits {
			t := &c.comp.m.terms[h.term]
			for _, ci := range t.catIdx {
				if s := ti.start[ci]; !containsStr(li.termList[s:s+ti.n[ci]], t.text) {
					li.termList[s+ti.n[ci]] = t.text
					ti.n[ci]++
				}
			}
		}
		li.news = li.cat(cNewsContext)
	}
	return li
}

// coveredHan counts the Han runes that scored hits cover, marking them
// in an array taken from sc (nil: the heap) and given back.
func coveredHan(sc *scratch, runes []rune, hits []hit) int {
	var covered []bool
	cov := 0
	for _, h := range hits {
		if h.mask&mScored == 0 {
			continue
		}
		if covered == nil {
			covered = sc.boolSlab().take(len(runes))
			clear(covered)
		}
		for k := h.start; k < h.end; k++ {
			if !covered[k] {
				covered[k] = true
				if isHan(runes[k]) {
					cov++
				}
			}
		}
	}
	if covered != nil {
		sc.boolSlab().giveBack(len(runes))
	}
	return cov
}

// fstr returns the folded runes as a string: the text itself when
// folding changed nothing, else spelled on first use.
func (li *lineInfo) fstr() string {
	if li.fs == "" && len(li.fold.runes) > 0 {
		li.fs = string(li.fold.runes)
	}
	return li.fs
}

// fbyte returns the byte offsets in fstr of the folded runes (one more
// entry than runes: the length).
func (li *lineInfo) fbyte() []int32 {
	if li.fbytes == nil {
		fb := make([]int32, 0, len(li.fold.runes)+1)
		n := int32(0)
		for _, r := range li.fold.runes {
			fb = append(fb, n)
			w := utf8.RuneLen(r)
			if w < 0 {
				w = 3 // written as U+FFFD
			}
			n += int32(w)
		}
		li.fbytes = append(fb, n)
	}
	return li.fbytes
}

// maxHits bounds the vocabulary hits kept per line, so pathological
// lines (one term repeated thousands of times) cost linear time; the
// rules never need more evidence than this.
const maxHits = 256

// resolveHits drops hits that overlap a guard phrase (成人礼 hides 成人)
// and hits inside a longer hit of a scored category (福利在线 hides 福利).
// It also returns the brand heads that no guard hides, whether or not a
// longer term contains them (娱乐 inside 娱乐网址). The results are taken
// from sc (nil: the heap); hits is not kept.
func (c *Cleaner) resolveHits(sc *scratch, hits []hit) (resolved, heads []hit) {
	if len(hits) == 0 {
		return nil, nil
	}
	var all uint64
	for _, h := range hits {
		all |= h.mask
	}
	out := hits
	if all&bit(cGuard) != 0 {
		var guards []hit
		for _, h := range hits {
			if h.is(cGuard) {
				guards = append(guards, h)
			}
		}
		out = nil
		if sc != nil {
			out = sc.kept[:0]
		}
		for _, h := range hits {
			if h.is(cGuard) {
				continue
			}
			guarded := false
			for _, g := range guards {
				if h.start < g.end && g.start < h.end && (h.end-h.start) <= (g.end-g.start) {
					guarded = true
					break
				}
			}
			if !guarded {
				out = append(out, h)
			}
		}
		if sc != nil {
			sc.kept = out
		}
	}
	if all&bit(cBrandHead) != 0 {
		n := 0
		for _, h := range out {
			if h.is(cBrandHead) {
				n++
			}
		}
		if n > 0 {
			heads = sc.hitSlab().take(n)[:0]
			for _, h := range out {
				if h.is(cBrandHead) {
					heads = append(heads, h)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, heads
	}
	return c.dropContained(sc, out), heads
}

// dropContained returns the hits of out but the scored ones inside a
// longer scored hit, in a slice taken from sc (nil: the heap).
func (c *Cleaner) dropContained(sc *scratch, out []hit) []hit {
	inside := func(i int) bool {
		h := out[i]
		if h.mask&mScored == 0 {
			return false
		}
		for j, o := range out {
			if i == j || o.mask&mScored == 0 {
				continue
			}
			if o.start <= h.start && h.end <= o.end && (o.end-o.start) > (h.end-h.start) {
				return true
			}
		}
		return false
	}
	scored := 0
	for _, h := range out {
		if h.mask&mScored != 0 {
			scored++
		}
	}
	res := sc.hitSlab().take(len(out))[:0]
	for i, h := range out {
		if scored < 2 || !inside(i) {
			res = append(res, h)
		}
	}
	sc.hitSlab().giveBack(len(out) - len(res))
	return res[:len(res):len(res)]
}

func (c *Cleaner) scored(h hit) bool {
	return h.mask&mScored != 0
}

// hasByte reports whether fstr holds the ASCII byte b.
func (li *lineInfo) hasByte(b byte) bool { return li.asciiSet[b>>6]&(1<<(b&63)) != 0 }

// ftrim returns strings.TrimSpace(li.fstr()).
func (li *lineInfo) ftrim() string {
	if !li.trimDone {
		li.trimmed, li.trimDone = li.fstr(), true
		if rs := li.fold.runes; len(rs) > 0 && (isSpace(rs[0]) || isSpace(rs[len(rs)-1])) {
			li.trimmed = strings.TrimSpace(li.fstr()) // (fstr spells the runes)
		}
	}
	return li.trimmed
}

// ends returns the first and the last folded rune that is not white
// space (isSpace), the first and last characters of ftrim
// (0, 0 for a blank line).
func (li *lineInfo) ends() (first, last rune) {
	rs := li.fold.runes
	i := slices.IndexFunc(rs, func(r rune) bool { return !isSpace(r) })
	if i < 0 {
		return 0, 0
	}
	j := len(rs) - 1
	for isSpace(rs[j]) {
		j--
	}
	return rs[i], rs[j]
}

// lastRune returns the last rune of strings.TrimRight(li.fstr(),
// " \t\u3000"), 0 when that is empty.
func (li *lineInfo) lastRune() rune {
	rs := li.fold.runes
	for j := len(rs) - 1; j >= 0; j-- {
		if r := rs[j]; r != ' ' && r != '\t' && r != '\u3000' {
			return r
		}
	}
	return 0
}

// trimmedRunes returns utf8.RuneCountInString(strings.TrimSpace(li.text)).
func (li *lineInfo) trimmedRunes() int {
	if li.nTrimmed < 0 {
		t := li.text
		n := li.fold.n // the runes of text
		for len(t) > 0 {
			r, size := decodeRune(t, 0)
			if !isSpace(r) {
				break
			}
			t, n = t[size:], n-1
		}
		for len(t) > 0 {
			r, size := decodeLastRune(t)
			if !isSpace(r) {
				break
			}
			t, n = t[:len(t)-size], n-1
		}
		li.nTrimmed = n
	}
	return li.nTrimmed
}

// positions fills the map from folded runes to the original bytes
// (folding the text again: foldText gives the runes scanLine gives, and
// Simplify changes runes, not their number).
func (li *lineInfo) positions() {
	if !li.fold.pos {
		f := foldText(li.text)
		li.fold.start, li.fold.end, li.fold.pos = f.start, f.end, true
	}
}

// origSpan maps compact runes [s, e) to a byte range of the original.
func (li *lineInfo) origSpan(s, e int) (int, int) {
	li.positions()
	fs, fe := li.comp.idx[s], li.comp.idx[e-1]
	return int(li.fold.start[fs]), int(li.fold.end[fe])
}

// foldSpan maps folded runes [s, e) to a byte range of the original.
func (li *lineInfo) foldSpan(s, e int) (int, int) {
	li.positions()
	return int(li.fold.start[s]), int(li.fold.end[e-1])
}

// runeAt maps a byte offset of fstr to a folded rune index.
func (li *lineInfo) runeAt(off int) int {
	fb := li.fbyte()
	lo, hi := 0, len(fb)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if int(fb[mid]) <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// fstrSpan maps a byte range of fstr to a byte range of the original.
func (li *lineInfo) fstrSpan(s, e int) (int, int) {
	rs, re := li.runeAt(s), li.runeAt(e-1)
	if re >= len(li.fold.runes) {
		re = len(li.fold.runes) - 1
	}
	return li.foldSpan(rs, re+1)
}

// signal is one piece of evidence that a line is spam.
type signal struct {
	rule     string
	points   float64
	evidence string
	vocab    bool // vocabulary evidence: zero in a news context
	discount bool // vocabulary evidence: discounted in prose
	local    bool // the news context was checked near the evidence only
	spans    [][2]int
}

// spamSignals collects the line-level spam evidence of li (script
// mismatch is added later, once the page script is known). Evidence text
// is left empty: explainSignals fills it for the lines that are removed.
func (c *Cleaner) spamSignals(li *lineInfo) []signal {
	li.explain = false
	return c.signals(li)
}

// explainSignals returns the signals of li with their evidence text.
func (c *Cleaner) explainSignals(li *lineInfo) []signal {
	li.explain = true
	defer func() { li.explain = false }()
	return c.signals(li)
}

func (c *Cleaner) signals(li *lineInfo) []signal {
	var sigs []signal
	add := func(s signal) {
		if s.points > 0 && !c.off(s.rule) {
			sigs = append(sigs, s)
		}
	}
	// Each rule is asked only when the line has what it needs (the
	// conditions below are necessary for it to return a signal).
	if li.mask&mScored != 0 {
		add(c.vocabSignal(li, [4]int{cPorn, cPornWeak, cStream, -1}, RuleKeywordStuffing, "porn/streaming terms"))
		add(c.vocabSignal(li, [4]int{cGambling, cGamblingWeak, cGamblingBrand, cGamblingBrandWeak}, RuleGamblingBrand, "gambling terms"))
		add(c.vocabSignal(li, [4]int{cLottery, cLotteryWeak, cBonus, cBonusWeak}, RuleLotteryJargon, "lottery/bonus jargon"))
	}
	if li.mask&mScored != 0 || li.latin > 0 {
		add(c.chainSignal(li))
	}
	if li.prose && li.mask&(1<<cPorn|1<<cPornWeak|1<<cGamblingBrand|1<<cGambling|1<<cLottery) != 0 {
		add(c.spanTermSignal(li))
	}
	if li.mask&mAnyAction != 0 {
		for _, s := range c.brandSignals(li) {
			add(s)
		}
	}
	if li.digits > 0 && li.has(cContact) || li.latin > 0 {
		add(c.contactSignal(li))
	}
	if li.fold.lookalike {
		add(c.evasionSignal(li))
	}
	if li.rare >= c.rules.thresholds.HashMinRare {
		add(c.hashSignal(li))
	}
	if li.mask&mKeywordLineSpam != 0 && len(li.news) == 0 {
		add(c.keywordLineSignal(li))
	}
	if li.hasByte('{') || li.hasByte('[') {
		add(c.placeholderSignal(li))
	}
	if len(li.cat(cOutlet)) >= c.rules.thresholds.AttributionMinOutlets {
		add(c.attributionSignal(li))
	}
	if li.latin > 0 {
		add(c.urlSignal(li))
	}
	if !li.prose && li.decorated >= 2 && len(sigs) > 0 {
		add(c.decorationSignal(li, sigs))
	}
	return sigs
}

// vocabSignal scores the distinct terms of some categories. Streaming
// filler counts only next to a porn term.
func (c *Cleaner) vocabSignal(li *lineInfo, cats [4]int, rule, what string) signal {
	var any uint64
	for _, ci := range cats {
		if ci >= 0 {
			any |= bit(ci)
		}
	}
	if li.mask&any == 0 {
		return signal{} // no term of these categories
	}
	var pts float64
	var ev []string
	var seen []string
	cited := c.citedTerms(li)
	core, strongAny := false, false
	for _, ci := range cats {
		if ci < 0 {
			continue
		}
		for _, t := range li.cat(ci) {
			if containsStr(seen, t) || cited[t] {
				continue
			}
			seen = append(seen, t)
			if ci != cStream {
				core = true
			}
			switch ci {
			case cPorn, cGambling, cGamblingBrand, cLottery, cBonus:
				strongAny = true
			}
			w := c.comp.catWeight[ci]
			pts += w
			if li.explain {
				ev = append(ev, fmt.Sprintf("%s(%s %g)", t, c.comp.catNames[ci], w))
			}
		}
	}
	if !core {
		return signal{}
	}
	if !strongAny && pts > c.rules.thresholds.WeakOnlyCap {
		pts = c.rules.thresholds.WeakOnlyCap
	}
	if limit := c.rules.thresholds.SpamScore; pts > limit {
		pts = limit // structure, not word count, should name the rule
	}
	sig := signal{rule: rule, points: pts, vocab: true, discount: true}
	if li.explain {
		sig.evidence = what + " " + strings.Join(ev, " ")
	}
	return sig
}

// citedTerms returns the terms that a sentence only quotes: in prose,
// every hit of them stands inside quotation marks (平台以“注册即送”“首存返水”
// 为噱头 — a report citing the pitch). Nil when there is none.
func (c *Cleaner) citedTerms(li *lineInfo) map[string]bool {
	if !li.citedDone {
		li.cited = c.findCited(li)
		li.citedDone = true
	}
	return li.cited
}

func (c *Cleaner) findCited(li *lineInfo) map[string]bool {
	if !li.prose || !li.openQuote && !li.hasByte('"') {
		return nil
	}
	// quoted runs of folded runes: [open+1, close)
	var buf [16][2]int
	runs := buf[:0]
	var closing rune
	open := -1
	for i, r := range li.fold.runes {
		switch {
		case open >= 0 && r == closing:
			runs = append(runs, [2]int{open + 1, i})
			open = -1
		case open < 0:
			switch r {
			case '“':
				open, closing = i, '”'
			case '「':
				open, closing = i, '」'
			case '『':
				open, closing = i, '』'
			case '"':
				open, closing = i, '"'
			}
		}
	}
	in := func(k int) bool {
		for _, q := range runs {
			if k >= q[0] && k < q[1] {
				return true
			}
		}
		return false
	}
	quoted := func(h hit) bool { return in(int(li.comp.idx[h.start])) && in(int(li.comp.idx[h.end-1])) }
	var out map[string]bool
	for _, h := range li.hits {
		if !quoted(h) {
			continue
		}
		// cited: no hit of the term stands outside quotation marks
		cited := true
		for _, o := range li.hits {
			if o.term == h.term && !quoted(o) {
				cited = false
				break
			}
		}
		if cited {
			if out == nil {
				out = map[string]bool{}
			}
			out[c.comp.m.terms[h.term].text] = true
		}
	}
	return out
}

// chainSignal finds keyword chains: short tokens joined by _ or | that
// carry spam terms and digit/latin junk (99福利在线_xxxx影院_毛片网站免费_777sesese).
func (c *Cleaner) chainSignal(li *lineInfo) signal {
	if li.mask&mScored == 0 && li.latin == 0 {
		// no token can carry spam terms, and none is Latin junk: the
		// chain rule cannot fire
		return signal{}
	}
	rs := li.fold.runes
	if !li.hasByte('_') && !li.hasByte('|') && !li.hasByte('-') &&
		!slices.ContainsFunc(rs, func(r rune) bool { return r == '丨' || r == '｜' }) {
		return signal{} // no separator
	}
	var bounds [][2]int
	start := 0
	seps := 0
	for i, r := range rs {
		if r == '_' || r == '|' || r == '丨' || r == '｜' || r == '-' && i > 0 && i+1 < len(rs) && rs[i-1] != '-' && rs[i+1] != '-' {
			bounds = append(bounds, [2]int{start, i})
			start = i + 1
			seps++
		}
	}
	if seps == 0 {
		return signal{}
	}
	if li.mask&mScored == 0 {
		// without spam terms the chain fires only when every token is
		// digit/Latin junk: a rune that is no digit, letter, separator or
		// space makes its token something else
		for _, r := range rs {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r == '_' || r == '|' || r == '丨' || r == '｜' || r == '-' ||
				unicode.IsSpace(r)) {
				return signal{}
			}
		}
	}
	bounds = append(bounds, [2]int{start, len(rs)})
	var strongTok, pornWeakTok, weakTok, streamTok, junkTok, gluedJunk int
	latinJunk := false
	var ev []string
	maxTok := c.rules.thresholds.ChainMaxToken
	for _, b := range bounds {
		tok := strings.TrimSpace(string(rs[b[0]:b[1]]))
		if tok == "" {
			continue
		}
		n := utf8.RuneCountInString(tok)
		var names []string
		strong, pornWeak, weak := false, false, false
		for _, h := range li.hits {
			fi := int(li.comp.idx[h.start])
			if fi < b[0] || fi >= b[1] || !c.scored(h) {
				continue
			}
			t := c.comp.m.terms[h.term]
			names = append(names, t.text)
			for _, cat := range t.cats {
				switch cat {
				case catPorn, catGambling, catLottery, catGamblingBrand:
					strong = true
				case catPornWeak:
					pornWeak = true
				case catGamblingWeak, catGamblingBrandWeak, catLotteryWeak, catBonus, catBonusWeak:
					weak = true
				}
			}
		}
		compactTok := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, tok)
		junk := isJunk(compactTok)
		if !junk && len(names) > 0 {
			// junk glued to a word: 777sesese影院, 4hu电影网
			lead := strings.IndexFunc(compactTok, func(r rune) bool { return !isASCIIAlnum(r) })
			trail := strings.LastIndexFunc(compactTok, func(r rune) bool { return !isASCIIAlnum(r) })
			if (lead >= 2 && isJunk(strings.ToLower(compactTok[:lead]))) ||
				(trail >= 0 && len(compactTok)-trail-1 >= 2 && isJunk(strings.ToLower(compactTok[trail+1:]))) {
				junkTok++
				gluedJunk++
			}
		}
		if junk {
			junkTok++
			latinJunk = latinJunk || strings.IndexFunc(compactTok, isASCIILetter) >= 0
			if li.explain {
				ev = append(ev, fmt.Sprintf("%q[junk]", tok))
			}
		}
		if len(names) > 0 && n <= maxTok {
			switch {
			case strong:
				strongTok++
			case pornWeak:
				pornWeakTok++
			case weak:
				weakTok++
			default:
				streamTok++
			}
			if li.explain {
				ev = append(ev, fmt.Sprintf("%q[%s]", tok, strings.Join(names, " ")))
			}
		}
	}
	vocabTok := strongTok + pornWeakTok + weakTok + streamTok
	fire := (strongTok >= 1 && (vocabTok >= 2 || junkTok >= 1)) ||
		(pornWeakTok >= 1 && pornWeakTok+streamTok >= 2 && junkTok >= 1) ||
		pornWeakTok >= 3 ||
		(streamTok >= 2 && (junkTok > gluedJunk || gluedJunk >= 2)) ||
		(junkTok >= 3 && junkTok == len(bounds) && latinJunk)
	if len(li.news) > 0 {
		fire = fire && junkTok >= 1 && strongTok >= 1
	}
	if !fire {
		return signal{}
	}
	sig := signal{rule: RuleKeywordChain, points: c.rules.weight(RuleKeywordChain)}
	if li.explain {
		sig.evidence = fmt.Sprintf("keyword chain of %d tokens joined by _ - or |, %d with spam terms, %d junk: %s",
			len(bounds), vocabTok, junkTok, strings.Join(ev, " "))
	}
	return sig
}

// isJunk reports digit/Latin junk tokens: 777sesese, yy6080, 99, xxxx
// (not years).
func isJunk(tok string) bool {
	if len(tok) < 2 || len(tok) > 16 {
		return false
	}
	digits, letters := 0, 0
	for _, r := range tok {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z':
			letters++
		default:
			return false
		}
	}
	switch {
	case letters == 0:
		return digits >= 2 && !reYear.MatchString(tok)
	case digits > 0:
		return len(tok) >= 3 && !knownAlnum(tok)
	}
	return repetitiveLatin(tok) || tok == "av" || tok == "xxx"
}

// knownAlnum reports letter-digit words that are not junk.
func knownAlnum(tok string) bool {
	switch tok {
	case "mp3", "mp4", "b2b", "b2c", "o2o", "p2p", "ps4", "ps5", "g20", "h1n1", "covid19", "c919", "3ds",
		"a380", "b737", "win10", "win11":
		return true
	}
	return false
}

// repetitiveLatin spots junk like xxxx, sesese, aaa: a short Latin token
// made of one or two letters repeated.
func repetitiveLatin(s string) bool {
	if len(s) < 3 || len(s) > 16 {
		return false
	}
	letters := map[rune]int{}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			if r < '0' || r > '9' {
				return false
			}
			continue
		}
		letters[r]++
	}
	return len(letters) >= 1 && len(letters) <= 2 && len(s) >= 3
}

// spanTermSignal finds porn terms (which do not occur in clean news), and
// spam terms with digit/Latin junk stuck to them, inside a sentence:
// 据99福利在线报道 — the term, with the junk and streaming words stuck to
// it, is a span to cut.
func (c *Cleaner) spanTermSignal(li *lineInfo) signal {
	if !li.prose {
		return signal{}
	}
	var spans [][2]int
	var names []string
	for _, h := range li.hits {
		strong := h.is(cGamblingBrand) || h.is(cGambling) || h.is(cLottery)
		if !h.is(cPorn) && !strong && !(h.is(cPornWeak) && gluedJunk(li, h)) {
			continue
		}
		if c.newsNear(li, h.start, h.end) {
			continue // 警方查处“某某福利在线”等网站: a report, not an injection
		}
		s, e := h.start, h.end
		for {
			grown := false
			for s > 0 && !li.comp.gap[s] && isASCIIAlnum(li.comp.runes[s-1]) {
				s--
				grown = true
			}
			for e < len(li.comp.runes) && !li.comp.gap[e] && isASCIIAlnum(li.comp.runes[e]) {
				e++
				grown = true
			}
			for _, o := range li.hits {
				if c.scored(o) && (o.end == s || o.start == e) && !o.is(cNewsContext) {
					s, e = min(s, o.start), max(e, o.end)
					grown = true
				}
			}
			if !grown {
				break
			}
		}
		if quoted(li, s, e) {
			continue // 以“注册即送彩金”“首存返水”为噱头: quoted by a report
		}
		if strong && !h.is(cPorn) && !gluedJunk(li, h) {
			// a gambling or lottery term counts as injected only stuck to
			// another spam term (bet365体育, 澳门金沙娱乐城): alone it is
			// casino or sports news
			n := 0
			for _, o := range li.hits {
				if c.scored(o) && o.start >= s && o.end <= e {
					n++
				}
			}
			if n < 2 {
				continue
			}
		}
		a, b := li.origSpan(s, e)
		spans = append(spans, [2]int{a, b})
		names = append(names, string(li.comp.runes[s:e]))
	}
	if len(spans) == 0 {
		return signal{}
	}
	return signal{rule: RuleSpanBrand, points: c.rules.weight(RuleSpanBrand), vocab: true, local: true, spans: spans,
		evidence: "spam term inside a sentence " + strings.Join(names, " ")}
}

// newsNear reports a news-context word within 12 runes of compact [s, e).
func (c *Cleaner) newsNear(li *lineInfo, s, e int) bool {
	if len(li.news) == 0 {
		return false
	}
	for _, o := range li.hits {
		if o.is(cNewsContext) && o.end > s-12 && o.start < e+12 {
			return true
		}
	}
	return false
}

// gluedJunk reports digit/Latin junk stuck to a hit (xxxx影院, 澳门新葡京8888).
func gluedJunk(li *lineInfo, h hit) bool {
	rs := li.comp.runes
	s := h.start
	for s > 0 && !li.comp.gap[s] && isASCIIAlnum(rs[s-1]) {
		s--
	}
	e := h.end
	for e < len(rs) && !li.comp.gap[e] && isASCIIAlnum(rs[e]) {
		e++
	}
	return (s < h.start && isJunk(string(rs[s:h.start]))) || (e > h.end && isJunk(string(rs[h.end:e])))
}

// brandSignals finds a brand or gambling/porn term followed by action
// suffixes (XX娱乐官网登录, XX开户网址), and unknown tokens followed by
// two actions (XX主管登录). A known brand, or a brand-shaped token (a
// name before a head such as 娱乐, 国际, 体育), followed by an action that
// ends at a phrase boundary is spam even inside a sentence (美高梅注册，
// 鑫鼎娱乐注册，) unless the text marks it as a reference (据美高梅官网，
// “…”); letter spacing and appended junk do not hide it.
func (c *Cleaner) brandSignals(li *lineInfo) []signal {
	var actions []hit
	for _, h := range li.hits {
		if h.is(cAction) || h.is(cActionStrong) || h.is(cBrandAction) || h.is(cHeadAction) {
			actions = append(actions, h)
		}
	}
	if len(actions) == 0 {
		return nil
	}
	// longest action starting at each position
	byStart := make(map[int]int, len(actions))
	ends := make(map[int]bool, len(actions))
	for i, a := range actions {
		if j, ok := byStart[a.start]; !ok || a.end > actions[j].end {
			byStart[a.start] = i
		}
		ends[a.end] = true
	}
	// chainFrom returns the action chain starting at pos (or up to three
	// Latin/digit runes later: 九游会j9官网).
	chainFrom := func(pos int) (idx []int, strong bool, end int, names []string) {
		end = pos
		for len(idx) < 8 {
			best := -1
			for k := end; k <= end+3 && k < len(li.comp.runes); k++ {
				if k > end && !isASCIIAlnum(li.comp.runes[k-1]) {
					break
				}
				if i, ok := byStart[k]; ok {
					best = i
					break
				}
			}
			if best < 0 {
				return
			}
			a := actions[best]
			idx = append(idx, best)
			strong = strong || a.is(cActionStrong)
			names = append(names, c.comp.m.terms[a.term].text)
			end = a.end
		}
		return
	}
	anyAction := func(idx []int, cat int) bool {
		for _, i := range idx {
			if actions[i].is(cat) {
				return true
			}
		}
		return false
	}
	// candidates: the hits, plus brand heads inside longer terms (娱乐 in
	// 娱乐网址), which count only as heads
	cands := li.hits
	extra := 0
	for _, h := range li.heads {
		if !slices.Contains(li.hits, h) {
			if extra == 0 {
				cands = slices.Clone(li.hits)
			}
			cands = append(cands, h)
			extra++
		}
	}
	if extra > 0 {
		slices.SortStableFunc(cands, func(a, b hit) int { return a.end - b.end })
	}
	// heads glued to a known brand belong to it (葡京赌场, 美高梅娱乐)
	headAt := map[int]int{}
	for i, h := range cands {
		if h.is(cBrandHead) {
			if j, ok := headAt[h.start]; !ok || h.end > cands[j].end {
				headAt[h.start] = i
			}
		}
	}
	consumed := map[int]bool{}
	var sigs []signal
	var counts phraseCounts
	used := make([]bool, len(actions))
	for hi, h := range cands {
		if consumed[hi] {
			continue
		}
		t := c.comp.m.terms[h.term]
		known := h.is(cGamblingBrand) || h.is(cGamblingBrandWeak)
		topicStrong := h.is(cGamblingBrand) || h.is(cGambling) || h.is(cPorn) || h.is(cLottery)
		topicWeak := h.is(cGamblingBrandWeak) || h.is(cGamblingWeak)
		head := h.is(cBrandHead)
		if extra > 0 && !slices.Contains(li.hits, h) {
			known, topicStrong, topicWeak = false, false, false // a head inside a longer term
		}
		if !topicStrong && !topicWeak && !head {
			continue
		}
		p := h.end
		for known {
			j, ok := headAt[p]
			if !ok {
				break
			}
			consumed[j] = true
			p = cands[j].end
		}
		idx, _, end, names := chainFrom(p)
		if len(idx) == 0 {
			continue
		}
		// brand + action at a phrase boundary
		start, spanEnd, bound := h.start, end, false
		switch {
		case known && anyAction(idx, cBrandAction):
			spanEnd, bound = c.phraseEnd(li, start, end)
		case !known && head && anyAction(idx, cHeadAction):
			if ns, ok := c.brandName(li, h.start); ok {
				start = ns
				spanEnd, bound = c.phraseEnd(li, start, end)
			}
		}
		if bound && c.referenced(li, start, spanEnd) {
			bound, start, spanEnd = false, h.start, end
		}
		if !topicStrong && !topicWeak && !bound {
			continue // a head alone (国际, 体育) is no brand
		}
		for _, i := range idx {
			used[i] = true
		}
		phrase := string(li.comp.runes[start:end])
		counts.add(phrase)
		pts := c.rules.weight(RuleGamblingBrand)
		rule := RuleGamblingBrand
		if !bound && !topicStrong && strongActions(c, actions, idx) < 2 {
			// 体育/彩票/棋牌 + 平台代理 is also business talk
			pts = c.rules.weight(RuleUnknownBrand)
			rule = RuleUnknownBrand
		}
		s, e := li.origSpan(start, spanEnd)
		sig := signal{rule: rule, points: pts, vocab: true, spans: [][2]int{{s, e}}}
		if li.prose {
			// in a sentence the news context counts only near the brand,
			// and not at all for a known brand + action standing apart
			// (警方提醒，…防范意识美高梅注册，)
			if !(bound && known) && c.newsNear(li, start, spanEnd) {
				continue
			}
			sig.local = true
		}
		if li.explain {
			what := t.text
			if start < h.start {
				what = fmt.Sprintf("brand-shaped token %q", string(li.comp.runes[start:h.end]))
			}
			sig.evidence = fmt.Sprintf("%q: %s + action %s", phrase, what, strings.Join(names, "+"))
			if bound {
				sig.evidence += " at a phrase boundary"
			}
		}
		sigs = append(sigs, sig)
	}
	// unknown token + two actions, one of them rare outside spam
	for i, a := range actions {
		if used[i] {
			continue
		}
		if ends[a.start] || (a.start > 0 && ends[a.start-1] && isASCIIAlnum(li.comp.runes[a.start-1])) {
			continue // continues an earlier action
		}
		// the token before the chain: 2..6 Han/alnum runes after a boundary
		k := a.start
		for k > 0 && a.start-k < 6 && (isHan(li.comp.runes[k-1]) || isASCIIAlnum(li.comp.runes[k-1])) && !li.comp.gap[k] {
			k--
		}
		if a.start-k < 2 {
			continue
		}
		idx, strong, end, names := chainFrom(a.start)
		if len(idx) < 2 || !strong {
			continue
		}
		for _, j := range idx {
			used[j] = true
		}
		phrase := string(li.comp.runes[k:end])
		counts.add(phrase)
		s, e := li.origSpan(k, end)
		sig := signal{rule: RuleUnknownBrand, points: c.rules.weight(RuleUnknownBrand), vocab: true, spans: [][2]int{{s, e}}}
		if li.explain {
			sig.evidence = fmt.Sprintf("%q: token %q + actions %s", phrase, string(li.comp.runes[k:a.start]), strings.Join(names, "+"))
		}
		sigs = append(sigs, sig)
	}
	for i, p := range counts.phrases {
		if n := counts.n[i]; n >= 2 {
			sigs = append(sigs, signal{rule: RuleRepeat, points: c.rules.weight(RuleRepeat), vocab: true,
				evidence: fmt.Sprintf("%q repeated %d times", p, n)})
			break
		}
	}
	return sigs
}

// phraseCounts counts brand phrases in order of first occurrence.
type phraseCounts struct {
	phrases []string
	n       []int
}

func (pc *phraseCounts) add(p string) {
	for i, q := range pc.phrases {
		if q == p {
			pc.n[i]++
			return
		}
	}
	pc.phrases = append(pc.phrases, p)
	pc.n = append(pc.n, 1)
}

// isPhrasePunct reports punctuation that ends a phrase in compact text.
func isPhrasePunct(r rune) bool {
	switch r {
	case '，', '。', '！', '？', '；', '：', '、', ',', '.', '!', '?', ';', ':', '|', '_', '丨', '｜':
		return true
	}
	return false
}

// phraseEnd reports whether a brand + action phrase ending at compact
// rune end stands apart: the text ends or punctuation follows, or rare
// characters or digit/Latin junk appended to it (returned as part of the
// phrase), or another spam term, or a space or bracket after a phrase
// written without spaces, or the end of a letter-spaced phrase inside
// unspaced text. An action that starts a longer word
// (美高梅官网公布, 注册资本) is not at a boundary.
func (c *Cleaner) phraseEnd(li *lineInfo, start, end int) (int, bool) {
	rs := li.comp.runes
	stop := func(k int) bool { return k >= len(rs) || isPhrasePunct(rs[k]) || li.comp.gap[k] }
	if end >= len(rs) || isPhrasePunct(rs[end]) {
		return end, true
	}
	// rare characters appended to defeat duplicate detection (注册㐱㐱)
	k := end
	for k < len(rs) && isHan(rs[k]) && !c.comp.isCommon(rs[k]) && k-end < 12 {
		k++
	}
	if k-end >= 2 || (k-end == 1 && stop(k)) {
		for k < len(rs) && isASCIIAlnum(rs[k]) && !li.comp.gap[k] {
			k++
		}
		return k, true
	}
	// digit/Latin junk (官网888, 注册vip)
	k = end
	for k < len(rs) && isASCIIAlnum(rs[k]) && (k == end || !li.comp.gap[k]) {
		k++
	}
	if k > end && stop(k) && isJunk(string(rs[end:k])) {
		return k, true
	}
	// another spam term or a slogan follows (注册送彩金, 官方网站欢迎您)
	for _, h := range li.hits {
		if h.start == end && h.is(cBrandTail) {
			return h.end, true
		}
		if h.start == end && (h.is(cLottery) || h.is(cBonus) || h.is(cGambling) ||
			h.is(cPorn) || h.is(cPromo)) {
			return end, true
		}
	}
	spaced := end-start >= 3
	solid := true
	for k := start + 1; k < end; k++ {
		spaced = spaced && li.comp.gap[k]
		solid = solid && !li.comp.gap[k]
	}
	switch {
	case spaced && !li.comp.gap[end]:
		// a letter-spaced phrase inside unspaced text: the spacing marks
		// where it ends (…，太 阳 城 代 理这次获得…)
		return end, true
	case solid && li.comp.gap[end] && !isHan(rs[end]):
		// a space, quote or bracket after a phrase written solid, before
		// something that is not a Han word
		return end, true
	}
	return end, false
}

// brandName returns where the name of a brand-shaped token starts: the
// two Han characters, or the run of Latin letters and digits, before its
// head (鑫鼎娱乐, j9国际). Function characters and generic words
// (name_stop: 的, 中国, 文化 …) are no name.
func (c *Cleaner) brandName(li *lineInfo, head int) (int, bool) {
	rs := li.comp.runes
	k := head
	for k > 0 && isASCIIAlnum(rs[k-1]) && head-k < 10 {
		k--
	}
	switch {
	case head-k >= 2 && strings.IndexFunc(string(rs[k:head]), isASCIILetter) >= 0:
		// j9, ky, bet9 (digits alone are a year or a count: 2026体育)
	case head-k == 0 && head >= 2 && isHan(rs[head-1]) && isHan(rs[head-2]):
		k = head - 2
	default:
		return 0, false
	}
	for i := k; i < head; i++ {
		if c.comp.nameStop[string(rs[i])] {
			return 0, false
		}
	}
	for n := 2; n <= 4 && n <= head; n++ {
		if c.comp.nameStop[string(rs[head-n:head])] {
			return 0, false
		}
	}
	return k, true
}

// referenced reports a brand + action phrase that the sentence cites
// rather than carries: inside quotation marks (“鑫鼎娱乐注册”), or after
// a brand_lead word (据美高梅官网， 登录XX国际官网; a one-character
// word only after punctuation or at the start).
func (c *Cleaner) referenced(li *lineInfo, start, end int) bool {
	before := li.comp.runes[:start]
	for _, l := range c.comp.brandLead {
		n := utf8.RuneCountInString(l)
		if n > len(before) || string(before[len(before)-n:]) != l {
			continue
		}
		if k := len(before) - n; n > 1 || k == 0 || !isHan(before[k-1]) {
			return true
		}
	}
	return quoted(li, start, end)
}

// quoted reports whether compact runes [start, end) stand inside
// quotation marks (“…”, 「…」, 《…》): cited, not carried.
func quoted(li *lineInfo, start, end int) bool {
	fs, fe := int(li.comp.idx[start]), int(li.comp.idx[end-1])
	open, close := rune(0), rune(0)
	for k := fs - 1; k >= 0; k-- {
		if r := li.fold.runes[k]; !unicode.IsSpace(r) {
			open = r
			break
		}
	}
	for k := fe + 1; k < len(li.fold.runes); k++ {
		if r := li.fold.runes[k]; !unicode.IsSpace(r) {
			close = r
			break
		}
	}
	return strings.ContainsRune("“「『《\"'‘〈", open) && strings.ContainsRune("”」』》\"'’〉", close)
}

// contactSignal finds obfuscated contacts: QQ/WeChat numbers broken by
// dashes, domains whose dot is written ● or 点.
func (c *Cleaner) contactSignal(li *lineInfo) signal {
	var ev []string
	contact := li.digits > 0 && li.has(cContact)
	if contact {
		if m := contactObfFind(c, li.fstr()); m != "" {
			ev = append(ev, fmt.Sprintf("contact number with filler %q", strings.TrimSpace(m)))
		}
	}
	if li.latin > 0 && mayHideDot(li.fstr()) && c.comp.mayHideDomain(li.fstr()) {
		if m := c.comp.domainObf.FindString(li.fstr()); m != "" {
			ev = append(ev, fmt.Sprintf("domain with a disguised dot %q", strings.TrimSpace(m)))
		}
	}
	if len(ev) > 0 {
		return signal{rule: RuleContactObfuscation, points: c.rules.weight(RuleContactObfuscation),
			evidence: strings.Join(ev, "; ")}
	}
	if !contact {
		return signal{}
	}
	if !li.hasByte(':') && !li.wideColon {
		return signal{} // contactNum needs a colon after the contact word
	}
	if m := c.comp.contactNum.FindString(li.fstr()); m != "" {
		return signal{rule: RuleContactPlain, points: c.rules.weight(RuleContactPlain),
			evidence: fmt.Sprintf("contact number %q", strings.TrimSpace(m))}
	}
	return signal{}
}

// mayHideDot is a cheap test before the disguised-dot regexp.
func mayHideDot(s string) bool {
	if containsAnyString(s, "●", "•", "·", "∙", "⚫", "⦁", "丶", "点") || strings.Contains(s, "dot") || strings.Contains(s, ".]") ||
		strings.Contains(s, ".)") || strings.Contains(s, ".）") || strings.Contains(s, ".】") {
		return true
	}
	for i := strings.Index(s, "。"); i >= 0; {
		rest := s[i+len("。"):]
		j := 0
		for j < len(rest) && rest[j] == ' ' {
			j++
		}
		if j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z') {
			return true
		}
		k := strings.Index(rest, "。")
		if k < 0 {
			break
		}
		i += len("。") + k
	}
	return false
}

// evasionSignal counts letters written with look-alike code points that
// only NFKC turns back into ASCII (math bold 𝐀𝐌𝟔𝟖, circled and squared
// letters).
func (c *Cleaner) evasionSignal(li *lineInfo) signal {
	if !li.fold.lookalike {
		return signal{}
	}
	n := 0
	var sample []rune
	for _, r := range li.text {
		if (r >= 0x1D400 && r <= 0x1D7FF) || (r >= 0x24B6 && r <= 0x24E9) || (r >= 0x1F130 && r <= 0x1F189) {
			n++
			if len(sample) < 12 {
				sample = append(sample, r)
			}
		}
	}
	if n < 2 {
		return signal{}
	}
	return signal{rule: RuleUnicodeEvasion, points: c.rules.weight(RuleUnicodeEvasion),
		evidence: fmt.Sprintf("%d letters in look-alike code points (%s)", n, string(sample))}
}

// hashSignal finds runs of rare characters that defeat duplicate
// detection: a whole short line of them, or a run appended to a line.
func (c *Cleaner) hashSignal(li *lineInfo) signal {
	minRare := c.rules.thresholds.HashMinRare
	rs := li.fold.runes
	// whole line
	if len(rs) <= 24 && !li.prose {
		rare, han := 0, 0
		for _, r := range rs {
			if isHan(r) {
				han++
				if !c.comp.isCommon(r) {
					rare++
				}
			}
		}
		// random rare characters, with Latin/digit junk or many distinct
		// ones (袅袅婷婷 and 叱咤 are words, not hash busters)
		if rare >= minRare && rare*2 >= han && han*3 >= li.nonSpace && !listPunct(li.fstr()) &&
			(li.latin+li.digits+li.upper > 0 && distinctRare(c, rs) >= minRare ||
				rare*5 >= han*4 && distinctRare(c, rs) >= minRare+2) {
			return signal{rule: RuleHashBuster, points: c.rules.weight(RuleHashBuster),
				evidence: fmt.Sprintf("short line of %d rare characters out of %d", rare, han)}
		}
	}
	// trailing run: Han (and trailing Latin/digits) after a separator
	end := len(rs)
	for end > 0 && unicode.IsSpace(rs[end-1]) {
		end--
	}
	k := end
	for k > 0 && (isASCIIAlnum(rs[k-1])) && end-k < 8 {
		k--
	}
	hs := k
	for hs > 0 && isHan(rs[hs-1]) && k-hs < 12 {
		hs--
	}
	if hs == 0 || k-hs < minRare {
		return signal{}
	}
	prev := rs[hs-1]
	if !(prev == '_' || unicode.IsSpace(prev) || prev == '。' || prev == '!' || prev == '?' || prev == '|' || prev == '-') {
		return signal{}
	}
	rare := 0
	for _, r := range rs[hs:k] {
		if !c.comp.isCommon(r) {
			rare++
		}
	}
	need := minRare + 1 // words of rare characters repeat them (袅袅婷婷)
	if k < end {
		need = minRare // Latin/digit junk appended too
	}
	if rare < minRare || rare*5 < (k-hs)*3 || distinctRare(c, rs[hs:k]) < need {
		return signal{}
	}
	s, e := li.foldSpan(hs, end)
	return signal{rule: RuleHashBuster, points: c.rules.weight(RuleHashBuster), spans: [][2]int{{s, e}},
		evidence: fmt.Sprintf("appended run %q with %d rare characters", string(rs[hs:end]), rare)}
}

// distinctRare counts the distinct rare Han characters of rs (Han
// outside GB2312 level 1).
func distinctRare(c *Cleaner, rs []rune) int {
	var seen []rune
	for _, r := range rs {
		if isHan(r) && !c.comp.isCommon(r) && !slices.Contains(seen, r) {
			seen = append(seen, r)
		}
	}
	return len(seen)
}

// keywordLineSignal flags 本文关键词：… lines whose keywords are spam terms.
func (c *Cleaner) keywordLineSignal(li *lineInfo) signal {
	if li.mask&mKeywordLineSpam == 0 || len(li.news) > 0 || !c.keywordTag(li) {
		return signal{}
	}
	var spam []string
	for _, ci := range []int{cPorn, cPornWeak, cGambling, cGamblingWeak, cGamblingBrand, cLottery} {
		spam = append(spam, li.cat(ci)...)
	}
	return signal{rule: RuleKeywordLine, points: c.rules.weight(RuleKeywordLine),
		evidence: "keyword line listing spam terms " + strings.Join(spam, " ")}
}

// placeholder finds unfilled template fields; seo tells generator tags
// ({关键词}, [随机数字]) from code templates (@@title@@, {{name}}).
func (c *Cleaner) placeholders(li *lineInfo) (seo, code [][2]int, names []string) {
	fs := li.fstr()
	for _, m := range reCurly.FindAllStringSubmatchIndex(fs, -1) {
		inner := fs[m[2]:m[3]]
		if c.placeholderName(inner, false) {
			seo = append(seo, [2]int{m[0], m[1]})
			names = append(names, fs[m[0]:m[1]])
		}
	}
	for _, m := range reSquare.FindAllStringSubmatchIndex(fs, -1) {
		inner := fs[m[2]:m[3]]
		if c.placeholderName(inner, true) {
			seo = append(seo, [2]int{m[0], m[1]})
			names = append(names, fs[m[0]:m[1]])
		}
	}
	for _, m := range reCodeTpl.FindAllStringIndex(fs, -1) {
		code = append(code, [2]int{m[0], m[1]})
		names = append(names, fs[m[0]:m[1]])
	}
	return seo, code, names
}

func (c *Cleaner) placeholderName(inner string, square bool) bool {
	inner = strings.TrimSpace(inner)
	if square {
		// [图片] and [链接] are markers in exported text; square brackets
		// count only with generator words.
		return strings.Contains(inner, "随机") || strings.Contains(inner, "变量") ||
			strings.Contains(inner, "关键词") || strings.Contains(inner, "关键字") || strings.Contains(inner, "长尾词")
	}
	for _, n := range c.comp.placeholderNames {
		if strings.Contains(inner, n) {
			return true
		}
	}
	return false
}

func (c *Cleaner) placeholderSignal(li *lineInfo) signal {
	if !li.hasByte('{') && !li.hasByte('[') {
		return signal{}
	}
	seo, _, _ := c.placeholders(li)
	if len(seo) == 0 {
		return signal{}
	}
	var spans [][2]int
	var names []string
	for _, m := range seo {
		s, e := li.fstrSpan(m[0], m[1])
		spans = append(spans, [2]int{s, e})
		names = append(names, li.fstr()[m[0]:m[1]])
	}
	return signal{rule: RuleTemplatePlaceholder, points: c.rules.weight(RuleTemplatePlaceholder), spans: spans,
		evidence: "unfilled page-generator placeholder " + strings.Join(names, " ")}
}

// attributionSignal flags fabricated source lines naming many outlets.
func (c *Cleaner) attributionSignal(li *lineInfo) signal {
	outlets := li.cat(cOutlet)
	if len(outlets) < c.rules.thresholds.AttributionMinOutlets || !c.attribLine(li.fstr()) {
		return signal{}
	}
	return signal{rule: RuleFakeAttribution, points: c.rules.weight(RuleFakeAttribution),
		evidence: fmt.Sprintf("source line naming %d outlets (%s)", len(outlets), strings.Join(outlets, " "))}
}

// urls returns the URLs and bare domains of a line.
func (c *Cleaner) urls(li *lineInfo) []string {
	if li.urlsDone {
		return li.urlList
	}
	li.urlsDone = true
	if li.latin == 0 || !li.hasByte('.') {
		return nil
	}
	li.urlList = c.findURLs(li)
	return li.urlList
}

func (c *Cleaner) findURLs(li *lineInfo) []string {
	var out []string
	rest := li.fstr()
	if mayHaveURL(rest) {
		ms := findURLMatches(rest)
		for _, m := range ms {
			out = append(out, rest[m[0]:m[1]])
		}
		rest = replaceMatches(rest, ms, " ")
	}
	if c.comp.mayHaveDomain(rest) {
		for _, m := range c.comp.findDomainMatches(rest) {
			out = append(out, rest[m[2]:m[3]])
		}
	}
	return out
}

// urlSignal scores links on throw-away domains or with sign-up paths, and
// links whose decoded path carries spam terms.
func (c *Cleaner) urlSignal(li *lineInfo) signal {
	var pts float64
	var ev []string
	for _, u := range c.urls(li) {
		host := u
		host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		if i := strings.IndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
		tld := host
		if i := strings.LastIndexByte(host, '.'); i >= 0 {
			tld = host[i+1:]
		}
		switch {
		case c.comp.spamTLD[tld]:
			pts++
			ev = append(ev, fmt.Sprintf("%s (.%s)", u, tld))
		case reSpamPath.MatchString(u) || rePort.MatchString(u):
			pts++
			ev = append(ev, u+" (sign-up path or port)")
		}
		if strings.Contains(u, "%") {
			if dec, err := url.PathUnescape(u); err == nil && dec != u {
				if d := c.decodedSpam(dec); d != "" {
					pts += 2
					ev = append(ev, fmt.Sprintf("decoded link names %s", d))
				}
			}
		}
	}
	if pts == 0 {
		return signal{}
	}
	if pts > 3 {
		pts = 3
	}
	return signal{rule: RuleSpamURL, points: pts * c.rules.weight(RuleSpamURL), evidence: strings.Join(ev, "; ")}
}

// decodedSpam looks for spam terms or brand+action phrases in decoded URL
// text; it returns them, or "".
func (c *Cleaner) decodedSpam(dec string) string {
	if !utf8.ValidString(dec) {
		return ""
	}
	li := c.analyze(dec)
	li.explain = true
	for _, s := range c.brandSignals(li) {
		if s.rule == RuleGamblingBrand || s.rule == RuleUnknownBrand {
			return s.evidence
		}
	}
	var hits []string
	for _, ci := range []int{cPorn, cGambling, cGamblingBrand, cLottery} {
		hits = append(hits, li.cat(ci)...)
	}
	return strings.Join(hits, " ")
}

// decorationSignal adds a point for emoji and 【】 decoration on a short
// non-prose line that already has spam evidence.
func (c *Cleaner) decorationSignal(li *lineInfo, sigs []signal) signal {
	if li.prose || li.decorated < 2 || len(sigs) == 0 {
		return signal{}
	}
	return signal{rule: RuleDecoration, points: c.rules.weight(RuleDecoration),
		evidence: fmt.Sprintf("%d emoji on a promotional line", li.decorated)}
}

// score sums the signals: vocabulary counts nothing in a news context and
// is discounted in prose.
func (c *Cleaner) score(li *lineInfo, sigs []signal) (float64, signal) {
	var total float64
	var best signal
	bestPts := -1.0
	for _, s := range sigs {
		p := c.effective(li, s)
		total += p
		if p > bestPts || (p == bestPts && rulePriority(s.rule) < rulePriority(best.rule)) {
			best, bestPts = s, p
		}
	}
	return total, best
}

func (c *Cleaner) effective(li *lineInfo, s signal) float64 {
	p := s.points
	if s.vocab && !s.local && len(li.news) > 0 {
		return 0
	}
	if s.discount && li.prose {
		p *= c.rules.thresholds.ProseDiscount
	}
	return p
}

// rulePriority breaks ties when naming the rule of a removal.
func rulePriority(rule string) int {
	order := []string{RuleContactObfuscation, RuleKeywordChain, RuleTemplatePlaceholder, RuleHashBuster,
		RuleFakeAttribution, RuleKeywordLine, RuleGamblingBrand, RuleLotteryJargon, RuleKeywordStuffing,
		RuleUnicodeEvasion, RuleScriptMismatch, RuleLinkFarm, RuleSpamURL, RuleUnknownBrand, RuleContactPlain,
		RuleRepeat, RuleDecoration}
	for i, r := range order {
		if r == rule {
			return i
		}
	}
	return len(order)
}

// describe renders the evidence of a decision.
func (c *Cleaner) describe(li *lineInfo, total, threshold float64, sigs []signal) string {
	full := map[string][]string{}
	for _, s := range c.explainSignals(li) {
		full[s.rule] = append(full[s.rule], s.evidence)
	}
	parts := make([]string, 0, len(sigs))
	for _, s := range sigs {
		if s.evidence == "" && len(full[s.rule]) > 0 {
			s.evidence = full[s.rule][0]
			full[s.rule] = full[s.rule][1:]
		}
		p := c.effective(li, s)
		note := ""
		switch {
		case s.vocab && !s.local && len(li.news) > 0:
			note = ", news context"
		case s.discount && li.prose:
			note = ", prose"
		}
		parts = append(parts, fmt.Sprintf("%s +%g%s: %s", s.rule, p, note, s.evidence))
	}
	return fmt.Sprintf("spam score %g >= %g; %s", total, threshold, strings.Join(parts, "; "))
}

func strongActions(c *Cleaner, actions []hit, idx []int) int {
	n := 0
	for _, i := range idx {
		if actions[i].is(cActionStrong) {
			n++
		}
	}
	return n
}
