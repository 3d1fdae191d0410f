package hygiene

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// compiled is what New derives from a Ruleset: the vocabulary automaton,
// regular expressions built from word lists, and lookup tables.
type compiled struct {
	m *matcher

	contactObf   *regexp.Regexp // contact word, then a number broken or wrapped by filler
	contactNum   *regexp.Regexp // contact word, then a plain number or id
	domainObf    *regexp.Regexp // domain with its dot written as ●, 点, [.] …
	url          *regexp.Regexp // http(s) and www URLs
	bareDomain   *regexp.Regexp // example.com without a scheme
	spamTLD      map[string]bool
	keywordTagRe *regexp.Regexp // 本文关键词：… lines (through keywordTag)
	editor       *regexp.Regexp // 责任编辑：X lines
	editorTail   *regexp.Regexp // （责任编辑：X） at the end of a paragraph
	endMark      *regexp.Regexp // a whole-line end mark
	endTail      *regexp.Regexp // （完） at the end of a paragraph
	signature    *regexp.Regexp // (张三 李四) at the end of a paragraph
	attrib       *regexp.Regexp // 来源：… at the start of a line
	related      *regexp.Regexp // 相关阅读 headings and inline lists

	placeholderNames []string
	allowFolded      []string // folded allow texts, parallel to the ruleset's allow list

	brandLead []string        // folded brand_lead words (据, 登录 …), longest first
	nameStop  map[string]bool // folded name_stop words and characters

	common []uint64 // bitset over U+4E00..U+9FFF: GB2312 level-1 (common) characters

	runes *runeTable // per-character flags (built by New)

	bits       map[string]uint64 // category -> mask bit
	scoredMask uint64

	catNames  []string         // category index -> name
	catWeight [numCats]float64 // category index -> weight of vocab.<category>

	// Words one of which every match of a regexp above contains: a line
	// without any of them is not matched (the regexp is not run).
	keywordWords, editorWords, endWords, relatedWords []string
	// hitSafe: categories of the words above whose every occurrence in
	// a match of their regexp is a hit of the automaton (see hitSafeCat).
	hitSafe     uint64
	tldsByFirst [256][]string // the TLDs of bareDomain and domainObf by first byte
	tldOrder    []string      // the TLDs in the order of the regexps' alternation

	plain plainWords // chrome lines no rule can act on (plain.go)
}

var (
	// Patterns that do not depend on the ruleset.
	reCurly      = regexp.MustCompile(`\{([^{}\n]{1,16})\}`)
	reSquare     = regexp.MustCompile(`\[([^\[\]\n]{1,16})\]`)
	reCodeTpl    = regexp.MustCompile(`\{\{\s*[a-z_][a-z0-9_.]{0,30}\s*\}\}|@@[a-z_][a-z0-9_]{1,30}@@|%[a-z_][a-z0-9_]{1,20}%|\$\{[a-z_][a-z0-9_]{0,30}\}`)
	reHTMLTag    = regexp.MustCompile(`^(?:\s*<\s*/?\s*(?:img|a|iframe|script|link|source|embed|video|br|p|div|span)\b[^<>]*>\s*)+$`)
	reURLish     = regexp.MustCompile(`^(?:https?://|www\.)\S+$`)
	reLabelOnly  = regexp.MustCompile(`^[^\s:：]{1,10}[:：]$`)
	reJunkDigits = regexp.MustCompile(`^[0-9]{2,}$`)
	reYear       = regexp.MustCompile(`^(?:19|20)[0-9]{2}$`)
	reBreadSep   = regexp.MustCompile(`\s*(?:>>|>|›|»|→|＞)\s*`)
	reSpamPath   = regexp.MustCompile(`(?:register|signup|sign-up|reg\?|invite|/aff|agent|[?&](?:key|code|ref|aff|inviter?|agent)=)`)
	rePort       = regexp.MustCompile(`^(?:https?://)?[^/\s]+:\d{2,5}(?:/|$)`)
)

func compileRules(rs *Ruleset, fold func(string) string) *compiled {
	matched := make(map[string][]string, len(rs.vocab))
	for cat, terms := range rs.vocab {
		if !slices.Contains(suffixCats, cat) {
			matched[cat] = terms
		}
	}
	c := &compiled{m: newMatcher(matched, fold), spamTLD: map[string]bool{}, bits: map[string]uint64{},
		nameStop: map[string]bool{}}
	c.plain = newPlainWords(rs.vocab, c.m)
	for _, t := range rs.vocab[catBrandLead] {
		if f := fold(t); f != "" && !slices.Contains(c.brandLead, f) {
			c.brandLead = append(c.brandLead, f)
		}
	}
	sort.Slice(c.brandLead, func(i, j int) bool { return len(c.brandLead[i]) > len(c.brandLead[j]) })
	for _, t := range rs.vocab[catNameStop] {
		if f := fold(t); f != "" {
			c.nameStop[f] = true
		}
	}
	c.catNames = vocabCategories()
	for i, cat := range c.catNames {
		c.bits[cat] = catBit(cat)
		c.catWeight[i] = rs.weight("vocab." + cat)
	}
	for _, cat := range scoredCats {
		c.scoredMask |= catBit(cat)
	}
	for _, t := range rs.vocab[catSpamTLD] {
		c.spamTLD[strings.ToLower(strings.TrimSpace(t))] = true
	}
	tlds := map[string]bool{"com": true, "net": true, "org": true, "cn": true, "gov": true, "edu": true,
		"info": true, "biz": true, "hk": true, "tw": true, "uk": true, "jp": true, "us": true}
	for t := range c.spamTLD {
		tlds[t] = true
	}
	tldAlt := altOf(keys(tlds), true)
	c.tldOrder = altWords(keys(tlds), true)
	for _, w := range c.tldOrder {
		c.tldsByFirst[w[0]] = append(c.tldsByFirst[w[0]], w)
	}

	var ascii, han []string
	for _, w := range rs.vocab[catContact] {
		w = strings.ToLower(strings.TrimSpace(w))
		if isASCIIWord(w) {
			ascii = append(ascii, w)
		} else {
			han = append(han, w)
		}
	}
	word := `(?:(?:^|[^a-z0-9])(?:` + altOf(ascii, true) + `)|` + altOf(han, true) + `)`
	if len(ascii) == 0 {
		word = `(?:` + altOf(han, true) + `)`
	}
	filler := `[-—–―━‐‑~_=*·•●○◆◇★☆#+]`
	c.contactObf = regexp.MustCompile(word + `(?:号|号码)?\s*[:：]?\s*(?:` +
		// filler before the number: Q-——333307——
		filler + `+\s*\d(?:[\d\s]{3,14})\d|` +
		// a number broken by filler: 3333-0777-1
		`\d{2,}(?:\s*` + filler + `+\s*\d+){1,5}|` +
		// digits spaced out one by one: 2 8 8 6 6 6 9
		`\d(?:\s+\d){5,})`)
	c.contactNum = regexp.MustCompile(word + `(?:号|号码|群)?\s*[:：]\s*[a-z0-9][a-z0-9_-]{4,19}`)
	c.domainObf = regexp.MustCompile(`[a-z0-9][a-z0-9-]{1,40}\s*(?:[●•·∙⚫⦁。丶]|点|dot|\[\.\]|\(\.\)|\[点\]|\(点\)|（\.）|【\.】)\s*(?:` +
		tldAlt + `)(?:[^a-z0-9]|$)`)
	c.url = regexp.MustCompile(`(?:https?://|www\.)[^\s<>"'【】《》()（）\[\]{}，。、|]+`)
	c.bareDomain = regexp.MustCompile(`(?:^|[^a-z0-9.@/-])((?:[a-z0-9][a-z0-9-]{0,62}\.)+(?:` + tldAlt + `))(?:[^a-z0-9.-]|$)`)

	c.keywordTagRe = regexp.MustCompile(`^\s*[【\[(（]?\s*(?:` + altOf(rs.vocab[catKeywordLabel], false) +
		`)\s*[】\])）]?\s*(?:[:：]|>>|»|>)\s*\S`)
	editors := altOf(rs.vocab[catEditor], false)
	c.editor = regexp.MustCompile(`^[\s【\[(（]*(?:本文来源\s*[:：]\s*\S{1,24}\s+)?(?:` + editors + `)\s*[:：]\s*\S{1,24}` +
		`(?:\s+(?:` + editors + `)\s*[:：]\s*\S{1,24})*[\s】\])）]*$`)
	c.editorTail = regexp.MustCompile(`[（(【\[]\s*(?:` + editors + `)\s*[:：]\s*[^（()）【】\[\]]{1,24}[）)】\]]\s*$`)
	ends := altOf(rs.vocab[catEndMark], false)
	c.endMark = regexp.MustCompile(`^\s*(?:[-—–=~*]+|[（(【\[])?\s*(?:` + ends + `)\s*(?:[-—–=~*]+|[）)】\]])?\s*$`)
	c.endTail = regexp.MustCompile(`(?:(?:[（(【\[]\s*(?:` + ends + `)\s*[）)】\]]|[-—–]{1,2}\s*(?:` + ends + `)\s*[-—–]{1,2})\s*)+$`)
	c.signature = regexp.MustCompile(`[（(]\s*(\p{Han}{2,3}(?:[\s、,，]+\p{Han}{2,3}){0,5})\s*[）)]\s*$`)
	c.attrib = regexp.MustCompile(`^\s*[【\[(（]?\s*(?:资讯|信息|新闻|内容|文章|本文|消息|数据)?来源\s*[】\])）]?\s*[:：]`)
	c.related = regexp.MustCompile(`^\s*[【\[(（]?\s*(?:` + altOf(rs.vocab[catRelated], false) + `)\s*[】\])）]?\s*(?:[:：>»]\s*)?$`)

	c.keywordWords = altWords(rs.vocab[catKeywordLabel], false)
	c.editorWords = altWords(rs.vocab[catEditor], false)
	c.endWords = altWords(rs.vocab[catEndMark], false)
	c.relatedWords = altWords(rs.vocab[catRelated], false)
	for cat, words := range map[int][]string{cKeywordLabel: c.keywordWords, cEditor: c.editorWords,
		cEndMark: c.endWords, cRelated: c.relatedWords} {
		if c.m.findsWords(cat, words, fold) {
			c.hitSafe |= bit(cat)
		}
	}

	c.placeholderNames = rs.vocab[catPlaceholder]
	for _, a := range rs.allow {
		if a.Text == "" {
			c.allowFolded = append(c.allowFolded, "")
			continue
		}
		c.allowFolded = append(c.allowFolded, strings.TrimSpace(fold(a.Text)))
	}
	c.common = commonHan()
	return c
}

// commonHan marks the GB2312 level-1 characters (the 3,755 most common
// Simplified characters); everything else counts as rare for the
// hash-buster rule.
func commonHan() []uint64 {
	bits := make([]uint64, (0x9FFF-0x4E00+64)/64)
	enc := simplifiedchinese.GBK.NewEncoder()
	var dst [8]byte
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		var src [4]byte
		n := encodeRune(src[:], r)
		nd, _, err := enc.Transform(dst[:], src[:n], true)
		enc.Reset()
		if err != nil || nd != 2 {
			continue
		}
		if dst[0] >= 0xB0 && dst[0] <= 0xD7 && dst[1] >= 0xA1 && dst[1] <= 0xFE {
			i := r - 0x4E00
			bits[i/64] |= 1 << (i % 64)
		}
	}
	return bits
}

func encodeRune(p []byte, r rune) int {
	s := string(r)
	return copy(p, s)
}

func (c *compiled) isCommon(r rune) bool {
	if r < 0x4E00 || r > 0x9FFF {
		return false
	}
	i := r - 0x4E00
	return c.common[i/64]&(1<<(i%64)) != 0
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// altOf quotes words into a regexp alternation, longest first.
func altOf(words []string, lower bool) string {
	ws := altWords(words, lower)
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = regexp.QuoteMeta(w)
	}
	if len(q) == 0 {
		return `\x{10FFFF}\x{10FFFF}` // matches nothing in valid text
	}
	return strings.Join(q, "|")
}

// altWords returns the words of an alternation: trimmed, lower case if
// asked, without empty ones and duplicates, longest first.
func altWords(words []string, lower bool) []string {
	ws := make([]string, 0, len(words))
	seen := map[string]bool{}
	for _, w := range words {
		w = strings.TrimSpace(w)
		if lower {
			w = strings.ToLower(w)
		}
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool {
		if len(ws[i]) != len(ws[j]) {
			return len(ws[i]) > len(ws[j])
		}
		return ws[i] < ws[j]
	})
	return ws
}

func isASCIIWord(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return s != ""
}

// mayContain reports whether fstr, the folded text of li or a part of
// it, may contain one of words, the vocabulary of category cat: when the
// automaton finds every such word wherever the rule's regexp can match
// it (hitSafe), the line's hits answer; otherwise the words are looked
// up.
func (c *Cleaner) mayContain(li *lineInfo, fstr string, cat int, words []string) bool {
	if c.comp.hitSafe&bit(cat) != 0 {
		return li.rawMask&bit(cat) != 0
	}
	return containsWord(fstr, words)
}

// lineMatches reports whether re, a regexp that matches only text with
// one of words (category cat), matches the folded text of li. It asks
// mayContain first, and its answer from the hits before it spells the
// folded text.
func (c *Cleaner) lineMatches(li *lineInfo, cat int, words []string, re *regexp.Regexp) bool {
	if c.comp.hitSafe&bit(cat) != 0 && li.rawMask&bit(cat) == 0 {
		return false
	}
	return c.mayContain(li, li.fstr(), cat, words) && re.MatchString(li.fstr())
}

// containsWord reports whether s contains one of words.
func containsWord(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// keywordTag reports a 本文关键词：… line.
func (c *Cleaner) keywordTag(li *lineInfo) bool {
	return c.lineMatches(li, cKeywordLabel, c.comp.keywordWords, c.comp.keywordTagRe)
}

// editorLine reports a 责任编辑：X line.
func (c *Cleaner) editorLine(li *lineInfo) bool {
	return c.lineMatches(li, cEditor, c.comp.editorWords, c.comp.editor)
}

// endMarkLine reports a line that is an end mark.
func (c *Cleaner) endMarkLine(li *lineInfo) bool {
	return c.lineMatches(li, cEndMark, c.comp.endWords, c.comp.endMark)
}

// relatedLine reports a 相关阅读 heading.
func (c *Cleaner) relatedLine(li *lineInfo) bool {
	return c.lineMatches(li, cRelated, c.comp.relatedWords, c.comp.related)
}

// attribLine reports a line starting with 来源：.
func (c *Cleaner) attribLine(fstr string) bool {
	return strings.Contains(fstr, "来源") && c.comp.attrib.MatchString(fstr)
}

// mayHaveURL is a necessary condition for a match of the url regexp:
// every URL it finds starts with http://, https:// or www.
func mayHaveURL(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, "www.")
}

// mayHaveDomain is a necessary condition for a match of bareDomain: a
// dot after a letter, digit or hyphen, then a known TLD that no letter,
// digit, dot or hyphen follows.
func (c *compiled) mayHaveDomain(s string) bool {
	for i := strings.IndexByte(s, '.'); i >= 0; {
		if i > 0 && isLDH(s[i-1]) && c.tldAt(s, i+1, func(b byte) bool { return isLDH(b) || b == '.' }) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// tldAt reports a known TLD at s[i:] not followed by a byte for which
// cont is true.
func (c *compiled) tldAt(s string, i int, cont func(byte) bool) bool {
	if i >= len(s) {
		return false
	}
	for _, t := range c.tldsByFirst[s[i]] {
		if strings.HasPrefix(s[i:], t) && (i+len(t) == len(s) || !cont(s[i+len(t)])) {
			return true
		}
	}
	return false
}

// isLDH reports an ASCII letter (lower case), digit or hyphen.
func isLDH(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' }

// isSpaceRE reports a byte that \s matches in Go regexps.
func isSpaceRE(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r' }

// mayHideDomain is a necessary condition for a match of domainObf: a
// disguised dot with a letter, digit or hyphen before it and a known TLD
// after it (spaces between), and no letter or digit after the TLD.
func (c *compiled) mayHideDomain(s string) bool {
	// the disguised dots of domainObf
	for _, d := range [...]string{"●", "•", "·", "∙", "⚫", "⦁", "。", "丶", "点", "dot", "[.]", "(.)", "[点]", "(点)", "（.）", "【.】"} {
		for off := 0; ; {
			k := strings.Index(s[off:], d)
			if k < 0 {
				break
			}
			a, b := off+k, off+k+len(d)
			off = a + 1
			p := a
			for p > 0 && isSpaceRE(s[p-1]) {
				p--
			}
			if p == 0 || !isLDH(s[p-1]) {
				continue
			}
			for b < len(s) && isSpaceRE(s[b]) {
				b++
			}
			if c.tldAt(s, b, func(x byte) bool { return x >= 'a' && x <= 'z' || x >= '0' && x <= '9' }) {
				return true
			}
		}
	}
	return false
}

// endTail finds a run of end marks at the end of t (（完）), the folded
// text of li without trailing spaces.
func (c *Cleaner) endTail(li *lineInfo, t string) []int {
	if !c.mayContain(li, t, cEndMark, c.comp.endWords) {
		return nil
	}
	return c.comp.endTail.FindStringIndex(t)
}

// editorTail finds an editor credit at the end of t (（责任编辑：X）), a
// part of the folded text of li.
func (c *Cleaner) editorTail(li *lineInfo, t string) []int {
	if !c.mayContain(li, t, cEditor, c.comp.editorWords) {
		return nil
	}
	return c.comp.editorTail.FindStringIndex(t)
}

// urlishLine reports a line that is one URL (reURLish).
func urlishLine(t string) bool {
	return (strings.HasPrefix(t, "http") || strings.HasPrefix(t, "www.")) && reURLish.MatchString(t)
}

// htmlTagLine reports a line of HTML tags (reHTMLTag); t is trimmed.
func htmlTagLine(t string) bool {
	return strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">") && reHTMLTag.MatchString(t)
}

// labelOnlyLine reports a short label ending with a colon (reLabelOnly).
func labelOnlyLine(t string) bool {
	return (strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：")) && reLabelOnly.MatchString(t)
}

// mayCodeTemplate is a necessary condition for a match of reCodeTpl in
// the folded text spelled by rs: {{, @@, ${, or % before a lower-case
// letter or underscore.
func mayCodeTemplate(rs []rune) bool {
	for i := 0; i+1 < len(rs); i++ {
		switch a, b := rs[i], rs[i+1]; {
		case a == '{' && b == '{', a == '@' && b == '@', a == '$' && b == '{',
			a == '%' && (b >= 'a' && b <= 'z' || b == '_'):
			return true
		}
	}
	return false
}

// contactObfFind runs the contactObf regexp when its necessary
// condition holds: a filler character, or digits spaced out one by one.
func contactObfFind(c *Cleaner, s string) string {
	if !containsAnyByte(s, "-~_=*#+") && !containsAnyString(s, "—", "–", "―", "━", "‐", "‑", "·", "•", "●", "○", "◆", "◇", "★", "☆") &&
		!spacedDigits(s) {
		return ""
	}
	return c.comp.contactObf.FindString(s)
}

// spacedDigits reports a digit, ASCII white space (\s), then a digit.
func spacedDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\f' || s[j] == '\r') {
			j++
		}
		if j > i+1 && j < len(s) && s[j] >= '0' && s[j] <= '9' {
			return true
		}
	}
	return false
}

// containsAnyByte is strings.ContainsAny for a set of ASCII bytes.
func containsAnyByte(s, chars string) bool {
	for i := 0; i < len(chars); i++ {
		if strings.IndexByte(s, chars[i]) >= 0 {
			return true
		}
	}
	return false
}

// containsAnyString reports whether s contains one of subs.
func containsAnyString(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// listPunct reports list punctuation: strings.ContainsAny(s, "、,，;；").
func listPunct(s string) bool {
	return containsAnyByte(s, ",;") || containsAnyString(s, "、", "，", "；")
}
