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

	contactObf *regexp.Regexp // contact word, then a number broken or wrapped by filler
	contactNum *regexp.Regexp // contact word, then a plain number or id
	domainObf  *regexp.Regexp // domain with its dot written as ●, 点, [.] …
	url        *regexp.Regexp // http(s) and www URLs
	bareDomain *regexp.Regexp // example.com without a scheme
	spamTLD    map[string]bool
	keywordTag *regexp.Regexp // 本文关键词：… lines
	editor     *regexp.Regexp // 责任编辑：X lines
	editorTail *regexp.Regexp // （责任编辑：X） at the end of a paragraph
	endMark    *regexp.Regexp // a whole-line end mark
	endTail    *regexp.Regexp // （完） at the end of a paragraph
	signature  *regexp.Regexp // (张三 李四) at the end of a paragraph
	attrib     *regexp.Regexp // 来源：… at the start of a line
	related    *regexp.Regexp // 相关阅读 headings and inline lists

	placeholderNames []string
	allowFolded      []string // folded allow texts, parallel to the ruleset's allow list

	brandLead []string        // folded brand_lead words (据, 登录 …), longest first
	nameStop  map[string]bool // folded name_stop words and characters

	common []uint64 // bitset over U+4E00..U+9FFF: GB2312 level-1 (common) characters

	bits       map[string]uint64 // category -> mask bit
	scoredMask uint64
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
	for _, cat := range vocabCategories() {
		c.bits[cat] = catBit(cat)
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

	c.keywordTag = regexp.MustCompile(`^\s*[【\[(（]?\s*(?:` + altOf(rs.vocab[catKeywordLabel], false) +
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
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = regexp.QuoteMeta(w)
	}
	if len(q) == 0 {
		return `\x{10FFFF}\x{10FFFF}` // matches nothing in valid text
	}
	return strings.Join(q, "|")
}

func isASCIIWord(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return s != ""
}
