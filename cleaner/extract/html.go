package extract

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"winnow/cleaner/extract/zhmeta"
)

// Thresholds of the HTML path.
const (
	// minBodyWlen is the weighted length under which a first extraction
	// is retried without excluding unlikely candidates.
	minBodyWlen = 250
	// maxBylineRunes bounds a line read as a byline.
	maxBylineRunes = 160
)

// htmlResult is what the HTML path found before metadata assembly.
type htmlResult struct {
	region   []int32
	body     []int32  // chunk indices of the body, in order
	roles    []Role   // per chunk: its segment role, "" for body or consumed
	consumed []bool   // per chunk: consumed (title, byline) — neither body nor segment
	texts    []string // per chunk: segment text override (breadcrumbs), nil if none
}

// extractHTML runs the HTML path on decoded text.
func (x *Extractor) extractHTML(in *Input, text string, d *Draft) error {
	root, size, err := parseDocument(text)
	if err != nil {
		// The parser refuses documents nested deeper than it supports;
		// read their text with the tokenizer and treat it as plain text.
		lines, title := tokenText(text)
		return x.extractLines(in, lines, title, d)
	}
	pg := buildPage(root, size)
	readHead(root, pg)
	if pg.total.chars == 0 && strings.TrimSpace(pg.title) == "" {
		return fmt.Errorf("%w: no text in %s", ErrEmpty, describe(in))
	}
	saved := make([]stats, len(pg.elems))
	for i := range pg.elems {
		saved[i] = pg.elems[i].st
	}
	r := x.selectContent(pg, true)
	if bodyWlen(pg, r.body) < minBodyWlen {
		// Retry without excluding unlikely candidates (readability's
		// second pass): short pages whose text sits in odd containers.
		for i := range pg.elems {
			pg.elems[i].st = saved[i]
			pg.elems[i].flags &^= fRemoved | fInRemoved
		}
		r2 := x.selectContent(pg, false)
		if bodyWlen(pg, r2.body) > bodyWlen(pg, r.body)*2 {
			r = r2
		} else {
			for i := range pg.elems {
				pg.elems[i].st = saved[i]
				pg.elems[i].flags &^= fRemoved | fInRemoved
			}
			r = x.selectContent(pg, true)
		}
	}
	x.assembleHTML(in, pg, r, d)
	return x.checkArticle(in, pg, r, d)
}

// selectContent chooses the article region and the body chunks.
func (x *Extractor) selectContent(pg *page, strict bool) *htmlResult {
	pg.exclude(strict)
	top := pg.score()
	known := pg.knownBody()
	var region []int32
	text := func(i int32) float64 { return float64(pg.elems[i].st.chars - pg.elems[i].st.links) }
	switch {
	case known >= 0 && top >= 0 && known != top && pg.contains(known, top) && text(top) >= 0.6*text(known):
		// A wide known container (the main column) around a density
		// winner that holds most of its text: the tighter one.
		region = pg.siblings(top, false)
	case known >= 0 && (top < 0 || pg.contains(known, top) || pg.contains(top, known) || text(known) >= 0.3*text(top)):
		region = pg.siblings(known, true)
	case top >= 0:
		region = pg.siblings(top, false)
	default:
		// No paragraph scored: take the body element if any.
		for i := range pg.elems {
			if pg.elems[i].tag == atom.Body {
				region = []int32{int32(i)}
				break
			}
		}
	}
	for i := range pg.elems {
		pg.elems[i].flags &^= fInRegion
	}
	for _, root := range region {
		for i := root; i < pg.elems[root].end; i++ {
			pg.elems[i].flags |= fInRegion
		}
	}
	pg.clean(region)
	r := &htmlResult{region: region}
	r.roles = make([]Role, len(pg.chunks))
	r.consumed = make([]bool, len(pg.chunks))
	firstBody := -1
	for ci := range pg.chunks {
		c := &pg.chunks[ci]
		if role, out := pg.outRole(c.owner); out {
			r.roles[ci] = role
			continue
		}
		if pg.elems[c.owner].flags&fInRegion == 0 {
			r.roles[ci] = RoleChrome
			continue
		}
		oe := &pg.elems[c.owner]
		if oe.flags&(fRemoved|fInRemoved) != 0 {
			if firstBody < 0 {
				r.roles[ci] = RolePreamble
			} else {
				r.roles[ci] = RoleTrailer // fixed up below for mid-body junk
			}
			continue
		}
		if firstBody < 0 {
			firstBody = ci
		}
		r.body = append(r.body, int32(ci))
	}
	// Junk between body chunks is chrome, not trailer.
	if len(r.body) > 0 {
		last := int(r.body[len(r.body)-1])
		for ci := firstBody; ci < last; ci++ {
			if r.roles[ci] == RoleTrailer {
				r.roles[ci] = RoleChrome
			}
		}
	}
	return r
}

func bodyWlen(pg *page, body []int32) int32 {
	var n int32
	for _, ci := range body {
		n += pg.chunks[ci].wlen
	}
	return n
}

// outRole reports whether element i lies in an excluded subtree, and the
// role of its text (hidden wins over chrome).
func (p *page) outRole(i int32) (Role, bool) {
	e := &p.elems[i]
	if e.flags&(fOut|fInOut) == 0 {
		return "", false
	}
	role := RoleChrome
	for a := i; a >= 0; a = p.elems[a].parent {
		ae := &p.elems[a]
		if ae.flags&fHidden != 0 && ae.flags&fOut != 0 {
			role = RoleHidden
		}
		if ae.flags&fOut != 0 {
			if ae.flags&fHidden != 0 {
				role = RoleHidden
			}
			break
		}
	}
	return role, true
}

// assembleHTML fills the draft from the page, the chosen content and the
// metadata.
func (x *Extractor) assembleHTML(in *Input, pg *page, r *htmlResult, d *Draft) {
	a := d.Article
	m := x.collectMeta(in, pg, r)
	cands := m.titleCandidates()
	d.TitleCandidates = cands
	if len(cands) > 0 {
		a.Title = m.headlineOf(cands[0])
	}

	// The top of the body: title repeats, bylines and a subtitle before
	// the first real paragraph.
	drop := make(map[int32]bool)
	for i, ci := range r.body {
		c := &pg.chunks[ci]
		if i >= 8 || c.wlen >= 150 {
			break
		}
		if m.isTitle(c.text) {
			drop[ci] = true
			if sameText(c.text, a.Title) {
				r.consumed[ci] = true
			} else {
				r.roles[ci] = RoleTitle
			}
			continue
		}
		if runeLen(c.text) > maxBylineRunes {
			continue
		}
		if b, ok := parseByline(c.text, x.loc); ok {
			m.addByline(b)
			drop[ci], r.consumed[ci] = true, true
			continue
		}
		if len(m.crumbs) == 0 && looksLikeCrumb(c.text) {
			if crumbs, ok := zhmeta.ParseBreadcrumb(c.text); ok {
				m.crumbs = crumbs
				drop[ci] = true
				r.roles[ci] = RoleBreadcrumb
				continue
			}
		}
		if m.subtitle == "" && i <= 2 && len(r.body) > 1 {
			if st := m.subtitleOf(c.text, pg, c.owner); st != "" {
				m.subtitle = st
				drop[ci], r.consumed[ci] = true, true
			}
		}
	}
	// Labels of ads and widgets, and paragraphs that are only a link.
	for _, ci := range r.body {
		c := &pg.chunks[ci]
		linkOnly := c.chars > 0 && float64(c.links) >= linkOnlyShare*float64(c.chars) && c.wlen < 300 && !looksLikeURL(c.text)
		if isWidgetLabel(c.text) || linkOnly {
			drop[ci] = true
			r.roles[ci] = RoleChrome
		}
	}
	// The bottom: editor, source and reporter lines, possibly mixed with
	// a short disclaimer or two.
	for n, skipped, i := 0, 0, len(r.body)-1; n < 5 && i > 0; n, i = n+1, i-1 {
		ci := r.body[i]
		c := &pg.chunks[ci]
		if drop[ci] {
			continue
		}
		if runeLen(c.text) > 60 {
			break
		}
		b, ok := parseByline(c.text, x.loc)
		if !ok || (b.Editor == "" && b.Origin == "" && len(b.Authors) == 0) {
			if skipped++; skipped > 2 {
				break
			}
			continue
		}
		m.addTrailer(b)
		drop[ci] = true
		r.roles[ci] = RoleTrailer
	}
	// A reporter credit at the start of the lead: "新京报讯（记者 陆一夫）…".
	for _, ci := range r.body {
		if drop[ci] {
			continue
		}
		if b, ok := leadByline(pg.chunks[ci].text, x.loc); ok {
			m.addLead(b)
		}
		break
	}
	if len(drop) > 0 {
		kept := r.body[:0:0]
		for _, ci := range r.body {
			if !drop[ci] {
				kept = append(kept, ci)
			}
		}
		r.body = kept
	}

	paras := make([]string, 0, len(r.body))
	inBody := make([]bool, len(pg.chunks))
	for _, ci := range r.body {
		paras = append(paras, pg.chunks[ci].text)
		inBody[ci] = true
	}
	d.Paragraphs = paras
	a.Body = pg.joinText(r.body, paras)

	// Segments: everything else, in page order; the <title> first.
	if pg.title != "" && (len(cands) == 0 || cands[0] != collapse(pg.title)) {
		d.Segments = append(d.Segments, Segment{Text: collapse(pg.title), Role: RoleTitle})
	}
	for ci := range pg.chunks {
		if inBody[ci] || r.consumed[ci] {
			continue
		}
		text := pg.chunks[ci].text
		if r.texts != nil && r.texts[ci] != "" {
			text = r.texts[ci]
		}
		role := r.roles[ci]
		if role == "" {
			role = RoleChrome
		}
		d.Segments = append(d.Segments, Segment{Text: text, Role: role})
	}
	m.fill(a, d)
}

// joinText returns the texts of chunks (paras) joined by "\n": a
// substring of p.text, without a copy, when they follow one another
// there.
func (p *page) joinText(chunks []int32, paras []string) string {
	if len(chunks) == 0 {
		return ""
	}
	for k := 1; k < len(chunks); k++ {
		if p.chunks[chunks[k]].t0 != p.chunks[chunks[k-1]].t1+1 {
			return strings.Join(paras, "\n")
		}
	}
	return p.text[p.chunks[chunks[0]].t0:p.chunks[chunks[len(chunks)-1]].t1]
}

// segText overrides the text and role of chunk ci's segment.
func (r *htmlResult) segText(ci int, text string, role Role) {
	if r.texts == nil {
		r.texts = make([]string, len(r.roles))
	}
	r.texts[ci] = text
	r.roles[ci] = role
}

// listingMaxChars: a body of this many characters or more is never a
// listing (every listing test asks for fewer).
const listingMaxChars = 2000

// checkArticle rejects pages that are not articles: no body at all, or a
// listing (mostly links, many short link items, little paragraph text).
func (x *Extractor) checkArticle(in *Input, pg *page, r *htmlResult, d *Draft) error {
	var bodyChars, sentences int
	for _, p := range d.Paragraphs {
		if bodyChars >= listingMaxChars {
			break // no listing test below reads further
		}
		n, k := countRunesSentences(p)
		bodyChars += n
		sentences += k
	}
	pageLD := pg.total.linkDensity()
	linkItems := 0
	for i := range pg.elems {
		e := &pg.elems[i]
		if e.tag == atom.A && e.st.chars >= 6 {
			linkItems++
		}
	}
	if len(d.Paragraphs) == 0 {
		if d.Article.Title == "" && pg.total.chars == 0 {
			return fmt.Errorf("%w: no text in %s", ErrEmpty, describe(in))
		}
		return fmt.Errorf("%w: %s: no article text (link density %.2f, %d links)", ErrNotArticle, describe(in), pageLD, linkItems)
	}
	regionLD := 0.0
	var rc, rl int32
	for _, ci := range r.body {
		c := &pg.chunks[ci]
		rc += c.chars
		rl += c.links
	}
	if rc > 0 {
		regionLD = float64(rl) / float64(rc)
	}
	listing := false
	switch {
	case regionLD > 0.5 && bodyChars < listingMaxChars:
		listing = true
	case bodyChars < 200 && sentences == 0 && linkItems >= 15:
		listing = true
	case bodyChars < 60 && linkItems >= 30:
		listing = true
	case pageLD > 0.75 && bodyChars < 400 && sentences < 3 && linkItems >= 40:
		listing = true
	}
	if listing {
		return fmt.Errorf("%w: %s: link density %.2f (body %.2f), %d paragraphs, %d characters, %d links",
			ErrNotArticle, describe(in), pageLD, regionLD, len(d.Paragraphs), bodyChars, linkItems)
	}
	return nil
}

// countRunesSentences counts the characters of s (as runeLen does) and
// its sentence-ending punctuation (。！？.!?). s must be valid UTF-8, as
// chunk text is: a lead byte then tells the length of its character.
func countRunesSentences(s string) (runes, sentences int) {
	for i := 0; i < len(s); runes++ {
		switch b := s[i]; {
		case b < 0x80:
			if b == '.' || b == '!' || b == '?' {
				sentences++
			}
			i++
		case b < 0xE0:
			i += 2
		case b < 0xF0:
			if i+2 < len(s) && (b == 0xE3 && s[i+1] == 0x80 && s[i+2] == 0x82 || // 。
				b == 0xEF && s[i+1] == 0xBC && (s[i+2] == 0x81 || s[i+2] == 0x9F)) { // ！？
				sentences++
			}
			i += 3
		default:
			i += 4
		}
	}
	return runes, sentences
}

func describe(in *Input) string {
	if in.URL != "" {
		return in.URL
	}
	return "input"
}

// tokenText reads the visible text of a document the parser refused, as
// lines (block elements and <br> end a line), and its <title>.
func tokenText(s string) (lines []string, title string) {
	z := html.NewTokenizerFragment(strings.NewReader(s), "")
	z.SetMaxBuf(0)
	var tb textBuilder
	var c chunk
	skip := 0
	inTitle := false
	flush := func() {
		if t := tb.finish(); t != "" {
			lines = append(lines, t)
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return lines, title
		case html.TextToken:
			if skip > 0 {
				continue
			}
			if inTitle {
				if title == "" {
					title = strings.TrimSpace(string(z.Text()))
				}
				continue
			}
			tb.write(string(z.Text()), &c)
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			case atom.Title:
				inTitle = tt == html.StartTagToken
				continue
			}
			if a == atom.Br || blockTags[a] {
				flush()
			}
		}
	}
}

// linkOnlyShare: a body chunk whose text is at least this share of link
// text is a link list item ("Read more: …"), not a paragraph.
const linkOnlyShare = 0.9

// widgetLabels are whole lines that label ads and widgets.
var widgetLabels = map[string]bool{
	"advertisement": true, "advert": true, "ad": true, "ads": true, "sponsored": true,
	"sponsored content": true, "story continues below advertisement": true,
	"article continues below advertisement": true, "continue reading below": true,
	"scroll to continue with content": true, "continue reading the main story": true,
	"advertisement - scroll to continue": true, "this slideshow requires javascript": true,
	"related": true, "related articles": true, "related stories": true, "related content": true,
	"read more": true, "recommended": true, "you may also like": true, "you might also like": true,
	"more on this story": true, "most popular": true, "most read": true, "trending": true,
	"share this article": true, "share this": true, "share": true, "comments": true,
	"广告": true, "廣告": true, "相关阅读": true, "相關閱讀": true, "相关新闻": true, "相關新聞": true,
	"延伸阅读": true, "延伸閱讀": true, "推荐阅读": true, "推薦閱讀": true, "热门推荐": true,
	"猜你喜欢": true, "分享到": true, "分享": true,
}

// isWidgetLabel reports whether a line is only an ad or widget label.
func isWidgetLabel(s string) bool {
	if len(s) > 60 {
		return false
	}
	t := strings.ToLower(strings.TrimSpace(strings.TrimRight(s, ".…:：!！ ")))
	return widgetLabels[t]
}
