package extract

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"winnow/cleaner/extract/zhmeta"
)

// readTop reads the breadcrumb and the byline from the chunks between the
// top of the page and the first body chunk.
func (x *Extractor) readTop(pg *page, r *htmlResult, m *metaInfo) {
	// The first body chunk that is not the title repeated.
	firstBody := len(pg.chunks)
	for _, ci := range r.body {
		if !m.isTitle(pg.chunks[ci].text) {
			firstBody = int(ci)
			break
		}
	}
	titleElem := int32(-1)
	if len(m.cands) > 0 {
		for _, c := range m.cands {
			if c.elem >= 0 {
				titleElem = c.elem
				break
			}
		}
	}
	// Breadcrumb: the first chunk group inside a breadcrumb element, or a
	// chunk that reads as one, before the body.
	for ci := 0; ci < firstBody; ci++ {
		c := &pg.chunks[ci]
		if r.consumed[ci] || runeLen(c.text) > 200 {
			continue
		}
		crumbRoot := pg.crumbAncestor(c.owner)
		text := c.text
		last := ci
		if crumbRoot >= 0 {
			var parts []string
			for cj := ci; cj < len(pg.chunks) && pg.contains(crumbRoot, pg.chunks[cj].owner); cj++ {
				parts = append(parts, pg.chunks[cj].text)
				last = cj
			}
			text = joinCrumbs(parts)
		} else if !looksLikeCrumb(text) {
			continue
		}
		crumbs, ok := zhmeta.ParseBreadcrumb(text)
		if !ok {
			continue
		}
		m.crumbs = crumbs
		r.segText(ci, text, RoleBreadcrumb)
		for cj := ci + 1; cj <= last; cj++ {
			r.consumed[cj] = true
		}
		break
	}
	// After the body: a labelled byline (发布日期：… 责任编辑：…) among
	// the first chunks that follow the article.
	if len(r.body) > 0 {
		last := int(r.body[len(r.body)-1])
		for ci, n := last+1, 0; ci < len(pg.chunks) && n < 6; ci++ {
			c := &pg.chunks[ci]
			if r.consumed[ci] {
				continue
			}
			n++
			if runeLen(c.text) > maxBylineRunes || !hasBylineLabel(c.text) {
				continue
			}
			if b, ok := parseByline(c.text, x.loc); ok {
				mergeByline(&m.trailer, b)
				r.consumed[ci] = true
			}
		}
	}
	// Byline: chunks after the title element (or the last dozen before
	// the body) up to the body.
	from := max(0, firstBody-12)
	if titleElem >= 0 {
		for ci := 0; ci < firstBody; ci++ {
			if pg.chunks[ci].owner >= titleElem {
				from = ci
				break
			}
		}
	}
	for ci := from; ci < firstBody && ci < from+16; ci++ {
		c := &pg.chunks[ci]
		if r.consumed[ci] || r.roles[ci] == RoleBreadcrumb || r.roles[ci] == "" || runeLen(c.text) > maxBylineRunes {
			continue
		}
		if titleElem >= 0 && pg.contains(titleElem, c.owner) && ci == pg.firstChunkIn(titleElem) {
			if len(m.cands) > 0 && m.cands[0].elem == titleElem {
				r.consumed[ci] = true
			} else {
				r.roles[ci] = RoleTitle
			}
			continue
		}
		if b, ok := parseByline(c.text, x.loc); ok {
			m.addByline(b)
			r.consumed[ci] = true
			continue
		}
		if m.subtitle == "" && titleElem >= 0 && ci <= from+2 {
			if st := subtitleText(c.text, pg, c.owner); st != "" {
				m.subtitle = st
				r.consumed[ci] = true
			}
		}
	}
}

// crumbAncestor returns the nearest ancestor-or-self marked as a
// breadcrumb container (within 6 levels), -1 if none.
func (p *page) crumbAncestor(i int32) int32 {
	for n := 0; i >= 0 && n < 6; n++ {
		if p.elems[i].flags&fCrumb != 0 {
			return i
		}
		i = p.elems[i].parent
	}
	return -1
}

// joinCrumbs joins the chunks of a breadcrumb element with " > ".
func joinCrumbs(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	var b strings.Builder
	for i, s := range parts {
		s = strings.TrimSpace(strings.Trim(s, ">›»/|＞"))
		if s == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			b.WriteString(" > ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// looksLikeCrumb reports whether a line reads as a breadcrumb ("当前位置：…",
// "首页 > 新闻 > 正文").
func looksLikeCrumb(s string) bool {
	for _, p := range []string{"当前位置", "當前位置", "您的位置", "你的位置", "您现在的位置", "您現在的位置", "位置：", "位置:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	n := strings.Count(s, ">") + strings.Count(s, "＞") + strings.Count(s, "»") + strings.Count(s, "›")
	return n >= 1 && runeLen(s) <= 80
}

// subtitleText returns the subtitle a chunk holds ("——副标题" or an
// element whose class names a subtitle), "" if none.
func subtitleText(text string, pg *page, owner int32) string {
	if runeLen(text) > 80 {
		return ""
	}
	for _, dash := range []string{"——", "—", "--"} {
		if strings.HasPrefix(text, dash) {
			return strings.TrimSpace(strings.TrimPrefix(text, dash))
		}
	}
	cls := strings.ToLower(attr(pg.elems[owner].node, "class") + " " + attr(pg.elems[owner].node, "id"))
	if strings.Contains(cls, "subtitle") || strings.Contains(cls, "sub-title") || strings.Contains(cls, "sub_title") || strings.Contains(cls, "subhead") {
		return text
	}
	return ""
}

// subtitleOf returns the subtitle a short dash-led body chunk holds.
func (m *metaInfo) subtitleOf(text string, pg *page, owner int32) string {
	if !strings.HasPrefix(text, "—") && !strings.HasPrefix(text, "--") {
		return ""
	}
	if runeLen(text) > 60 {
		return ""
	}
	return subtitleText(text, pg, owner)
}

// bylineLabels are the words a Chinese byline carries; a line without
// any of them and without a date is not worth parsing.
var bylineLabels = []string{
	"来源", "來源", "作者", "记者", "記者", "编辑", "編輯", "责编", "責編", "时间", "時間",
	"日期", "发布", "發佈", "發布", "发表", "發表", "撰稿", "撰文", "通讯员", "通訊員",
	"摄影", "攝影", "出处", "出處", "稿源", "文/", "文／", "文|", "文｜", "审核", "審核",
	"校对", "校對", "供稿", "整理", "口述", "翻译", "翻譯", "编译", "編譯", "实习生", "實習生",
}

// parseByline calls zhmeta.ParseByline on lines that may be bylines:
// short, with a label word or a year.
func parseByline(s string, loc *time.Location) (zhmeta.Byline, bool) {
	if len(s) > 4*maxBylineRunes || !mayBeByline(s) {
		return zhmeta.Byline{}, false
	}
	return zhmeta.ParseByline(s, loc)
}

// mayBeByline is the cheap filter before zhmeta.ParseByline: a year
// followed by a date separator, or a label word.
func mayBeByline(s string) bool {
	hasHigh := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			hasHigh = true
			continue
		}
		// A year: 19xx or 20xx followed by a date separator.
		if (c == '1' || c == '2') && i+4 < len(s) {
			y := s[i : i+4]
			if (y[:2] == "19" || y[:2] == "20") && isDigit(y[2]) && isDigit(y[3]) {
				switch s[i+4] {
				case '-', '/', '.', 0xE5: // 0xE5: first byte of 年
					return true
				}
			}
		}
	}
	if !hasHigh {
		return false
	}
	for _, l := range bylineLabels {
		if strings.Contains(s, l) {
			return true
		}
	}
	return false
}

// hasBylineLabel reports whether s carries a byline label word. It reads
// s once: only at a character that starts some label does it compare the
// labels.
func hasBylineLabel(s string) bool {
	for i := 0; i+3 <= len(s); i++ {
		if s[i]&0xF0 == 0xE0 && bylineLabelStarts.has(s[i:]) {
			for _, l := range bylineLabels {
				if strings.HasPrefix(s[i:], l) {
					return true
				}
			}
		}
	}
	return false
}

// labelStarts is a set of three-byte characters (by their 16 payload
// bits: the set may hold a few byte sequences that are no character, and
// callers compare the labels themselves).
type labelStarts [1 << 16 / 64]uint64

// key is the payload of the three bytes starting s.
func (labelStarts) key(s string) uint16 {
	return uint16(s[0]&0x0F)<<12 | uint16(s[1]&0x3F)<<6 | uint16(s[2]&0x3F)
}

func (t *labelStarts) has(s string) bool {
	k := t.key(s)
	return t[k/64]&(1<<(k%64)) != 0
}

// bylineLabelStarts holds the first character of every byline label
// (each a three-byte character).
var bylineLabelStarts = func() *labelStarts {
	t := new(labelStarts)
	for _, l := range bylineLabels {
		k := t.key(l)
		t[k/64] |= 1 << (k % 64)
	}
	return t
}()

// orgSuffixes end names of organisations, not people.
var orgSuffixes = []string{"网", "網", "报", "報", "社", "台", "站", "部", "局", "所", "院", "会", "會", "中心", "新闻", "新聞", "频道", "頻道", "公司", "集团", "集團", "日报", "APP", "app", "号", "號", "综合", "綜合"}

// plausiblePerson reports whether a <meta name=author> value names a
// person: Chinese sites often put their own name, an id or a template
// placeholder there.
func plausiblePerson(name string) bool {
	n := strings.TrimSpace(name)
	if n == "" || strings.ContainsAny(n, "@/\\|_") {
		return false
	}
	switch strings.ToLower(n) {
	case "name", "author", "admin", "administrator", "editor", "unknown", "null", "none", "staff":
		return false
	}
	han, digits, other := 0, 0, 0
	for _, r := range n {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsDigit(r):
			digits++
		default:
			other++
		}
	}
	if digits > 0 && han == 0 && digits*2 >= digits+other {
		return false
	}
	if han > 0 {
		for _, suf := range orgSuffixes {
			if strings.HasSuffix(n, suf) {
				return false
			}
		}
		return han <= 8
	}
	return true
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// addByline merges a byline read near the title.
func (m *metaInfo) addByline(b zhmeta.Byline) {
	m.hasByline = true
	mergeByline(&m.byline, b)
}

// addTrailer merges a byline read after the body.
func (m *metaInfo) addTrailer(b zhmeta.Byline) { mergeByline(&m.trailer, b) }

// addLead records the reporters credited at the start of the lead; only
// their names are used.
func (m *metaInfo) addLead(b zhmeta.Byline) {
	if len(b.Authors) > 0 {
		m.lead = b.Authors
	}
}

// leadByline reads a parenthesised credit near the start of a paragraph:
// "本报讯（记者 张三 通讯员 李四）…".
func leadByline(p string, loc *time.Location) (zhmeta.Byline, bool) {
	head := p
	if len(head) > 120 {
		head = head[:120]
	}
	open := strings.IndexAny(head, "（(")
	if open < 0 {
		return zhmeta.Byline{}, false
	}
	rest := p[open:]
	_, size := utf8.DecodeRuneInString(rest)
	closeAt := strings.IndexAny(rest, "）)")
	if closeAt < 0 || closeAt > 90 {
		return zhmeta.Byline{}, false
	}
	inner := rest[size:closeAt]
	if !strings.Contains(inner, "记者") && !strings.Contains(inner, "記者") && !strings.Contains(inner, "通讯员") && !strings.Contains(inner, "通訊員") {
		return zhmeta.Byline{}, false
	}
	b, ok := parseByline(inner, loc)
	if !ok || len(b.Authors) == 0 {
		return zhmeta.Byline{}, false
	}
	return b, true
}

// mergeByline fills the empty fields of dst from b.
func mergeByline(dst *zhmeta.Byline, b zhmeta.Byline) {
	if dst.Published.IsZero() && !b.Published.IsZero() {
		dst.Published, dst.Precision = b.Published, b.Precision
	}
	if dst.Origin == "" {
		dst.Origin = b.Origin
	}
	if len(dst.Authors) == 0 {
		dst.Authors = b.Authors
	}
	if dst.Editor == "" {
		dst.Editor = b.Editor
	}
}

// namesOrg reports whether a name is (part of) the site or origin name.
func (m *metaInfo) namesOrg(n string) bool {
	for _, org := range []string{m.site, m.titleSite, m.byline.Origin, m.trailer.Origin, m.metaOrigin} {
		if org != "" && (strings.Contains(org, n) || strings.Contains(n, org)) {
			return true
		}
	}
	for _, c := range m.crumbs {
		if strings.Contains(c, n) {
			return true
		}
	}
	return false
}

// splitNames splits an author string; zhmeta.SplitAuthors knows the
// Chinese conventions, " and " and commas cover the rest.
func splitNames(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if names := zhmeta.SplitAuthors(s); len(names) > 0 {
		return names
	}
	var out []string
	for _, part := range strings.FieldsFunc(strings.ReplaceAll(s, " and ", ","), func(r rune) bool {
		return r == ',' || r == ';' || r == '，' || r == '、' || r == '；'
	}) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cleanNames trims, drops empty, URL-like and duplicate names.
func cleanNames(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		n = collapse(n)
		if n == "" || looksLikeURL(n) || seen[n] || runeLen(n) > 60 {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}
