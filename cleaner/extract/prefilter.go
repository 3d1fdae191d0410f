package extract

import (
	"strings"
	"unsafe"
)

// stripRaw removes, before parsing, what the extractor never reads and the
// tokenizer would scan byte by byte: the contents of <script> (except
// JSON-LD), <style> and <svg> elements, comments, and the attributes of
// start tags that neither the extractor nor the tree construction reads
// (keptAttrs: src, srcset, data-*, aria-*, on* … go). On typical news
// pages that is half of the bytes and most of the attributes, which the
// tokenizer copies and lower-cases one by one. The element tags
// themselves are kept, so the tree has the same shape (a differential
// fuzz test parses both and compares). s is returned unchanged when there
// is nothing to strip.
func stripRaw(s string) string {
	st := stripper{s: s}
	return st.run()
}

// stripper is the state of one stripRaw pass: the output is built lazily,
// s[last:] being what is still to be copied.
type stripper struct {
	s    string
	b    []byte
	last int
}

// drop leaves s[from:to] out of the output.
func (st *stripper) drop(from, to int) {
	if st.b == nil {
		st.b = make([]byte, 0, len(st.s)) // never outgrown: the output is shorter
	}
	st.b = append(st.b, st.s[st.last:from]...)
	st.last = to
}

func (st *stripper) run() string {
	s := st.s
	i := 0
scan:
	for i < len(s) {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 || i+j+1 >= len(s) {
			break scan
		}
		i += j
		rest := s[i:]
		switch c := rest[1]; {
		case c == '!':
			if strings.HasPrefix(rest, "<!--") {
				stop := commentEnd(s, i+4)
				st.drop(i, stop)
				i = stop
				continue
			}
			i++ // a doctype or bogus comment: no '<' inside matters
			continue
		case !isASCIILetter(c):
			i++ // an end tag, "<?" or a literal '<'
			continue
		}
		if name := rawElementAt(rest); name != "" {
			gt := strings.IndexByte(rest, '>')
			if gt < 0 {
				break scan
			}
			contentStart := i + gt + 1
			if name == "svg" {
				// Its attributes go too (the parser renames SVG ones).
				next, _, ok := st.startTag(i)
				if !ok {
					break scan
				}
				contentStart = next
			}
			end := indexCloseTag(s[contentStart:], name)
			if end < 0 {
				// Unterminated: leave the rest to the tokenizer.
				break scan
			}
			if !(name == "script" && containsFold(rest[:gt], "ld+json")) {
				st.drop(contentStart, contentStart+end)
			}
			i = contentStart + end + 2 + len(name)
			continue
		}
		next, name, ok := st.startTag(i)
		if !ok {
			break scan // an unterminated tag: leave the rest to the tokenizer
		}
		i = next
		if name == "plaintext" {
			break scan // text up to the end of the document
		}
		if textElements[name] {
			// Raw text or RCDATA: its '<' are text, not tags.
			end := indexCloseTag(s[i:], name)
			if end < 0 {
				break scan
			}
			i += end + 2 + len(name)
		}
	}
	if st.b == nil {
		return s
	}
	st.b = append(st.b, s[st.last:]...)
	// b is not written again: hand it over without a copy.
	return unsafe.String(unsafe.SliceData(st.b), len(st.b))
}

// commentEnd returns the index after the comment whose text starts at
// s[i] (after "<!--"), ending it where the tokenizer does: at "-->",
// "--!>", a '>' after nothing but dashes ("<!-->", "<!--->"), or the end.
func commentEnd(s string, i int) int {
	dashes, beginning := 0, true
	for ; i < len(s); i++ {
		switch s[i] {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return i + 1
			}
		case '!':
			if dashes >= 2 && i+1 < len(s) && s[i+1] == '>' {
				return i + 2
			}
		}
		dashes, beginning = 0, false
	}
	return len(s)
}

// textElements hold raw text or RCDATA for the tokenizer (noscript too:
// the parser runs with scripting enabled; <plaintext> never ends).
var textElements = map[string]bool{
	"title": true, "textarea": true, "xmp": true, "iframe": true, "noembed": true,
	"noframes": true, "noscript": true, "plaintext": true,
}

// keptAttrs are the attributes the extractor reads (id, class, style,
// hidden, itemprop, lang, datetime; name, property, content of <meta>;
// rel, href of <link>; type of <script>) and those the tree construction
// looks at (type of <input>, encoding of <annotation-xml>, color, face
// and size of <font>), plus charset and http-equiv.
var keptAttrs = map[string]bool{
	"id": true, "class": true, "style": true, "hidden": true, "itemprop": true, "lang": true,
	"datetime": true, "name": true, "property": true, "content": true, "rel": true, "href": true,
	"type": true, "encoding": true, "color": true, "face": true, "size": true, "charset": true,
	"http-equiv": true,
}

// startTag reads the start tag at s[i] (a '<' and a letter) as the
// tokenizer does, dropping the attributes not in keptAttrs. It returns
// the index after the tag's '>', its lower-cased name when the name
// matters (a text element), and false when the tag does not end.
func (st *stripper) startTag(i int) (next int, name string, ok bool) {
	s := st.s
	p := i + 1
	for p < len(s) && !isTagSpace(s[p]) && s[p] != '/' && s[p] != '>' {
		p++
	}
	if n := p - i - 1; n >= 3 && n <= 9 {
		var buf [9]byte
		for k := range n {
			buf[k] = lowerASCII(s[i+1+k])
		}
		if textElements[string(buf[:n])] {
			name = string(buf[:n])
		}
	}
	for {
		for p < len(s) && isTagSpace(s[p]) {
			p++
		}
		if p >= len(s) {
			return 0, "", false
		}
		if s[p] == '>' {
			return p + 1, name, true
		}
		// Attribute name: a leading '=' belongs to it.
		keyStart := p
		if s[p] == '=' {
			p++
		}
		for p < len(s) && !isTagSpace(s[p]) && s[p] != '/' && s[p] != '>' && s[p] != '=' {
			p++
		}
		keyEnd := p
		attrEnd := p // the end of the attribute's text (key and value)
		// Value, after optional spaces and '='.
		q := p
		for q < len(s) && isTagSpace(s[q]) {
			q++
		}
		switch {
		case q >= len(s):
			return 0, "", false
		case s[q] == '/':
			p = q + 1 // consumed, as the tokenizer does; not part of the attribute
		case s[q] == '=':
			q++
			for q < len(s) && isTagSpace(s[q]) {
				q++
			}
			switch {
			case q >= len(s):
				return 0, "", false
			case s[q] == '>':
				attrEnd, p = q, q
			case s[q] == '"' || s[q] == '\'':
				end := strings.IndexByte(s[q+1:], s[q])
				if end < 0 {
					return 0, "", false
				}
				attrEnd = q + 1 + end + 1
				p = attrEnd
			default:
				for q < len(s) && !isTagSpace(s[q]) && s[q] != '>' {
					q++
				}
				attrEnd, p = q, q
			}
		default:
			p = q
		}
		if keyEnd > keyStart && !keptAttr(s[keyStart:keyEnd]) {
			st.drop(keyStart, attrEnd)
		}
	}
}

// keptAttr reports whether the attribute key (any case) is in keptAttrs.
func keptAttr(key string) bool {
	if len(key) > 10 {
		return false
	}
	var buf [10]byte
	for k := range len(key) {
		buf[k] = lowerASCII(key[k])
	}
	return keptAttrs[string(buf[:len(key)])]
}

func isTagSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// rawElementAt returns "script", "style" or "svg" when s starts with that
// start tag (any case), "" otherwise.
func rawElementAt(s string) string {
	if len(s) < 5 {
		return ""
	}
	for _, name := range [...]string{"script", "style", "svg"} {
		n := len(name) + 1
		if len(s) > n && strings.EqualFold(s[1:n], name) {
			switch s[n] {
			case ' ', '\t', '\n', '\r', '\f', '>', '/':
				return name
			}
		}
	}
	return ""
}

// indexCloseTag finds "</name" (any case) followed by a tag-ending byte.
func indexCloseTag(s, name string) int {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		n := 2 + len(name)
		if len(s) > i+n && s[i+1] == '/' && strings.EqualFold(s[i+2:i+n], name) {
			switch s[i+n] {
			case ' ', '\t', '\n', '\r', '\f', '>', '/':
				return i
			}
		}
		i++
	}
	return -1
}

// containsFold reports whether substr (lower-case ASCII) occurs in s,
// ignoring ASCII case.
func containsFold(s, substr string) bool {
	n := len(substr)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], substr) {
			return true
		}
	}
	return false
}
