package extract

import (
	"golang.org/x/net/html/atom"
)

// Content selection: exclusion of chrome, known body containers, then
// readability-style density scoring, sibling merging and conditional
// cleaning of the chosen region. All of it works on the element table;
// the tree is never modified or cloned.

// exclude marks subtrees that are never article text (chrome tags,
// hidden elements, unlikely candidates by id/class) and subtracts their
// statistics from their ancestors. With strict false only chrome tags and
// hidden elements are excluded.
func (p *page) exclude(strict bool) {
	total := p.total.chars
	for i := range p.elems {
		e := &p.elems[i]
		e.flags &^= fOut | fInOut
		if e.parent >= 0 && p.elems[e.parent].flags&(fOut|fInOut) != 0 {
			e.flags |= fInOut
			continue
		}
		if !p.excludable(e, strict, total) {
			continue
		}
		e.flags |= fOut
		for a := e.parent; a >= 0; a = p.elems[a].parent {
			p.elems[a].st.sub(&e.st)
		}
	}
}

func (p *page) excludable(e *elem, strict bool, total int32) bool {
	switch e.tag {
	case atom.Html, atom.Body, atom.Main, atom.A:
		return false
	}
	// Keeping an element that holds most of the page's text is safer than
	// losing the article (pages wrapped in <form>, hidden until scripts
	// run, or in a <header>).
	big := e.st.chars >= 300 && e.st.chars*2 >= total
	switch {
	case e.flags&fHidden != 0:
		return !big
	case e.flags&fChrome != 0:
		if e.flags&fHasKnown != 0 {
			return false
		}
		switch e.tag {
		case atom.Form, atom.Header:
			return !big
		}
		return true
	case strict && e.flags&fUnlikely != 0:
		if e.flags&(fHasKnown|fInTable|fHasQuote) != 0 {
			return false
		}
		if e.flags&fCrumb != 0 && e.flags&fUnlikely != 0 {
			return true
		}
		return !big || e.st.linkDensity() > 0.5
	}
	return false
}

// scorable reports whether text owned by an element of this tag counts as
// a paragraph for density scoring.
func scorable(e *elem) bool {
	if e.flags&fCaption != 0 {
		return false
	}
	switch e.tag {
	case atom.Li, atom.Dt, atom.Dd, atom.Th, atom.Caption, atom.Figcaption,
		atom.Option, atom.Legend, atom.Summary, atom.Label, atom.Address,
		atom.Ul, atom.Ol, atom.Dl, atom.Table, atom.Tbody, atom.Thead,
		atom.Tfoot, atom.Tr, atom.H1, atom.Html, atom.Head, atom.Button,
		atom.Select, atom.Textarea:
		return false
	}
	return true
}

// isParaTag: elements that are paragraphs themselves; their score goes to
// their parent.
func isParaTag(t atom.Atom) bool {
	switch t {
	case atom.P, atom.Pre, atom.Td, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote:
		return true
	}
	return false
}

func (p *page) initScore(e *elem) {
	e.scored = true
	switch e.tag {
	case atom.Div, atom.Article, atom.Main:
		e.score = 5
	case atom.Pre, atom.Td, atom.Blockquote:
		e.score = 3
	case atom.Address, atom.Ol, atom.Ul, atom.Dl, atom.Dd, atom.Dt, atom.Li, atom.Form:
		e.score = -3
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Th:
		e.score = -5
	}
	e.score += float64(e.weight)
	if e.flags&fKnownBody != 0 {
		e.score += 25
	}
}

// score runs readability-style density scoring and returns the top
// candidate (-1 when no paragraph scored).
func (p *page) score() int32 {
	for i := range p.elems {
		p.elems[i].score, p.elems[i].scored = 0, false
	}
	for ci := range p.chunks {
		c := &p.chunks[ci]
		oe := &p.elems[c.owner]
		if oe.flags&(fOut|fInOut) != 0 || c.wlen < 25 || !scorable(oe) {
			continue
		}
		s := 1 + float64(c.commas) + float64(min(c.wlen/100, 3))
		start := c.owner
		if isParaTag(oe.tag) || oe.flags&fHasBlock == 0 {
			start = oe.parent
		}
		level := 0
		for a := start; a >= 0 && level < 5; a = p.elems[a].parent {
			ae := &p.elems[a]
			if ae.tag == atom.Html {
				break
			}
			if !ae.scored {
				p.initScore(ae)
			}
			div := 1.0
			switch {
			case level == 1:
				div = 2
			case level > 1:
				div = float64(level * 3)
			}
			ae.score += s / div
			level++
		}
	}
	top := int32(-1)
	best := 0.0
	for i := range p.elems {
		e := &p.elems[i]
		if !e.scored || e.flags&(fOut|fInOut) != 0 {
			continue
		}
		e.score *= 1 - e.st.linkDensity()
		if top < 0 || e.score > best {
			top, best = int32(i), e.score
		}
	}
	if top < 0 {
		return -1
	}
	return p.refineTop(top)
}

func (p *page) contains(a, b int32) bool {
	return a >= 0 && b >= a && b < p.elems[a].end
}

// refineTop moves the top candidate up the tree the way readability
// does: to an ancestor shared by several near-top candidates, to a
// parent that scores better, and past only-child wrappers.
func (p *page) refineTop(top int32) int32 {
	topScore := p.elems[top].score
	// Alternative candidates scoring at least 75% of the top.
	var alts []int32
	for i := range p.elems {
		e := &p.elems[i]
		if int32(i) != top && e.scored && e.flags&(fOut|fInOut) == 0 && topScore > 0 && e.score/topScore >= 0.75 {
			alts = append(alts, int32(i))
			if len(alts) > 16 {
				break
			}
		}
	}
	if len(alts) >= 3 {
		for a := p.elems[top].parent; a >= 0 && p.elems[a].tag != atom.Body && p.elems[a].tag != atom.Html; a = p.elems[a].parent {
			n := 0
			for _, c := range alts {
				if p.contains(a, c) {
					n++
				}
			}
			if n >= 3 {
				top = a
				break
			}
		}
	}
	// Walk up while a parent scores better.
	last := p.elems[top].score
	threshold := last / 3
	for a := p.elems[top].parent; a >= 0; a = p.elems[a].parent {
		ae := &p.elems[a]
		if ae.tag == atom.Body || ae.tag == atom.Html {
			break
		}
		if !ae.scored {
			continue
		}
		if ae.score < threshold {
			break
		}
		if ae.score > last {
			top = a
			break
		}
		last = ae.score
	}
	top = p.descend(top)
	// Skip wrappers that are only children.
	for {
		par := p.elems[top].parent
		if par < 0 || p.elems[par].children != 1 {
			break
		}
		if t := p.elems[par].tag; t == atom.Body || t == atom.Html {
			break
		}
		top = par
	}
	return top
}

// descend moves the top candidate down into a child that holds most of
// its non-link text with clearly fewer links: a content column next to a
// link-heavy sidebar inside one wrapper.
func (p *page) descend(top int32) int32 {
	for n := 0; n < 8; n++ {
		te := &p.elems[top]
		text := te.st.chars - te.st.links
		ld := te.st.linkDensity()
		if text <= 0 || ld < 0.2 {
			return top
		}
		next := int32(-1)
		for c := top + 1; c < te.end; c = p.elems[c].end {
			ce := &p.elems[c]
			if ce.flags&(fOut|fInOut) != 0 {
				continue
			}
			if float64(ce.st.chars-ce.st.links) >= 0.8*float64(text) && ce.st.linkDensity() < ld-0.15 {
				next = c
				break
			}
		}
		if next < 0 {
			return top
		}
		top = next
	}
	return top
}

// knownBody returns the best container whose id/class names an article
// body, or -1. It must hold enough text with few links.
func (p *page) knownBody() int32 {
	best := int32(-1)
	var bestText int32
	for i := range p.elems {
		e := &p.elems[i]
		if e.flags&fKnownBody == 0 || e.flags&(fOut|fInOut) != 0 {
			continue
		}
		text := e.st.chars - e.st.links
		if e.st.wlen < 140 || e.st.linkDensity() > 0.4 {
			continue
		}
		switch {
		case best < 0:
			best, bestText = int32(i), text
		case p.contains(best, int32(i)):
			if float64(text) >= 0.85*float64(bestText) {
				best, bestText = int32(i), text
			}
		case text > bestText:
			best, bestText = int32(i), text
		}
	}
	return best
}

// siblings returns the region for a top candidate: top plus the siblings
// that belong with it (readability's sibling merge), in document order.
func (p *page) siblings(top int32, known bool) []int32 {
	par := p.elems[top].parent
	if par < 0 {
		return []int32{top}
	}
	te := &p.elems[top]
	threshold := max(10, te.score*0.2)
	topClass := attr(te.node, "class")
	var region []int32
	for i := par + 1; i < p.elems[par].end; i = p.elems[i].end {
		if i == top {
			region = append(region, i)
			continue
		}
		s := &p.elems[i]
		if s.flags&(fOut|fInOut) != 0 || s.st.chars == 0 {
			continue
		}
		sameClass := topClass != "" && attr(s.node, "class") == topClass
		if known {
			if sameClass && s.tag == te.tag {
				region = append(region, i)
			}
			continue
		}
		bonus := 0.0
		if sameClass {
			bonus = te.score * 0.2
		}
		if s.scored && s.score+bonus >= threshold {
			region = append(region, i)
			continue
		}
		if s.tag == atom.P || (s.tag == atom.Div && s.flags&fHasBlock == 0) {
			ld := s.st.linkDensity()
			switch {
			case s.st.wlen > 80 && ld < 0.25:
				region = append(region, i)
			case s.st.wlen > 0 && s.st.wlen <= 80 && ld == 0 && p.endsSentence(i):
				region = append(region, i)
			}
		}
	}
	return region
}

// endsSentence reports whether the last chunk of element i ends with
// sentence punctuation.
func (p *page) endsSentence(i int32) bool {
	last := ""
	if ci := p.lastChunkIn(i); ci >= 0 {
		last = p.chunks[ci].text
	}
	if last == "" {
		return false
	}
	switch r := lastRune(last); r {
	case '.', '。', '!', '?', '！', '？', '"', '”', '」':
		return true
	}
	return false
}

// lastChunkIn returns the index of the last chunk inside element i, -1 if
// none.
func (p *page) lastChunkIn(i int32) int {
	e := &p.elems[i]
	if e.flags&fBoundary != 0 {
		if e.c1 > e.c0 {
			return int(e.c1 - 1)
		}
		return -1
	}
	for ci := len(p.chunks) - 1; ci >= 0; ci-- {
		if p.contains(i, p.chunks[ci].owner) {
			return ci
		}
	}
	return -1
}

// clean removes, inside the region, subtrees that density rules say are
// not article text (readability's conditional cleaning), bottom-up so
// that outer elements are judged without the inner junk.
func (p *page) clean(region []int32) {
	for _, root := range region {
		rootText := p.elems[root].st.chars
		for i := p.elems[root].end - 1; i >= root; i-- {
			e := &p.elems[i]
			if e.flags&(fOut|fInOut|fRemoved) != 0 {
				continue
			}
			if e.children >= 3 && e.st.imgs >= 3 {
				p.removeCards(i, root)
			}
			if i == root || !p.shouldRemove(e, rootText) {
				continue
			}
			p.remove(i, root)
		}
		// Propagate removal to descendants.
		for i := root + 1; i < p.elems[root].end; i++ {
			e := &p.elems[i]
			if e.flags&(fRemoved|fInRemoved) == 0 && p.elems[e.parent].flags&(fRemoved|fInRemoved) != 0 {
				e.flags |= fInRemoved
			}
		}
	}
}

// remove marks element i removed and subtracts its statistics from its
// ancestors up to root.
func (p *page) remove(i, root int32) {
	e := &p.elems[i]
	e.flags |= fRemoved
	for a := e.parent; a >= root; a = p.elems[a].parent {
		p.elems[a].st.sub(&e.st)
	}
	e.st = stats{}
}

// removeCards removes teaser cards among the children of element i: at
// least three siblings of the same tag and class, each with an image and
// little text (related-story rails, "more from" grids).
func (p *page) removeCards(i, root int32) {
	e := &p.elems[i]
	type group struct {
		tag   string
		class string
		n     int
	}
	var groups []group
	for c := i + 1; c < e.end; c = p.elems[c].end {
		ce := &p.elems[c]
		if ce.flags&(fOut|fInOut|fRemoved) != 0 || ce.st.imgs == 0 || ce.st.wlen >= 400 {
			continue
		}
		cls := attr(ce.node, "class")
		found := false
		for g := range groups {
			if groups[g].tag == ce.node.Data && groups[g].class == cls {
				groups[g].n++
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, group{tag: ce.node.Data, class: cls, n: 1})
		}
	}
	for _, g := range groups {
		if g.n < 3 || (g.class == "" && g.tag != "li") {
			continue
		}
		for c := i + 1; c < e.end; c = p.elems[c].end {
			ce := &p.elems[c]
			if ce.flags&(fOut|fInOut|fRemoved) != 0 || ce.st.imgs == 0 || ce.st.wlen >= 400 {
				continue
			}
			if ce.node.Data == g.tag && attr(ce.node, "class") == g.class {
				p.remove(c, root)
			}
		}
	}
}

func (p *page) shouldRemove(e *elem, rootText int32) bool {
	st := &e.st
	if st.chars == 0 {
		return false
	}
	if e.flags&fHasKnown != 0 {
		return false
	}
	ld := st.linkDensity()
	quote := e.flags&fHasQuote != 0 && ld < 0.5 // embedded posts carry links
	if e.flags&fJunk != 0 && st.chars*10 < rootText*6 && !quote {
		return true
	}
	if e.flags&fCaption != 0 && st.wlen < 600 {
		return true
	}
	switch e.tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return e.weight < 0 || ld > 0.5
	case atom.Form, atom.Fieldset, atom.Table, atom.Ul, atom.Ol, atom.Div,
		atom.Section, atom.Figure, atom.Dl, atom.Center, atom.Article, atom.Aside, atom.Span:
	default:
		return false
	}
	if e.tag == atom.Table && e.flags&fDataTable != 0 {
		return false
	}
	weight := int(e.weight)
	if e.scored && float64(weight)+e.score < 0 {
		return true
	}
	if st.commas >= 10 {
		return false
	}
	isList := e.tag == atom.Ul || e.tag == atom.Ol
	ps := int(st.ps)
	imgs := int(st.imgs)
	lis := int(st.lis) - 100
	if e.tag == atom.Ul || e.tag == atom.Ol {
		lis = int(st.lis)
	}
	headDensity := float64(st.heads) / float64(st.chars)
	inFigure := e.tag == atom.Figure
	switch {
	case imgs > 1 && float64(ps)/float64(imgs) < 0.5 && !inFigure && st.wlen < 300:
		return true
	case !isList && lis > ps:
		return true
	case int(st.inputs) > ps/3:
		return true
	case !isList && headDensity < 0.9 && st.wlen < 25 && (imgs == 0 || imgs > 2) && !inFigure:
		return true
	case !isList && weight < 25 && ld > 0.2 && !quote:
		return true
	case weight >= 25 && ld > 0.5:
		return true
	case (st.embeds == 1 && st.wlen < 75) || st.embeds > 1:
		return true
	case isList && ld > 0.5:
		return true
	}
	return false
}

func lastRune(s string) rune {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0x80 || s[i] >= 0xC0 {
			r := []rune(s[i:])
			if len(r) > 0 {
				return r[0]
			}
			return 0
		}
	}
	return 0
}
