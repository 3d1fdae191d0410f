package extract

import (
	"cmp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parseDocument parses the decoded page text into a document tree, as
// html.Parse(stripRaw(text)) does, and returns an estimate of its size
// (for sizing tables). Most pages are read by a fast path,
// quickParse, that skips what stripRaw drops while it reads and builds
// the tree the HTML5 algorithm of golang.org/x/net/html builds for the
// markup it handles; it gives up on the rest (tables, templates,
// misnested formatting, foreign content …), and those pages, only those,
// go through stripRaw and html.Parse. A differential fuzz test holds the
// two trees identical whenever the fast path answers.
func parseDocument(text string) (*html.Node, docSize, error) {
	if doc, size, ok := quickParse(text); ok {
		return doc, size, nil
	}
	stripped := stripRaw(text)
	doc, err := html.Parse(strings.NewReader(stripped))
	return doc, docSize{elements: len(stripped) / 64, textBytes: len(stripped) / 4}, err
}

// docSize is the size of a document tree, exact or estimated.
type docSize struct {
	elements  int // element nodes
	textBytes int // bytes of text nodes
}

// maxDepth is the deepest stack of open elements html.Parse accepts; it
// refuses deeper documents, and so does quickParse, so that the caller
// sees the same error.
const maxDepth = 512

// quickParser is the state of quickParse.
type quickParser struct {
	s     string
	doc   *html.Node
	htm   *html.Node // <html>, nil before it is opened
	head  *html.Node // <head>, nil before it is opened
	body  *html.Node // <body>, nil before it is opened
	stack []*html.Node
	mode  quickMode
	form  *html.Node       // the form element pointer
	nodes []html.Node      // allocation slab
	attrs []html.Attribute // allocation slab of the start tags' attributes
	size  docSize          // what was made so far
}

type quickMode int

const (
	modeBeforeHTML quickMode = iota
	modeBeforeHead
	modeInHead
	modeAfterHead
	modeInBody
)

// quickParse builds the tree html.Parse(stripRaw(s)) builds, and measures
// it, or reports false when s holds markup it leaves to them.
func quickParse(s string) (doc *html.Node, size docSize, ok bool) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, docSize{}, false // NUL handling differs by context
	}
	p := &quickParser{s: s}
	p.doc = p.newNode(html.DocumentNode, 0, "")
	if !p.run() {
		return nil, docSize{}, false
	}
	return p.doc, p.size, true
}

func (p *quickParser) newNode(t html.NodeType, a atom.Atom, data string) *html.Node {
	if len(p.nodes) == cap(p.nodes) {
		p.nodes = make([]html.Node, 0, 128)
	}
	if t == html.ElementNode {
		p.size.elements++
	}
	// Set the fields of the slab's zeroed node: appending a whole Node
	// would copy it with a write barrier on each of its pointers.
	p.nodes = p.nodes[:len(p.nodes)+1]
	n := &p.nodes[len(p.nodes)-1]
	n.Type, n.DataAtom, n.Data = t, a, data
	return n
}

func (p *quickParser) top() *html.Node { return p.stack[len(p.stack)-1] }

func (p *quickParser) pop() *html.Node {
	n := p.top()
	p.stack = p.stack[:len(p.stack)-1]
	return n
}

// run tokenizes s and feeds the tree construction; false means give up.
func (p *quickParser) run() bool {
	s := p.s
	text := 0 // start of pending text
	i := 0
	for {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			break
		}
		i += j
		if i+1 >= len(s) {
			return false // a '<' at the end: left to the tokenizer
		}
		c := s[i+1]
		switch {
		case isASCIILetter(c):
			if !p.text(s[text:i]) {
				return false
			}
			rawName := rawElementAt(s[i:])
			t, next, ok := readTag(s, i+1, &p.attrs)
			if !ok {
				return false
			}
			keep := false // the contents of a raw element are kept (JSON-LD)
			switch rawName {
			case "script", "style":
				// stripRaw ends these start tags at the first '>', quotes
				// or not: read only those it reads the same way.
				gt := strings.IndexByte(s[i:], '>')
				if i+gt+1 != next {
					return false
				}
				keep = rawName == "script" && containsFold(s[i:i+gt], "ld+json")
			case "svg":
				// Its contents up to the first </svg go, nested or not.
				end := indexCloseTag(s[next:], "svg")
				if end < 0 {
					return false
				}
				closeAt, ok := p.endTagAt(next + end)
				if !ok {
					return false
				}
				t.svgClosed = true
				next = closeAt
			}
			i, text = next, next
			if !p.startTag(&t) || len(p.stack) >= maxDepth {
				return false
			}
			if t.raw != "" {
				// Raw text or RCDATA up to the end tag.
				end := indexCloseTag(s[i:], t.raw)
				if end < 0 {
					return false
				}
				if t.raw == "plaintext" {
					return false
				}
				content := s[i : i+end]
				if (t.raw == "script" || t.raw == "style") && !keep {
					content = "" // stripRaw drops it
				}
				if t.raw == "title" || t.raw == "textarea" {
					content = unescapeText(content)
				} else {
					content = convertNewlines(content)
				}
				if t.raw == "textarea" {
					content = strings.TrimPrefix(content, "\n")
				}
				if content != "" {
					p.appendText(p.top(), content)
				}
				p.pop() // the end tag closes the element
				next, ok := p.endTagAt(i + end)
				if !ok {
					return false
				}
				i, text = next, next
			}
		case c == '/':
			if i+2 >= len(s) || !isASCIILetter(s[i+2]) {
				return false // "</>" and bogus comments: rare
			}
			if !p.text(s[text:i]) {
				return false
			}
			t, next, ok := readTag(s, i+2, nil)
			if !ok || strings.IndexByte(s[i+1:next], '<') >= 0 {
				// stripRaw would read a '<' inside an end tag as markup
				return false
			}
			i, text = next, next
			if !p.endTag(t.name) {
				return false
			}
		case c == '!' || c == '?':
			if !p.text(s[text:i]) {
				return false
			}
			if strings.HasPrefix(s[i:], "<!--") {
				end := commentEnd(s, i+4) // stripRaw drops it whole
				i, text = end, end
				continue
			}
			gt := strings.IndexByte(s[i:], '>')
			if gt < 0 || strings.IndexByte(s[i+1:i+gt], '<') >= 0 {
				return false
			}
			if !(len(s)-i > 9 && strings.EqualFold(s[i:i+9], "<!doctype")) {
				// A bogus comment: its node keeps the text around it
				// apart. (A doctype adds no node the extractor reads.)
				at := p.doc
				if len(p.stack) > 0 {
					at = p.top()
				}
				at.AppendChild(p.newNode(html.CommentNode, 0, ""))
			}
			i += gt + 1
			text = i
		default:
			i++ // a '<' that is text
		}
	}
	if !p.text(s[text:]) {
		return false
	}
	// The end of the document: open what is still implied.
	switch p.mode {
	case modeBeforeHTML, modeBeforeHead, modeInHead, modeAfterHead:
		if !p.startTag(&quickTag{name: "body", atom: atom.Body}) {
			return false
		}
	}
	return true
}

// endTagAt reads the end tag at s[i] ("</" and a name) that closes a
// raw element, returning the index after it; false when it does not end
// or holds a '<' (which stripRaw would read as markup).
func (p *quickParser) endTagAt(i int) (int, bool) {
	_, next, ok := readTag(p.s, i+2, nil)
	if !ok || strings.IndexByte(p.s[i+1:next], '<') >= 0 {
		return 0, false
	}
	return next, true
}

// quickTag is one start tag.
type quickTag struct {
	name string
	atom atom.Atom
	attr []html.Attribute
	raw  string // the raw text element it opens, "" if none
	// svgClosed: an <svg> start tag directly followed by its end tag.
	svgClosed bool
}

// readTag reads the tag whose name starts at s[i] and returns it with
// the index after its '>'. Attributes are those stripRaw keeps
// (keptAttrs), lower-cased, unescaped and deduplicated (the first wins)
// as the tokenizer does; unless slab is nil they are appended to *slab
// and the tag's attr is a full slice of it (one allocation for many
// tags instead of a growing slice for each).
func readTag(s string, i int, slab *[]html.Attribute) (quickTag, int, bool) {
	var t quickTag
	start := 0 // the tag's first attribute in *slab
	if slab != nil {
		start = len(*slab)
	}
	p := i
	for p < len(s) && !isTagSpace(s[p]) && s[p] != '/' && s[p] != '>' {
		p++
	}
	t.name = lowerName(s[i:p])
	t.atom = lookupAtom(t.name)
	if t.atom != 0 {
		t.name = t.atom.String()
	}
	for {
		for p < len(s) && isTagSpace(s[p]) {
			p++
		}
		if p >= len(s) {
			return t, 0, false
		}
		if s[p] == '>' {
			return t, p + 1, true
		}
		keyStart := p
		if s[p] == '=' {
			p++
		}
		for p < len(s) && !isTagSpace(s[p]) && s[p] != '/' && s[p] != '>' && s[p] != '=' {
			p++
		}
		key := s[keyStart:p]
		val, hasVal := "", false
		q := p
		for q < len(s) && isTagSpace(s[q]) {
			q++
		}
		switch {
		case q >= len(s):
			return t, 0, false
		case s[q] == '/':
			p = q + 1
		case s[q] == '=':
			q++
			for q < len(s) && isTagSpace(s[q]) {
				q++
			}
			switch {
			case q >= len(s):
				return t, 0, false
			case s[q] == '>':
				p = q
			case s[q] == '"' || s[q] == '\'':
				end := strings.IndexByte(s[q+1:], s[q])
				if end < 0 {
					return t, 0, false
				}
				val, hasVal = s[q+1:q+1+end], true
				p = q + 1 + end + 1
			default:
				vs := q
				for q < len(s) && !isTagSpace(s[q]) && s[q] != '>' {
					q++
				}
				val, hasVal = s[vs:q], true
				p = q
			}
		default:
			p = q
		}
		if key == "" || !keptAttr(key) {
			continue // stripRaw drops it
		}
		k := lowerName(key)
		dup := false
		for _, a := range t.attr {
			dup = dup || a.Key == k
		}
		if dup {
			continue
		}
		if hasVal {
			if strings.IndexByte(val, '&') >= 0 {
				v, ok := unescapeAttr(val)
				if !ok {
					return t, 0, false
				}
				val = v
			} else {
				val = convertNewlines(val)
			}
		}
		a := html.Attribute{Key: k, Val: val}
		if slab == nil {
			t.attr = append(t.attr, a)
			continue
		}
		if len(*slab) == cap(*slab) {
			grown := make([]html.Attribute, 0, max(min(2*cap(*slab), maxAttrSlab), 16, 2*(len(*slab)-start)+1))
			*slab, start = append(grown, (*slab)[start:]...), 0
		}
		*slab = append(*slab, a)
		t.attr = (*slab)[start:len(*slab):len(*slab)]
	}
}

// maxAttrSlab bounds the size of an attribute slab; slabs double up to
// it from 16, so that a small page takes little.
const maxAttrSlab = 256

// sortAttrs orders the attributes of a formatting element as the parser
// does (it compares them for the Noah's Ark clause).
func sortAttrs(attr []html.Attribute) {
	slices.SortFunc(attr, func(a, b html.Attribute) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Val, b.Val))
	})
}

// lookupAtom is atom.Lookup for a string.
func lookupAtom(name string) atom.Atom {
	var buf [16]byte
	if len(name) > len(buf) {
		return atom.Lookup([]byte(name))
	}
	n := copy(buf[:], name)
	return atom.Lookup(buf[:n])
}

// lowerName lower-cases ASCII letters (only them, as the tokenizer),
// allocating only when needed.
func lowerName(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				b[k] = lowerASCII(b[k])
			}
			return string(b)
		}
	}
	return s
}

// unescapeText decodes character references in text as the tokenizer
// does (newlines normalized first).
func unescapeText(s string) string {
	s = convertNewlines(s)
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return html.UnescapeString(s)
}

// unescapeAttr decodes an attribute value. Values hold references
// without a semicolon ("?a=1&copy=2") whose decoding differs from text:
// the tokenizer itself reads those.
func unescapeAttr(v string) (string, bool) {
	if plainRefs(v) {
		// Only references that decode the same in text and in attributes
		// (URLs with &amp;): the text decoder, without a tokenizer.
		return html.UnescapeString(convertNewlines(v)), true
	}
	z := html.NewTokenizer(strings.NewReader(`<a v="` + strings.ReplaceAll(v, `"`, "&quot;") + `">`))
	if z.Next() != html.StartTagToken {
		return "", false
	}
	_, val, _ := z.TagAttr()
	if strings.Contains(v, `"`) {
		return "", false
	}
	return string(val), true
}

// plainRefs reports whether every '&' in v starts &amp;, &lt;, &gt;,
// &quot;, &apos;, &nbsp; or a numeric reference, each with its ';'.
func plainRefs(v string) bool {
	for {
		i := strings.IndexByte(v, '&')
		if i < 0 {
			return true
		}
		v = v[i+1:]
		j := strings.IndexByte(v, ';')
		if j < 0 {
			return false
		}
		switch name := v[:j]; name {
		case "amp", "lt", "gt", "quot", "apos", "nbsp":
		default:
			if !numericRef(name) {
				return false
			}
		}
		v = v[j+1:]
	}
}

// numericRef reports whether name (between '&' and ';') is #digits or
// #x/#X and hex digits.
func numericRef(name string) bool {
	if len(name) < 2 || name[0] != '#' {
		return false
	}
	digits, hex := name[1:], false
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, hex = digits[1:], true
	}
	if digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if !('0' <= c && c <= '9' || hex && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			return false
		}
	}
	return true
}

func convertNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// text handles the text between two tags.
func (p *quickParser) text(raw string) bool {
	if raw == "" {
		return true
	}
	d := unescapeText(raw)
	if p.mode != modeInBody {
		trimmed := strings.TrimLeft(d, whitespace)
		lead := d[:len(d)-len(trimmed)]
		switch p.mode {
		case modeInHead:
			if lead != "" {
				p.appendText(p.head, lead)
			}
		case modeAfterHead:
			if lead != "" {
				p.appendText(p.htm, lead)
			}
		}
		if trimmed == "" {
			return true
		}
		if !p.startTag(&quickTag{name: "body", atom: atom.Body}) {
			return false
		}
		d = trimmed
	}
	top := p.top()
	if (top.DataAtom == atom.Pre || top.DataAtom == atom.Listing) && top.FirstChild == nil {
		d = strings.TrimPrefix(d, "\n") // a newline opening a <pre> block
	}
	if d != "" {
		p.appendText(top, d)
	}
	return true
}

const whitespace = " \t\r\n\f"

// appendText adds text to n, merging it with a last text child.
func (p *quickParser) appendText(n *html.Node, text string) {
	p.size.textBytes += len(text)
	if last := n.LastChild; last != nil && last.Type == html.TextNode {
		last.Data += text
		return
	}
	n.AppendChild(p.newNode(html.TextNode, 0, text))
}

// insert adds an element for t as a child of the current node and opens
// it unless it is void.
func (p *quickParser) insert(t *quickTag, void bool) *html.Node {
	n := p.newNode(html.ElementNode, t.atom, t.name)
	n.Attr = t.attr
	p.top().AppendChild(n)
	if !void {
		p.stack = append(p.stack, n)
	}
	return n
}

// headTags are handled by the "in head" rules.
func headTag(a atom.Atom) bool {
	switch a {
	case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta, atom.Title,
		atom.Noscript, atom.Noframes, atom.Style, atom.Script:
		return true
	}
	return false
}

// inHead inserts a head element at the current node; false means give up.
func (p *quickParser) inHead(t *quickTag) bool {
	switch t.atom {
	case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta:
		p.insert(t, true)
	case atom.Title, atom.Noscript, atom.Noframes, atom.Style, atom.Script:
		p.insert(t, false)
		t.raw = t.name
	default:
		return false
	}
	return true
}

// startTag runs the tree construction for a start tag.
func (p *quickParser) startTag(t *quickTag) bool {
	for {
		switch p.mode {
		case modeBeforeHTML:
			p.htm = p.newNode(html.ElementNode, atom.Html, "html")
			p.doc.AppendChild(p.htm)
			p.stack = append(p.stack, p.htm)
			p.mode = modeBeforeHead
			if t.atom == atom.Html {
				p.htm.Attr = t.attr
				return true
			}
		case modeBeforeHead:
			if t.atom == atom.Html {
				return false
			}
			p.head = p.newNode(html.ElementNode, atom.Head, "head")
			p.htm.AppendChild(p.head)
			p.stack = append(p.stack, p.head)
			p.mode = modeInHead
			if t.atom == atom.Head {
				p.head.Attr = t.attr
				return true
			}
		case modeInHead:
			if t.atom == atom.Head {
				return true // ignored
			}
			if headTag(t.atom) {
				return p.inHead(t)
			}
			if t.atom == atom.Html || t.atom == atom.Template {
				return false
			}
			p.pop() // head
			p.mode = modeAfterHead
		case modeAfterHead:
			switch {
			case t.atom == atom.Body:
				p.body = p.insert(t, false)
				p.mode = modeInBody
				return true
			case t.atom == atom.Head:
				return true // ignored
			case headTag(t.atom):
				// Inserted into the head, which is not reopened: a raw
				// text element stays open on top of <html>.
				p.stack = append(p.stack, p.head)
				ok := p.inHead(t)
				p.stack = slices.DeleteFunc(p.stack, func(n *html.Node) bool { return n == p.head })
				return ok
			case t.atom == atom.Html || t.atom == atom.Frameset || t.atom == atom.Template:
				return false
			}
			p.body = p.insert(&quickTag{name: "body", atom: atom.Body}, false)
			p.mode = modeInBody
		case modeInBody:
			return p.inBody(t)
		}
	}
}

// formatting elements are reconstructed by the HTML5 algorithm when
// closed out of order: quickParse gives up instead.
func formatting(a atom.Atom) bool {
	switch a {
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S,
		atom.Small, atom.Strike, atom.Strong, atom.Tt, atom.U:
		return true
	}
	return false
}

// special elements: the HTML5 "special" category of the HTML namespace,
// as golang.org/x/net/html lists it.
func special(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Applet, atom.Area, atom.Article, atom.Aside, atom.Base, atom.Basefont,
		atom.Bgsound, atom.Blockquote, atom.Body, atom.Br, atom.Button, atom.Caption, atom.Center,
		atom.Col, atom.Colgroup, atom.Dd, atom.Details, atom.Dir, atom.Div, atom.Dl, atom.Dt,
		atom.Embed, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.Frame,
		atom.Frameset, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Header,
		atom.Hgroup, atom.Hr, atom.Html, atom.Iframe, atom.Img, atom.Input, atom.Keygen, atom.Li,
		atom.Link, atom.Listing, atom.Main, atom.Marquee, atom.Menu, atom.Meta, atom.Nav,
		atom.Noembed, atom.Noframes, atom.Noscript, atom.Object, atom.Ol, atom.P, atom.Param,
		atom.Plaintext, atom.Pre, atom.Script, atom.Section, atom.Select, atom.Source,
		atom.Style, atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Template, atom.Textarea,
		atom.Tfoot, atom.Th, atom.Thead, atom.Title, atom.Tr, atom.Track, atom.Ul, atom.Wbr, atom.Xmp:
		return true
	}
	return false
}

// impliedEnd elements are closed by "generate implied end tags".
func impliedEnd(a atom.Atom) bool {
	switch a {
	case atom.Dd, atom.Dt, atom.Li, atom.Optgroup, atom.Option, atom.P, atom.Rb, atom.Rp, atom.Rt, atom.Rtc:
		return true
	}
	return false
}

// inScope finds the innermost open element with atom a within the
// default scope (stopped by html; the other scope markers make quickParse
// give up before they open), or also by extra; -1 if none.
func (p *quickParser) inScope(a atom.Atom, extra ...atom.Atom) int {
	for i := len(p.stack) - 1; i >= 0; i-- {
		n := p.stack[i]
		if n.DataAtom == a {
			return i
		}
		if n.DataAtom == atom.Html || n.DataAtom == atom.Select {
			return -1 // the scope markers quickParse lets open
		}
		for _, x := range extra {
			if n.DataAtom == x {
				return -1
			}
		}
	}
	return -1
}

// generateImpliedEnd pops implied-end elements other than except.
func (p *quickParser) generateImpliedEnd(except atom.Atom) {
	for {
		a := p.top().DataAtom
		if !impliedEnd(a) || a == except {
			return
		}
		p.pop()
	}
}

// popTo pops the stack down to (and including) index i; false when a
// formatting element would be popped out of order.
func (p *quickParser) popTo(i int) bool {
	for len(p.stack)-1 > i {
		if formatting(p.top().DataAtom) {
			return false
		}
		p.pop()
	}
	p.pop()
	return true
}

// closeP closes a p element in button scope, if any.
func (p *quickParser) closeP() bool {
	i := p.inScope(atom.P, atom.Button)
	if i < 0 {
		return true
	}
	p.generateImpliedEnd(atom.P)
	return p.popTo(i)
}

// inBody runs the "in body" rules for a start tag.
func (p *quickParser) inBody(t *quickTag) bool {
	switch t.atom {
	case atom.Html, atom.Body, atom.Frameset, atom.Template, atom.Nobr, atom.Applet, atom.Marquee,
		atom.Object, atom.Table, atom.Image, atom.Rb, atom.Rtc, atom.Rp, atom.Rt, atom.Math:
		return false
	case atom.Select:
		if i := p.inScope(atom.Select); i >= 0 {
			return p.popTo(i) // a select inside a select closes it and is dropped
		}
		p.insert(t, false)
	case atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta, atom.Title, atom.Noframes,
		atom.Style, atom.Script:
		return p.inHead(t)
	case atom.Noscript, atom.Iframe, atom.Noembed:
		p.insert(t, false)
		t.raw = t.name
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure,
		atom.Footer, atom.Header, atom.Hgroup, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P,
		atom.Search, atom.Section, atom.Summary, atom.Ul:
		if !p.closeP() {
			return false
		}
		p.insert(t, false)
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if !p.closeP() {
			return false
		}
		switch p.top().DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			p.pop()
		}
		p.insert(t, false)
	case atom.Pre, atom.Listing:
		if !p.closeP() {
			return false
		}
		p.insert(t, false)
	case atom.Form:
		if p.form != nil {
			return true // ignored
		}
		if !p.closeP() {
			return false
		}
		p.form = p.insert(t, false)
	case atom.Li, atom.Dd, atom.Dt:
		for i := len(p.stack) - 1; i >= 0; i-- {
			n := p.stack[i]
			same := n.DataAtom == t.atom || t.atom != atom.Li && (n.DataAtom == atom.Dd || n.DataAtom == atom.Dt)
			if same {
				p.generateImpliedEnd(n.DataAtom)
				if !p.popTo(i) {
					return false
				}
				break
			}
			if special(n.DataAtom) && n.DataAtom != atom.Address && n.DataAtom != atom.Div && n.DataAtom != atom.P {
				break
			}
		}
		if !p.closeP() {
			return false
		}
		p.insert(t, false)
	case atom.Plaintext:
		return false
	case atom.Button:
		if i := p.inScope(atom.Button); i >= 0 {
			p.generateImpliedEnd(0)
			if !p.popTo(i) {
				return false
			}
		}
		p.insert(t, false)
	case atom.A:
		for _, n := range p.stack {
			if n.DataAtom == atom.A {
				return false // the adoption agency
			}
		}
		sortAttrs(t.attr)
		p.insert(t, false)
	case atom.Area, atom.Br, atom.Embed, atom.Img, atom.Keygen, atom.Wbr, atom.Param, atom.Source, atom.Track:
		p.insert(t, true)
	case atom.Input:
		if i := p.inScope(atom.Select); i >= 0 && !p.popTo(i) {
			return false
		}
		p.insert(t, true)
	case atom.Hr:
		if !p.closeP() {
			return false
		}
		if p.inScope(atom.Select) >= 0 {
			p.generateImpliedEnd(0)
		}
		p.insert(t, true)
	case atom.Textarea:
		p.insert(t, false)
		t.raw = t.name
	case atom.Xmp:
		if !p.closeP() {
			return false
		}
		p.insert(t, false)
		t.raw = t.name
	case atom.Optgroup, atom.Option:
		switch {
		case p.inScope(atom.Select) >= 0 && t.atom == atom.Option:
			p.generateImpliedEnd(atom.Optgroup)
		case p.inScope(atom.Select) >= 0:
			p.generateImpliedEnd(0)
		case p.top().DataAtom == atom.Option:
			p.pop()
		}
		p.insert(t, false)
	case atom.Svg:
		// run dropped its contents and read the end tag.
		if !t.svgClosed {
			return false
		}
		n := p.insert(t, true)
		n.Namespace = "svg"
	case atom.Caption, atom.Col, atom.Colgroup, atom.Frame, atom.Head, atom.Tbody, atom.Td,
		atom.Tfoot, atom.Th, atom.Thead, atom.Tr:
		return true // ignored outside tables
	default:
		if formatting(t.atom) {
			same := 0
			for _, n := range p.stack {
				if n.DataAtom == t.atom {
					same++
				}
			}
			if same >= 3 {
				return false // the Noah's Ark clause
			}
			sortAttrs(t.attr)
		}
		p.insert(t, false)
	}
	return true
}

// endTag runs the tree construction for an end tag.
func (p *quickParser) endTag(name string) bool {
	a := lookupAtom(name)
	switch p.mode {
	case modeBeforeHTML, modeBeforeHead, modeAfterHead:
		switch a {
		case atom.Head, atom.Body, atom.Html, atom.Br:
			return false
		}
		return true // ignored
	case modeInHead:
		switch a {
		case atom.Head:
			p.pop()
			p.mode = modeAfterHead
			return true
		case atom.Body, atom.Html, atom.Br, atom.Template:
			return false
		}
		return true // ignored
	}
	switch a {
	case atom.Body, atom.Html:
		// Content after </body> still goes into the body.
		return p.inScope(atom.Body) >= 0
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Button, atom.Center,
		atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption,
		atom.Figure, atom.Footer, atom.Header, atom.Hgroup, atom.Listing, atom.Main, atom.Menu,
		atom.Nav, atom.Ol, atom.Pre, atom.Search, atom.Section, atom.Select, atom.Summary, atom.Ul:
		i := p.inScope(a)
		if i < 0 {
			return true // ignored
		}
		p.generateImpliedEnd(0)
		return p.popTo(i)
	case atom.Form:
		if p.form != nil && p.top() == p.form {
			p.pop()
			p.form = nil
			return true
		}
		return false
	case atom.P:
		if p.inScope(atom.P, atom.Button) < 0 {
			// An end tag without a start: an empty p element.
			p.insert(&quickTag{name: "p", atom: atom.P}, true)
			return true
		}
		return p.closeP()
	case atom.Li:
		i := p.inScope(atom.Li, atom.Ol, atom.Ul)
		if i < 0 {
			return true
		}
		p.generateImpliedEnd(atom.Li)
		return p.popTo(i)
	case atom.Dd, atom.Dt:
		i := p.inScope(a)
		if i < 0 {
			return true
		}
		p.generateImpliedEnd(a)
		return p.popTo(i)
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		i := -1
		for _, h := range [...]atom.Atom{atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6} {
			i = max(i, p.inScope(h))
		}
		if i < 0 {
			return true
		}
		p.generateImpliedEnd(0)
		return p.popTo(i)
	case atom.Br:
		p.insert(&quickTag{name: "br", atom: atom.Br}, true)
		return true
	case atom.Template, atom.Applet, atom.Marquee, atom.Object, atom.Table, atom.Svg, atom.Math:
		return false
	}
	if formatting(a) {
		if p.top().Data == name {
			p.pop()
			return true
		}
		for _, n := range p.stack {
			if n.DataAtom == a {
				return false // the adoption agency
			}
		}
		return true // ignored: not open
	}
	// Any other end tag.
	for i := len(p.stack) - 1; i >= 0; i-- {
		n := p.stack[i]
		if n.Data == name && n.Namespace == "" {
			p.generateImpliedEnd(n.DataAtom)
			return p.popTo(i)
		}
		if special(n.DataAtom) {
			return true // ignored
		}
	}
	return true
}
