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
	text  string // original, valid UTF-8
	fold  folded
	fstr  string  // the folded runes as a string
	fbyte []int32 // rune index -> byte offset in fstr (len(runes)+1 entries)
	comp  compactText
	hits  []hit // vocabulary hits after guards and containment
	heads []hit // brand heads after guards (before containment)
	terms map[string][]string

	trad, simp int // Traditional-only and Simplified-only characters (original text)
	han        int // Han characters
	prose      bool
	news       []string // news-context words present
	decorated  int      // emoji and pictographs
	nonSpace   int
	digits     int // ASCII digits
	latin      int // ASCII letters

	urlsDone bool
	urlList  []string

	explain bool // build evidence text (only for lines being removed)
}

// analyze folds a line and finds its vocabulary.
func (c *Cleaner) analyze(text string) *lineInfo {
	li := &lineInfo{text: text}
	li.fold = foldText(text)
	li.trad, li.simp = c.scripts.Count(text)
	if li.trad > 0 {
		simplifyFolded(&li.fold, c.simplify)
	}
	var b strings.Builder
	b.Grow(len(text))
	li.fbyte = make([]int32, 0, len(li.fold.runes)+1)
	sentence := false
	for _, r := range li.fold.runes {
		li.fbyte = append(li.fbyte, int32(b.Len()))
		b.WriteRune(r)
		switch {
		case isHan(r):
			li.han++
		case r == ',' || r == '。' || r == '!' || r == '?' || r == ';' || r == '，':
			sentence = true
		case r >= 0x2600 && r <= 0x27BF || r >= 0x1F000 && r <= 0x1FAFF:
			li.decorated++
		}
		if !unicode.IsSpace(r) {
			li.nonSpace++
		}
		if r >= '0' && r <= '9' {
			li.digits++
		} else if r >= 'a' && r <= 'z' {
			li.latin++
		}
	}
	li.fbyte = append(li.fbyte, int32(b.Len()))
	li.fstr = b.String()
	li.comp = compactOf(li.fold)
	li.hits, li.heads = c.resolveHits(c.comp.m.find(li.comp, maxHits))
	// prose: a sentence of some length that is not mostly spam vocabulary
	covered := make([]bool, len(li.comp.runes))
	for _, h := range li.hits {
		if c.scored(h) {
			for k := h.start; k < h.end; k++ {
				covered[k] = true
			}
		}
	}
	cov := 0
	for k, r := range li.comp.runes {
		if covered[k] && isHan(r) {
			cov++
		}
	}
	li.prose = sentence && li.han >= c.rules.thresholds.ProseMinHan && cov*2 < li.han
	li.terms = map[string][]string{}
	for _, h := range li.hits {
		t := c.comp.m.terms[h.term]
		for _, cat := range t.cats {
			if !containsStr(li.terms[cat], t.text) {
				li.terms[cat] = append(li.terms[cat], t.text)
			}
		}
	}
	li.news = li.terms[catNewsContext]
	return li
}

// maxHits bounds the vocabulary hits kept per line, so pathological
// lines (one term repeated thousands of times) cost linear time; the
// rules never need more evidence than this.
const maxHits = 256

// resolveHits drops hits that overlap a guard phrase (成人礼 hides 成人)
// and hits inside a longer hit of a scored category (福利在线 hides 福利).
// It also returns the brand heads that no guard hides, whether or not a
// longer term contains them (娱乐 inside 娱乐网址).
func (c *Cleaner) resolveHits(hits []hit) (resolved, heads []hit) {
	if len(hits) == 0 {
		return nil, nil
	}
	terms := c.comp.m.terms
	var guards []hit
	guard := c.comp.bits[catGuard]
	for _, h := range hits {
		if terms[h.term].mask&guard != 0 {
			guards = append(guards, h)
		}
	}
	out := hits
	if len(guards) > 0 {
		out = hits[:0:0]
		for _, h := range hits {
			if terms[h.term].mask&guard != 0 {
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
	}
	head := c.comp.bits[catBrandHead]
	for _, h := range out {
		if terms[h.term].mask&head != 0 {
			heads = append(heads, h)
		}
	}
	return c.dropContained(out), heads
}

// dropContained drops scored hits inside a longer scored hit.
func (c *Cleaner) dropContained(out []hit) []hit {
	if len(out) == 0 {
		return out
	}
	res := out[:0:0]
	for i, h := range out {
		if !c.scored(h) {
			res = append(res, h)
			continue
		}
		inside := false
		for j, o := range out {
			if i == j || !c.scored(o) {
				continue
			}
			if o.start <= h.start && h.end <= o.end && (o.end-o.start) > (h.end-h.start) {
				inside = true
				break
			}
		}
		if !inside {
			res = append(res, h)
		}
	}
	return res
}

func (c *Cleaner) scored(h hit) bool {
	return c.comp.m.terms[h.term].mask&c.comp.scoredMask != 0
}

func (c *Cleaner) hasCat(h hit, cat string) bool {
	return c.comp.m.terms[h.term].mask&c.comp.bits[cat] != 0
}

// origSpan maps compact runes [s, e) to a byte range of the original.
func (li *lineInfo) origSpan(s, e int) (int, int) {
	fs, fe := li.comp.idx[s], li.comp.idx[e-1]
	return int(li.fold.start[fs]), int(li.fold.end[fe])
}

// foldSpan maps folded runes [s, e) to a byte range of the original.
func (li *lineInfo) foldSpan(s, e int) (int, int) {
	return int(li.fold.start[s]), int(li.fold.end[e-1])
}

// runeAt maps a byte offset of fstr to a folded rune index.
func (li *lineInfo) runeAt(off int) int {
	lo, hi := 0, len(li.fbyte)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if int(li.fbyte[mid]) <= off {
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
		if s.points > 0 && !c.rules.disabled[s.rule] {
			sigs = append(sigs, s)
		}
	}
	add(c.vocabSignal(li, []string{catPorn, catPornWeak, catStream}, RuleKeywordStuffing, "porn/streaming terms"))
	add(c.vocabSignal(li, []string{catGambling, catGamblingWeak, catGamblingBrand, catGamblingBrandWeak}, RuleGamblingBrand, "gambling terms"))
	add(c.vocabSignal(li, []string{catLottery, catLotteryWeak, catBonus, catBonusWeak}, RuleLotteryJargon, "lottery/bonus jargon"))
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

// vocabSignal scores the distinct terms of some categories. Streaming
// filler counts only next to a porn term.
func (c *Cleaner) vocabSignal(li *lineInfo, cats []string, rule, what string) signal {
	var pts float64
	var ev []string
	seen := map[string]bool{}
	cited := c.citedTerms(li)
	core, strongAny := false, false
	for _, cat := range cats {
		for _, t := range li.terms[cat] {
			if seen[t] || cited[t] {
				continue
			}
			seen[t] = true
			if cat != catStream {
				core = true
			}
			switch cat {
			case catPorn, catGambling, catGamblingBrand, catLottery, catBonus:
				strongAny = true
			}
			w := c.rules.weight("vocab." + cat)
			pts += w
			if li.explain {
				ev = append(ev, fmt.Sprintf("%s(%s %g)", t, cat, w))
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
	if !li.prose || !strings.ContainsAny(li.fstr, "“「『\"") {
		return nil
	}
	// quoted runs of folded runes
	in := make([]bool, len(li.fold.runes))
	var closing rune
	open := -1
	for i, r := range li.fold.runes {
		switch {
		case open >= 0 && r == closing:
			for k := open + 1; k < i; k++ {
				in[k] = true
			}
			open = -1
		case open < 0 && strings.ContainsRune("“「『\"", r):
			open = i
			closing = map[rune]rune{'“': '”', '「': '」', '『': '』', '"': '"'}[r]
		}
	}
	quotedHit := map[string]bool{}
	unquoted := map[string]bool{}
	for _, h := range li.hits {
		t := c.comp.m.terms[h.term].text
		if in[li.comp.idx[h.start]] && in[li.comp.idx[h.end-1]] {
			quotedHit[t] = true
		} else {
			unquoted[t] = true
		}
	}
	var out map[string]bool
	for t := range quotedHit {
		if !unquoted[t] {
			if out == nil {
				out = map[string]bool{}
			}
			out[t] = true
		}
	}
	return out
}

// chainSignal finds keyword chains: short tokens joined by _ or | that
// carry spam terms and digit/latin junk (99福利在线_xxxx影院_毛片网站免费_777sesese).
func (c *Cleaner) chainSignal(li *lineInfo) signal {
	rs := li.fold.runes
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
		strong := c.hasCat(h, catGamblingBrand) || c.hasCat(h, catGambling) || c.hasCat(h, catLottery)
		if !c.hasCat(h, catPorn) && !strong && !(c.hasCat(h, catPornWeak) && gluedJunk(li, h)) {
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
				if c.scored(o) && (o.end == s || o.start == e) && !c.hasCat(o, catNewsContext) {
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
		if strong && !c.hasCat(h, catPorn) && !gluedJunk(li, h) {
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
		if c.hasCat(o, catNewsContext) && o.end > s-12 && o.start < e+12 {
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
		if c.hasCat(h, catAction) || c.hasCat(h, catActionStrong) || c.hasCat(h, catBrandAction) || c.hasCat(h, catHeadAction) {
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
			strong = strong || c.hasCat(a, catActionStrong)
			names = append(names, c.comp.m.terms[a.term].text)
			end = a.end
		}
		return
	}
	anyAction := func(idx []int, cat string) bool {
		for _, i := range idx {
			if c.hasCat(actions[i], cat) {
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
		if c.hasCat(h, catBrandHead) {
			if j, ok := headAt[h.start]; !ok || h.end > cands[j].end {
				headAt[h.start] = i
			}
		}
	}
	consumed := map[int]bool{}
	var sigs []signal
	counts := map[string]int{}
	used := make([]bool, len(actions))
	for hi, h := range cands {
		if consumed[hi] {
			continue
		}
		t := c.comp.m.terms[h.term]
		known := c.hasCat(h, catGamblingBrand) || c.hasCat(h, catGamblingBrandWeak)
		topicStrong := c.hasCat(h, catGamblingBrand) || c.hasCat(h, catGambling) || c.hasCat(h, catPorn) || c.hasCat(h, catLottery)
		topicWeak := c.hasCat(h, catGamblingBrandWeak) || c.hasCat(h, catGamblingWeak)
		head := c.hasCat(h, catBrandHead)
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
		case known && anyAction(idx, catBrandAction):
			spanEnd, bound = c.phraseEnd(li, start, end)
		case !known && head && anyAction(idx, catHeadAction):
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
		counts[phrase]++
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
		counts[phrase]++
		s, e := li.origSpan(k, end)
		sig := signal{rule: RuleUnknownBrand, points: c.rules.weight(RuleUnknownBrand), vocab: true, spans: [][2]int{{s, e}}}
		if li.explain {
			sig.evidence = fmt.Sprintf("%q: token %q + actions %s", phrase, string(li.comp.runes[k:a.start]), strings.Join(names, "+"))
		}
		sigs = append(sigs, sig)
	}
	for p, n := range counts {
		if n >= 2 {
			sigs = append(sigs, signal{rule: RuleRepeat, points: c.rules.weight(RuleRepeat), vocab: true,
				evidence: fmt.Sprintf("%q repeated %d times", p, n)})
			break
		}
	}
	return sigs
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
		if h.start == end && c.hasCat(h, catBrandTail) {
			return h.end, true
		}
		if h.start == end && (c.hasCat(h, catLottery) || c.hasCat(h, catBonus) || c.hasCat(h, catGambling) ||
			c.hasCat(h, catPorn) || c.hasCat(h, catPromo)) {
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
	contact := li.digits > 0 && len(li.terms[catContact]) > 0
	if contact {
		if m := c.comp.contactObf.FindString(li.fstr); m != "" {
			ev = append(ev, fmt.Sprintf("contact number with filler %q", strings.TrimSpace(m)))
		}
	}
	if li.latin > 0 && mayHideDot(li.fstr) {
		if m := c.comp.domainObf.FindString(li.fstr); m != "" {
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
	if m := c.comp.contactNum.FindString(li.fstr); m != "" {
		return signal{rule: RuleContactPlain, points: c.rules.weight(RuleContactPlain),
			evidence: fmt.Sprintf("contact number %q", strings.TrimSpace(m))}
	}
	return signal{}
}

// mayHideDot is a cheap test before the disguised-dot regexp.
func mayHideDot(s string) bool {
	if strings.ContainsAny(s, "●•·∙⚫⦁丶点") || strings.Contains(s, "dot") || strings.Contains(s, ".]") ||
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
		latin := false
		for _, r := range rs {
			latin = latin || isASCIIAlnum(r)
		}
		listy := strings.ContainsAny(li.fstr, "、,，;；")
		distinct := map[rune]bool{}
		for _, r := range rs {
			if isHan(r) && !c.comp.isCommon(r) {
				distinct[r] = true
			}
		}
		// random rare characters, with Latin/digit junk or many distinct
		// ones (袅袅婷婷 and 叱咤 are words, not hash busters)
		if rare >= minRare && rare*2 >= han && han*3 >= li.nonSpace && !listy &&
			(latin && len(distinct) >= minRare || len(distinct) >= minRare+2 && rare*5 >= han*4) {
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
	distinct := map[rune]bool{}
	for _, r := range rs[hs:k] {
		if !c.comp.isCommon(r) {
			rare++
			distinct[r] = true
		}
	}
	need := minRare + 1 // words of rare characters repeat them (袅袅婷婷)
	if k < end {
		need = minRare // Latin/digit junk appended too
	}
	if rare < minRare || rare*5 < (k-hs)*3 || len(distinct) < need {
		return signal{}
	}
	s, e := li.foldSpan(hs, end)
	return signal{rule: RuleHashBuster, points: c.rules.weight(RuleHashBuster), spans: [][2]int{{s, e}},
		evidence: fmt.Sprintf("appended run %q with %d rare characters", string(rs[hs:end]), rare)}
}

// keywordLineSignal flags 本文关键词：… lines whose keywords are spam terms.
func (c *Cleaner) keywordLineSignal(li *lineInfo) signal {
	if !c.comp.keywordTag.MatchString(li.fstr) {
		return signal{}
	}
	var spam []string
	for _, cat := range []string{catPorn, catPornWeak, catGambling, catGamblingWeak, catGamblingBrand, catLottery} {
		spam = append(spam, li.terms[cat]...)
	}
	if len(spam) == 0 || len(li.news) > 0 {
		return signal{}
	}
	return signal{rule: RuleKeywordLine, points: c.rules.weight(RuleKeywordLine),
		evidence: "keyword line listing spam terms " + strings.Join(spam, " ")}
}

// placeholder finds unfilled template fields; seo tells generator tags
// ({关键词}, [随机数字]) from code templates (@@title@@, {{name}}).
func (c *Cleaner) placeholders(li *lineInfo) (seo, code [][2]int, names []string) {
	for _, m := range reCurly.FindAllStringSubmatchIndex(li.fstr, -1) {
		inner := li.fstr[m[2]:m[3]]
		if c.placeholderName(inner, false) {
			seo = append(seo, [2]int{m[0], m[1]})
			names = append(names, li.fstr[m[0]:m[1]])
		}
	}
	for _, m := range reSquare.FindAllStringSubmatchIndex(li.fstr, -1) {
		inner := li.fstr[m[2]:m[3]]
		if c.placeholderName(inner, true) {
			seo = append(seo, [2]int{m[0], m[1]})
			names = append(names, li.fstr[m[0]:m[1]])
		}
	}
	for _, m := range reCodeTpl.FindAllStringIndex(li.fstr, -1) {
		code = append(code, [2]int{m[0], m[1]})
		names = append(names, li.fstr[m[0]:m[1]])
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
	if !strings.ContainsAny(li.fstr, "{[") {
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
		names = append(names, li.fstr[m[0]:m[1]])
	}
	return signal{rule: RuleTemplatePlaceholder, points: c.rules.weight(RuleTemplatePlaceholder), spans: spans,
		evidence: "unfilled page-generator placeholder " + strings.Join(names, " ")}
}

// attributionSignal flags fabricated source lines naming many outlets.
func (c *Cleaner) attributionSignal(li *lineInfo) signal {
	if !c.comp.attrib.MatchString(li.fstr) {
		return signal{}
	}
	outlets := li.terms[catOutlet]
	if len(outlets) < c.rules.thresholds.AttributionMinOutlets {
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
	if li.latin == 0 || !strings.Contains(li.fstr, ".") {
		return nil
	}
	li.urlList = c.findURLs(li)
	return li.urlList
}

func (c *Cleaner) findURLs(li *lineInfo) []string {
	var out []string
	for _, u := range c.comp.url.FindAllString(li.fstr, -1) {
		out = append(out, u)
	}
	rest := c.comp.url.ReplaceAllString(li.fstr, " ")
	for _, m := range c.comp.bareDomain.FindAllStringSubmatch(rest, -1) {
		out = append(out, m[1])
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
	for _, cat := range []string{catPorn, catGambling, catGamblingBrand, catLottery} {
		hits = append(hits, li.terms[cat]...)
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
		if c.hasCat(actions[i], catActionStrong) {
			n++
		}
	}
	return n
}
