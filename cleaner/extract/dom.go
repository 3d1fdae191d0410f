package extract

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// elemFlag marks elements of the page table.
type elemFlag uint32

const (
	fBlock     elemFlag = 1 << iota // block-level: text inside starts a new chunk
	fHasBlock                       // has a block-level child element
	fChrome                         // a chrome tag: nav, aside, footer, header, form …
	fHidden                         // hidden by style, attribute or class
	fUnlikely                       // an unlikely content candidate by id/class
	fJunk                           // share bars, related lists, comments by id/class
	fInLink                         // inside <a>
	fInPre                          // inside <pre>
	fInTable                        // inside <table>
	fOut                            // root of a subtree excluded from the content
	fInOut                          // inside an excluded subtree
	fRemoved                        // removed from the article region by cleaning
	fInRemoved                      // inside a removed subtree
	fKnownBody                      // id/class names an article-body container
	fCrumb                          // id/class names a breadcrumb
	fByline                         // id/class names a byline / info block
	fTitle                          // id/class names a title
	fCaption                        // id/class names a caption, or <figcaption>
	fBoundary                       // starts its own chunk (block, or may be excluded)
	fHasKnown                       // is or contains a known article-body container
	fDataTable                      // a data table (caption, th, thead)
	fHasQuote                       // is or contains a <blockquote> (quotes, embedded posts)
	fInRegion                       // inside the chosen article region
)

// stats are text statistics of an element's subtree.
type stats struct {
	chars  int32 // non-space runes
	links  int32 // non-space runes inside <a>
	wlen   int32 // weighted length: wide (CJK) runes count 3, spaces 1
	commas int32 // , ， 、 。
	ps     int32 // <p> elements
	imgs   int32
	lis    int32
	inputs int32
	embeds int32
	heads  int32 // non-space runes inside headings
}

func (s *stats) add(o *stats) {
	s.chars += o.chars
	s.links += o.links
	s.wlen += o.wlen
	s.commas += o.commas
	s.ps += o.ps
	s.imgs += o.imgs
	s.lis += o.lis
	s.inputs += o.inputs
	s.embeds += o.embeds
	s.heads += o.heads
}

func (s *stats) sub(o *stats) {
	s.chars -= o.chars
	s.links -= o.links
	s.wlen -= o.wlen
	s.commas -= o.commas
	s.ps -= o.ps
	s.imgs -= o.imgs
	s.lis -= o.lis
	s.inputs -= o.inputs
	s.embeds -= o.embeds
	s.heads -= o.heads
}

// linkDensity is the share of the text, in characters, inside links.
func (s *stats) linkDensity() float64 {
	if s.chars <= 0 {
		return 0
	}
	return float64(s.links) / float64(s.chars)
}

// elem is one element of the page, in document (pre-)order.
type elem struct {
	node     *html.Node
	parent   int32
	end      int32 // one past the last descendant's index
	tag      atom.Atom
	flags    elemFlag
	weight   int16
	children int32 // element children
	// c0 and c1 delimit the chunks of a boundary element's subtree:
	// chunks[c0:c1] (they are contiguous for boundary elements).
	c0, c1 int32
	st     stats
	score  float64
	scored bool
}

// chunk is one run of inline text between block boundaries or <br>s:
// a paragraph candidate.
type chunk struct {
	owner  int32 // innermost boundary element holding the text
	text   string
	t0, t1 int32 // text is page.text[t0:t1]
	chars  int32
	links  int32
	wlen   int32
	commas int32
}

// metaTag is one <meta> element's useful attributes.
type metaTag struct {
	key     string // lower-cased name, property or itemprop
	content string
}

// page is the result of the one walk over the parsed document.
type page struct {
	elems  []elem
	chunks []chunk
	// text holds the texts of the chunks in order, each followed by a
	// "\n": the body is a substring when its chunks are consecutive.
	text string
	// Metadata found on the way.
	lang      string
	title     string
	metas     []metaTag
	ldjson    []string
	canonical string
	headings  []int32 // h1 and h2 elements
	times     []int32 // <time datetime> and itemprop=datePublished elements
	total     stats   // the whole page before exclusions
}

// walker builds a page in one iterative pass (no recursion: deep
// documents cannot overflow anything).
type walker struct {
	p          *page
	stack      []int32 // open elements
	owners     []int32 // open boundary elements
	tb         textBuilder
	cur        chunk // stats of the chunk being built
	linkDepth  int
	preDepth   int
	classCache map[string]classInfo
}

// blockTags start a new chunk.
var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Body: true, atom.Center: true, atom.Dd: true, atom.Details: true,
	atom.Dialog: true, atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true, atom.Hr: true,
	atom.Html: true, atom.Legend: true, atom.Li: true, atom.Listing: true,
	atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true, atom.P: true,
	atom.Plaintext: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true,
	atom.Thead: true, atom.Tr: true, atom.Ul: true, atom.Caption: true,
	atom.Option: true, atom.Select: true, atom.Textarea: true, atom.Button: true,
	atom.Video: true, atom.Audio: true, atom.Head: true, atom.Label: false,
}

// chromeTags hold page furniture, never article text.
var chromeTags = map[atom.Atom]bool{
	atom.Nav: true, atom.Aside: true, atom.Footer: true, atom.Header: true,
	atom.Form: true, atom.Button: true, atom.Select: true, atom.Textarea: true,
	atom.Dialog: true, atom.Menu: true, atom.Option: true, atom.Fieldset: false,
}

// buildPage walks the document once; size (exact or estimated) sizes the
// tables.
func buildPage(root *html.Node, size docSize) *page {
	elements := size.elements
	p := &page{
		elems:  make([]elem, 0, min(max(elements, 64), 1<<16)),
		chunks: make([]chunk, 0, min(max(elements/2, 32), 1<<14)),
	}
	w := &walker{p: p, classCache: make(map[string]classInfo, 64)}
	// Chunk text is at most the text it is read from, plus a "\n" per
	// chunk (a chunk ends at an element or a <br>, each at most twice).
	w.tb.b = make([]byte, 0, size.textBytes+2*elements+1)
	n := root.FirstChild
	for n != nil {
		descend := w.enter(n)
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		if descend {
			w.leave(n)
		}
		for n.NextSibling == nil {
			n = n.Parent
			if n == root || n == nil {
				n = nil
				break
			}
			w.leave(n)
		}
		if n != nil {
			n = n.NextSibling
		}
	}
	for len(w.stack) > 0 { // not reached for well-formed trees
		w.leave(p.elems[w.stack[len(w.stack)-1]].node)
	}
	w.flush()
	// The builder's bytes are not written again: hand them over without a
	// copy.
	p.text = unsafe.String(unsafe.SliceData(w.tb.b), len(w.tb.b))
	for i := range p.chunks {
		c := &p.chunks[i]
		c.text = p.text[c.t0:c.t1]
	}
	// Aggregate subtree statistics bottom-up (children follow parents).
	for i := len(p.elems) - 1; i > 0; i-- {
		e := &p.elems[i]
		if e.flags&fKnownBody != 0 {
			e.flags |= fHasKnown
		}
		if e.tag == atom.Blockquote {
			e.flags |= fHasQuote
		}
		if e.parent >= 0 {
			par := &p.elems[e.parent]
			par.st.add(&e.st)
			par.children++
			par.flags |= e.flags & (fHasKnown | fHasQuote)
			switch e.tag {
			case atom.Caption, atom.Th, atom.Thead:
				if t := p.tableOf(e.parent); t >= 0 {
					p.elems[t].flags |= fDataTable
				}
			}
		}
	}
	for i := range p.elems {
		if p.elems[i].parent < 0 {
			p.total.add(&p.elems[i].st)
		}
	}
	return p
}

// tableOf returns the nearest <table> at or above i, -1 if none (within
// three levels: caption and thead are children, th a grandchild or deeper).
func (p *page) tableOf(i int32) int32 {
	for n := 0; i >= 0 && n < 4; n++ {
		if p.elems[i].tag == atom.Table {
			return i
		}
		i = p.elems[i].parent
	}
	return -1
}

// enter handles the start of node n; it reports whether to descend.
func (w *walker) enter(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		if len(w.stack) == 0 {
			return false
		}
		w.text(n.Data)
		return false
	case html.ElementNode:
	default:
		return false
	}
	p := w.p
	switch n.DataAtom {
	case atom.Script, atom.Title, atom.Meta:
		return false // head metadata: readHead
	case atom.Style, atom.Template, atom.Svg, atom.Math, atom.Noscript, atom.Iframe,
		atom.Object, atom.Canvas, atom.Map, atom.Frameset, atom.Frame, atom.Noframes,
		atom.Source, atom.Track, atom.Param, atom.Link, atom.Base, atom.Area, atom.Input,
		atom.Embed, atom.Img, atom.Picture, atom.Wbr:
		switch n.DataAtom {
		case atom.Img, atom.Picture:
			w.bumpTop(func(s *stats) { s.imgs++ })
		case atom.Input:
			w.bumpTop(func(s *stats) { s.inputs++ })
		case atom.Iframe, atom.Object, atom.Embed:
			w.bumpTop(func(s *stats) { s.embeds++ })
		}
		return false
	case atom.Br:
		w.flush()
		return false
	}

	idx := int32(len(p.elems))
	parent := int32(-1)
	var inherited elemFlag
	if len(w.stack) > 0 {
		parent = w.stack[len(w.stack)-1]
		inherited = p.elems[parent].flags & (fInLink | fInPre | fInTable)
	}
	e := elem{node: n, parent: parent, tag: n.DataAtom, flags: inherited}
	var idClass string
	var style, itemprop string
	hidden := false
	for _, a := range n.Attr {
		switch a.Key {
		case "id", "class":
			if a.Val != "" {
				if idClass == "" {
					idClass = a.Val
				} else {
					idClass += " " + a.Val
				}
			}
		case "style":
			style = a.Val
		case "hidden":
			hidden = true
		case "itemprop":
			itemprop = a.Val
		case "datetime":
			if n.DataAtom == atom.Time {
				p.times = append(p.times, idx)
			}
		}
	}
	if idClass != "" {
		ci, ok := w.classCache[idClass]
		if !ok {
			ci = classifyAttr(strings.ToLower(idClass))
			w.classCache[idClass] = ci
		}
		e.weight = ci.weight
		if ci.unlikely {
			e.flags |= fUnlikely
		}
		if ci.junk {
			e.flags |= fJunk
		}
		if ci.body {
			e.flags |= fKnownBody
		}
		if ci.hidden {
			hidden = true
		}
		if ci.crumb {
			e.flags |= fCrumb
		}
		if ci.byline {
			e.flags |= fByline
		}
		if ci.title {
			e.flags |= fTitle
		}
		if ci.caption {
			e.flags |= fCaption
		}
	}
	if itemprop != "" {
		ip := strings.ToLower(itemprop)
		if strings.Contains(ip, "articlebody") {
			e.flags |= fKnownBody
		}
		if strings.Contains(ip, "datepublished") {
			p.times = append(p.times, idx)
		}
	}
	if style != "" && styleHides(style) {
		hidden = true
	}
	if hidden && n.DataAtom != atom.Html && n.DataAtom != atom.Body {
		e.flags |= fHidden
	}
	switch n.DataAtom {
	case atom.A:
		e.flags |= fInLink
		w.linkDepth++
	case atom.Pre:
		e.flags |= fInPre
		w.preDepth++
	case atom.Table:
		e.flags |= fInTable
	case atom.P:
		e.st.ps++
	case atom.Li:
		e.st.lis++
	case atom.Figcaption:
		e.flags |= fCaption
	case atom.H1, atom.H2:
		p.headings = append(p.headings, idx)
	case atom.Video, atom.Audio:
		e.st.embeds++
	}
	if blockTags[n.DataAtom] {
		e.flags |= fBlock
		if parent >= 0 {
			p.elems[parent].flags |= fHasBlock
		}
	}
	if chromeTags[n.DataAtom] {
		e.flags |= fChrome
	}
	if e.flags&(fBlock|fChrome|fHidden|fUnlikely|fJunk|fCrumb|fByline|fTitle|fCaption) != 0 && n.DataAtom != atom.A {
		e.flags |= fBoundary
		w.flush()
		w.owners = append(w.owners, idx)
		e.c0 = int32(len(p.chunks))
	}
	p.elems = append(p.elems, e)
	w.stack = append(w.stack, idx)
	return true
}

// leave handles the end of element n.
func (w *walker) leave(n *html.Node) {
	if len(w.stack) == 0 {
		return
	}
	idx := w.stack[len(w.stack)-1]
	e := &w.p.elems[idx]
	if e.node != n {
		return
	}
	if e.flags&fBoundary != 0 {
		w.flush()
		w.owners = w.owners[:len(w.owners)-1]
		e.c1 = int32(len(w.p.chunks))
	}
	switch e.tag {
	case atom.A:
		w.linkDepth--
	case atom.Pre:
		w.preDepth--
	}
	e.end = int32(len(w.p.elems))
	w.stack = w.stack[:len(w.stack)-1]
}

// bumpTop adds a count to the innermost open element.
func (w *walker) bumpTop(f func(*stats)) {
	if len(w.stack) > 0 {
		f(&w.p.elems[w.stack[len(w.stack)-1]].st)
	}
}

// text appends a text node to the current chunk.
func (w *walker) text(s string) {
	if w.preDepth > 0 {
		for {
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				break
			}
			w.write(s[:i])
			w.flush()
			s = s[i+1:]
		}
	}
	w.write(s)
}

func (w *walker) write(s string) {
	var c chunk
	w.tb.write(s, &c)
	if c.chars == 0 && c.wlen == 0 {
		return
	}
	if w.linkDepth > 0 {
		c.links = c.chars
	}
	w.cur.chars += c.chars
	w.cur.links += c.links
	w.cur.wlen += c.wlen
	w.cur.commas += c.commas
	top := &w.p.elems[w.stack[len(w.stack)-1]].st
	top.chars += c.chars
	top.links += c.links
	top.wlen += c.wlen
	top.commas += c.commas
	if w.headingOpen() {
		top.heads += c.chars
	}
}

func (w *walker) headingOpen() bool {
	if len(w.owners) == 0 {
		return false
	}
	switch w.p.elems[w.owners[len(w.owners)-1]].tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// flush ends the current chunk. Its text stays in the builder's bytes
// (buildPage sets it when the walk is done).
func (w *walker) flush() {
	t0, t1 := w.tb.finishSpan()
	if t1 > t0 && len(w.owners) > 0 {
		c := w.cur
		c.owner = w.owners[len(w.owners)-1]
		c.t0, c.t1 = int32(t0), int32(t1)
		w.p.chunks = append(w.p.chunks, c)
		// A run of text outside <p> is a paragraph too (readability wraps
		// such runs in <p>); count it so that <br> layouts are not judged
		// paragraph-less.
		if c.wlen >= 50 {
			switch oe := &w.p.elems[c.owner]; oe.tag {
			case atom.P, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			default:
				oe.st.ps++
			}
		}
	}
	w.cur = chunk{}
}

func isLDJSON(n *html.Node) bool {
	return strings.Contains(strings.ToLower(attr(n, "type")), "ld+json")
}

// styleHides reports whether an inline style hides the element.
func styleHides(style string) bool {
	if !containsFold(style, "none") && !containsFold(style, "hidden") {
		return false
	}
	s := strings.ToLower(style)
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	return strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf returns the collapsed text of n's subtree (used for small
// elements such as <title>).
func textOf(n *html.Node) string {
	var tb textBuilder
	var c chunk
	var rec func(*html.Node, int)
	rec = func(n *html.Node, depth int) {
		if depth > 64 {
			return
		}
		for c2 := n.FirstChild; c2 != nil; c2 = c2.NextSibling {
			switch c2.Type {
			case html.TextNode:
				tb.write(c2.Data, &c)
			case html.ElementNode:
				switch c2.DataAtom {
				case atom.Script, atom.Style, atom.Noscript, atom.Template:
					continue
				case atom.Br:
					tb.write(" ", &c)
				}
				rec(c2, depth+1)
			}
		}
	}
	if n.Type == html.TextNode {
		tb.write(n.Data, &c)
	} else {
		rec(n, 0)
	}
	return tb.finish()
}

// textBuilder collapses whitespace: runs of spaces (including NBSP)
// become one space, a line break between two wide (CJK) characters
// disappears, leading and trailing space (also U+3000) is trimmed, control
// and zero-width characters are dropped.
type textBuilder struct {
	b       []byte
	start   int  // the text being built is b[start:]
	space   bool // a space is pending
	newline bool // the pending space run contained a line break
	last    rune
}

// isWide reports whether r is a wide (CJK) character: ideographs, CJK
// punctuation, kana, full-width forms, Hangul.
func isWide(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return isHan(r) || (r >= 0x2E80 && r <= 0x2FDF) || (r >= 0x3000 && r <= 0x30FF) ||
		(r >= 0xFF00 && r <= 0xFFEF) || (r >= 0xAC00 && r <= 0xD7AF) || (r >= 0x1100 && r <= 0x11FF) ||
		(r >= 0x3130 && r <= 0x318F)
}

// write appends s and adds its statistics to c.
func (tb *textBuilder) write(s string, c *chunk) {
	// A line break is dropped between wide characters only inside one text
	// node (a wrapped sentence); between elements it separates words.
	tb.newline = false
	for i := 0; i < len(s); {
		if isGraphicASCII(s[i]) {
			// A run of printable ASCII other than space, copied whole
			// (what the general path below does byte by byte): most of
			// an English page.
			if tb.space {
				tb.b = append(tb.b, ' ') // an ASCII character is never wide
				c.wlen++
				tb.space, tb.newline = false, false
			}
			j := i + 1
			for j < len(s) && isGraphicASCII(s[j]) {
				j++
			}
			run := s[i:j]
			tb.b = append(tb.b, run...)
			c.chars += int32(len(run))
			c.wlen += int32(len(run))
			c.commas += int32(strings.Count(run, ","))
			tb.last = rune(s[j-1])
			i = j
			continue
		}
		if !tb.space && s[i] >= 0xE2 {
			// A run of three-byte characters that are neither space nor
			// control (CJK ideographs and punctuation, quotes), copied
			// whole: most of a Chinese page.
			n, narrow, commas := int32(0), int32(0), int32(0)
			p := s[i:] // its length makes p[0:3] provably in range
			for len(p) >= 3 {
				b0, b1, b2 := p[0], p[1], p[2]
				if b1&0xC0 != 0x80 || b2&0xC0 != 0x80 {
					break
				}
				// An ideograph (U+4E00..U+9FFF) needs no decoding.
				if b0-0xE5 > 0xE9-0xE5 && (b0 != 0xE4 || b1 < 0xB8) {
					w, comma := plain3(b0, rune(b0&0x0F)<<12|rune(b1&0x3F)<<6|rune(b2&0x3F))
					if w == 0 {
						break
					}
					narrow += 3 - w
					commas += comma
				}
				n++
				p = p[3:]
			}
			if j := len(s) - len(p); n > 0 {
				tb.b = append(tb.b, s[i:j]...)
				c.chars += n
				c.wlen += 3*n - narrow
				c.commas += commas
				tb.last = rune(s[j-3]&0x0F)<<12 | rune(s[j-2]&0x3F)<<6 | rune(s[j-1]&0x3F)
				i = j
				continue
			}
		}
		r := rune(s[i])
		size := 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == 0xA0 ||
			(r >= 0x2000 && r <= 0x200A) || r == 0x202F || r == 0x205F || r == 0x1680 || r == 0x85:
			if len(tb.b) > tb.start {
				tb.space = true
				if r == '\n' || r == '\r' {
					tb.newline = true
				}
			}
			continue
		case r < 0x20 || (r >= 0x7F && r < 0xA0) || r == 0x200B || r == 0xFEFF || r == 0x2028 || r == 0x2029:
			continue
		case r == 0x3000 && len(tb.b) == tb.start:
			continue
		}
		if tb.space {
			if !(tb.newline && isWide(tb.last) && isWide(r)) {
				tb.b = append(tb.b, ' ')
				c.wlen++
			}
			tb.space, tb.newline = false, false
		}
		if r < utf8.RuneSelf {
			tb.b = append(tb.b, byte(r))
			c.wlen++
			if r == ',' {
				c.commas++
			}
		} else {
			tb.b = utf8.AppendRune(tb.b, r)
			if isWide(r) {
				c.wlen += 3
			} else {
				c.wlen++
			}
			if r == '，' || r == '、' || r == '。' {
				c.commas++
			}
		}
		c.chars++
		tb.last = r
	}
}

// plain3 reports whether r, decoded from a three-byte sequence with lead
// byte b0, is a character write copies as is: a CJK ideograph
// (U+4E00..U+9FFF), CJK punctuation or kana (U+3001..U+30FF), a
// full-width form (U+FF00..U+FFEF), all wide, or a dash, quote or
// ellipsis (U+2010..U+2027), narrow. w is its weighted length (0: none of
// these) and comma is 1 for '、', '。' and '，'.
func plain3(b0 byte, r rune) (w, comma int32) {
	switch b0 {
	case 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9:
		if r >= 0x4E00 {
			return 3, 0
		}
	case 0xE3:
		if r >= 0x3001 && r <= 0x30FF {
			if r <= 0x3002 {
				comma = 1
			}
			return 3, comma
		}
	case 0xEF:
		if r >= 0xFF00 && r <= 0xFFEF {
			if r == 0xFF0C {
				comma = 1
			}
			return 3, comma
		}
	case 0xE2:
		if r >= 0x2010 && r <= 0x2027 {
			return 1, 0
		}
	}
	return 0, 0
}

// isGraphicASCII reports whether c is printable ASCII other than space.
func isGraphicASCII(c byte) bool { return c > ' ' && c < 0x7F }

// finish returns the built text and resets the builder.
func (tb *textBuilder) finish() string {
	s := string(tb.end())
	tb.b = tb.b[:tb.start]
	return s
}

// finishSpan ends the built text where it stands and returns its span in
// b; a "\n" follows a non-empty text, and the next text follows it.
func (tb *textBuilder) finishSpan() (start, end int) {
	start = tb.start
	end = start + len(tb.end())
	tb.b = tb.b[:end]
	if end > start {
		tb.b = append(tb.b, '\n')
	}
	tb.start = len(tb.b)
	return start, end
}

// end returns the built text without trailing U+3000 and resets the
// state for the next text.
func (tb *textBuilder) end() []byte {
	b := tb.b[tb.start:]
	for len(b) >= 3 && string(b[len(b)-3:]) == "\u3000" {
		b = b[:len(b)-3]
	}
	tb.space, tb.newline, tb.last = false, false, 0
	return b
}
