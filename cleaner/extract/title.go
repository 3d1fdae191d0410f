package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/atom"

	"winnow/cleaner/extract/zhmeta"
)

// Title candidate sources, best first when nothing else decides.
const (
	srcLD = iota
	srcH1
	srcOG
	srcHeading // an element whose class names a title
	srcTitle   // <title>
	srcText    // plain text lines
)

// titleCand is one raw title candidate.
type titleCand struct {
	raw   string
	src   int
	elem  int32 // the element it came from, -1 if none
	votes int
	// head and norm are normTitle of its headline (headlineOfCand) and
	// of raw, made once for the many comparisons.
	head, norm string
}

// suffixByPrefix splits a page title whose beginning is another title
// candidate: "标题_频道_网站" with an <h1> "标题" gives section "频道" and
// site "网站".
func (m *metaInfo) suffixByPrefix(title string) (section, site string) {
	for _, c := range m.cands {
		if c.src == srcTitle || len(c.raw) >= len(title) || !strings.HasPrefix(title, c.raw) || runeLen(c.raw) < 4 {
			continue
		}
		rest := strings.TrimSpace(title[len(c.raw):])
		sep := ""
		for _, s := range []string{"_", "|", "-", "—", "–", "｜", "－", "::", ":"} {
			if strings.HasPrefix(rest, s) {
				sep = s
				break
			}
		}
		if sep == "" {
			continue
		}
		var parts []string
		for _, p := range strings.Split(rest, sep) {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		switch {
		case len(parts) == 0 || len(parts) > 3:
			continue
		case len(parts) == 1:
			return "", parts[0]
		default:
			return parts[len(parts)-2], parts[len(parts)-1]
		}
	}
	return "", ""
}

// addCand adds a raw title candidate once; a repeat from an element
// records the element.
func (m *metaInfo) addCand(raw string, src int, elem int32) {
	raw = collapse(raw)
	if raw == "" || runeLen(raw) > 300 {
		return
	}
	for i := range m.cands {
		if m.cands[i].raw == raw {
			if m.cands[i].elem < 0 {
				m.cands[i].elem = elem
			}
			return
		}
	}
	c := titleCand{raw: raw, src: src, elem: elem, norm: normTitle(raw)}
	c.head = normTitle(m.headlineOfCand(c))
	m.cands = append(m.cands, c)
}

// vote orders the candidates: a candidate that agrees with others (same
// headline, or one containing the other) goes first; ties keep source
// order (JSON-LD, <h1>, og:title, title-like element, <title>).
func (m *metaInfo) vote() {
	for i := range m.cands {
		for j := range m.cands {
			if i != j && agree(m.cands[i].head, m.cands[j].head) {
				m.cands[i].votes++
			}
		}
	}
	// Stable insertion sort: votes desc, then source.
	for i := 1; i < len(m.cands); i++ {
		for j := i; j > 0; j-- {
			a, b := m.cands[j-1], m.cands[j]
			if b.votes > a.votes || (b.votes == a.votes && b.src < a.src) {
				m.cands[j-1], m.cands[j] = b, a
				continue
			}
			break
		}
	}
}

// agree reports whether two folded headlines name the same article.
func agree(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if utf8.RuneCountInString(a) >= 4 && utf8.RuneCountInString(b) >= 4 {
		return strings.Contains(a, b) || strings.Contains(b, a)
	}
	return false
}

// normTitle folds a title for comparison: letters and digits only,
// lower case.
func normTitle(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// headlineOfCand removes a site suffix from titles that carry one.
func (m *metaInfo) headlineOfCand(c titleCand) string {
	switch c.src {
	case srcTitle, srcOG:
		h, _, _ := zhmeta.SplitTitle(c.raw)
		return h
	}
	return c.raw
}

// titleCandidates returns the raw candidates, best first.
func (m *metaInfo) titleCandidates() []string {
	out := make([]string, 0, len(m.cands))
	for _, c := range m.cands {
		out = append(out, c.raw)
	}
	return out
}

// headlineOf returns the headline of a raw candidate.
func (m *metaInfo) headlineOf(raw string) string {
	for _, c := range m.cands {
		if c.raw == raw {
			return m.headlineOfCand(c)
		}
	}
	h, _, _ := zhmeta.SplitTitle(raw)
	return h
}

// isTitle reports whether a body chunk repeats a title candidate.
func (m *metaInfo) isTitle(text string) bool {
	n := normTitle(text)
	if n == "" {
		return false
	}
	for _, c := range m.cands {
		if h := c.head; h != "" && (h == n || (len(n) >= 12 && strings.HasPrefix(c.norm, n))) {
			return true
		}
	}
	return false
}

// sameText compares two titles folded.
func sameText(a, b string) bool { return normTitle(a) == normTitle(b) }

// titleText returns the text of a title element: its first chunk (title
// blocks often hold the byline after the headline), or its whole text.
func (p *page) titleText(i int32) string {
	if ci := p.firstChunkIn(i); ci >= 0 {
		return p.chunks[ci].text
	}
	return textOf(p.elems[i].node)
}

// firstChunkIn returns the index of the first chunk inside element i, -1
// if none.
func (p *page) firstChunkIn(i int32) int {
	if e := &p.elems[i]; e.flags&fBoundary != 0 {
		if e.c1 > e.c0 {
			return int(e.c0)
		}
		return -1
	}
	for ci := range p.chunks {
		if p.contains(i, p.chunks[ci].owner) {
			return ci
		}
	}
	return -1
}

// bestH1 picks the <h1> that titles the article: inside the region, else
// the last one before it, else the first with text. Link-only headings
// (logos) are skipped.
func (p *page) bestH1(r *htmlResult) int32 {
	start := regionStart(r)
	var inside, before, first int32 = -1, -1, -1
	for _, h := range p.headings {
		e := &p.elems[h]
		if e.tag != atom.H1 || e.st.chars == 0 && textOf(e.node) == "" {
			continue
		}
		raw := e.st.chars
		if raw == 0 {
			continue
		}
		if e.st.linkDensity() > 0.6 && e.st.chars < 8 {
			continue
		}
		if first < 0 {
			first = h
		}
		switch {
		case p.elems[h].flags&fInRegion != 0:
			if inside < 0 {
				inside = h
			}
		case start < 0 || h < start:
			before = h
		}
	}
	switch {
	case inside >= 0:
		return inside
	case before >= 0:
		return before
	}
	return first
}

// titleElem finds, when no <h1> exists, the nearest heading (h2-h6) or
// element whose class names a title before the first body paragraph; a
// subtitle ("——副标题", class "subtitle") only when nothing else is.
func (p *page) titleElem(r *htmlResult) int32 {
	limit := regionStart(r)
	if len(r.body) > 0 {
		limit = max(limit, p.chunks[r.body[0]].owner)
	}
	if limit < 0 {
		limit = int32(len(p.elems))
	}
	best, subtitle := int32(-1), int32(-1)
	for i := int32(0); i < limit && i < int32(len(p.elems)); i++ {
		e := &p.elems[i]
		switch e.tag {
		case atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		default:
			if e.flags&fTitle == 0 {
				continue
			}
		}
		if e.flags&(fHidden|fCrumb) != 0 || e.flags&(fOut|fInOut) != 0 && e.flags&fTitle == 0 {
			continue
		}
		n := e.st.chars
		if n < 4 || n > 120 || e.st.linkDensity() > 0.5 {
			continue
		}
		if subtitleText(p.titleText(i), p, i) != "" {
			subtitle = i
			continue
		}
		best = i
	}
	if best < 0 {
		return subtitle
	}
	return best
}

// regionStart is the first element of the article region, -1 if none.
func regionStart(r *htmlResult) int32 {
	if len(r.region) == 0 {
		return -1
	}
	return r.region[0]
}
