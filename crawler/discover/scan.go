package discover

import (
	"bytes"
	"html"
	"strings"
	"unicode/utf8"
)

// tagScanner finds start tags in HTML the way golang.org/x/net/html's
// Tokenizer does (same states for text, tags, attributes, comments,
// markup declarations, raw text and script data), but it skips text with
// bytes.IndexByte and allocates nothing per tag: link extraction runs on
// every crawled page, and the tokenizer's per-byte reads and per-tag
// copies were most of its cost. FuzzTagScanner checks it against the
// tokenizer.
type tagScanner struct {
	b      []byte
	i      int
	rawTag string // lower-case name of the raw text element just opened
	attrs  []rawAttr
}

type rawAttr struct{ key, val []byte }

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// rawTags are the elements whose content the tokenizer reads as raw text.
var rawTags = [...]string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"}

// next returns the name of the next start tag (as written) with its
// attributes in s.attrs; ok is false at the end of the input.
func (s *tagScanner) next() (name []byte, ok bool) {
	b := s.b
	for {
		if s.rawTag != "" {
			switch s.rawTag {
			case "plaintext":
				return nil, false
			case "script":
				s.skipScript()
			default:
				s.skipRaw()
			}
			s.rawTag = ""
		}
		j := bytes.IndexByte(b[s.i:], '<')
		if j < 0 {
			s.i = len(b)
			return nil, false
		}
		s.i += j + 1
		if s.i >= len(b) {
			return nil, false
		}
		c := b[s.i]
		switch {
		case isLetter(c):
			name, ok := s.readTag(true)
			if !ok {
				return nil, false
			}
			for _, r := range rawTags {
				if len(name) == len(r) && asciiEqualFold(name, r) {
					s.rawTag = r
					break
				}
			}
			return name, true
		case c == '/':
			s.i++
			if s.i >= len(b) {
				return nil, false
			}
			c = b[s.i]
			switch {
			case c == '>':
				s.i++
			case isLetter(c):
				if _, ok := s.readTag(false); !ok {
					return nil, false
				}
			default:
				if !s.skipToCloseAngle() {
					return nil, false
				}
			}
		case c == '!':
			s.i++
			if s.i+1 < len(b) && b[s.i] == '-' && b[s.i+1] == '-' {
				s.i += 2
				if !s.skipComment() {
					return nil, false
				}
			} else if !s.skipToCloseAngle() {
				return nil, false
			}
		case c == '?':
			if !s.skipToCloseAngle() {
				return nil, false
			}
		}
		// Otherwise the '<' was text; the scan goes on from c.
	}
}

// skipToCloseAngle moves past the next '>'; false at the end of input.
func (s *tagScanner) skipToCloseAngle() bool {
	j := bytes.IndexByte(s.b[s.i:], '>')
	if j < 0 {
		s.i = len(s.b)
		return false
	}
	s.i += j + 1
	return true
}

// skipComment moves past a comment whose "<!--" was read: it ends at
// "-->" (or "<!-->", "<!--->") or "--!>".
func (s *tagScanner) skipComment() bool {
	b := s.b
	dashes, beginning := 0, true
	for s.i < len(b) {
		c := b[s.i]
		s.i++
		switch c {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return true
			}
		case '!':
			if dashes >= 2 {
				if s.i >= len(b) {
					return false
				}
				c = b[s.i]
				s.i++
				if c == '>' {
					return true
				}
				if c == '-' {
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return false
}

// readTag reads a tag whose name starts at s.i (after "<" or "</") up to
// its '>', collecting attributes when save is set. ok is false when the
// input ends inside the tag (the tokenizer drops such a tag).
func (s *tagScanner) readTag(save bool) (name []byte, ok bool) {
	b := s.b
	start := s.i
	s.i++
	for {
		if s.i >= len(b) {
			return nil, false
		}
		c := b[s.i]
		if isSpace(c) {
			name = b[start:s.i]
			s.i++
			break
		}
		if c == '/' || c == '>' {
			name = b[start:s.i]
			break
		}
		s.i++
	}
	s.attrs = s.attrs[:0]
	if !s.skipSpace() {
		return nil, false
	}
	for {
		if s.i >= len(b) {
			return nil, false
		}
		if b[s.i] == '>' {
			s.i++
			return name, true
		}
		key := s.readAttrKey()
		val, ok := s.readAttrVal()
		if !ok {
			return nil, false
		}
		if save && len(key) > 0 && !s.hasAttr(key) {
			s.attrs = append(s.attrs, rawAttr{key, val})
		}
		if !s.skipSpace() {
			return nil, false
		}
	}
}

func (s *tagScanner) hasAttr(key []byte) bool {
	for _, a := range s.attrs {
		if asciiOnlyFoldEqual(a.key, key) {
			return true
		}
	}
	return false
}

// skipSpace skips white space; false at the end of input.
func (s *tagScanner) skipSpace() bool {
	for s.i < len(s.b) {
		if !isSpace(s.b[s.i]) {
			return true
		}
		s.i++
	}
	return false
}

// readAttrKey reads an attribute name; a leading '=' belongs to it.
func (s *tagScanner) readAttrKey() []byte {
	b := s.b
	start := s.i
	for s.i < len(b) {
		c := b[s.i]
		s.i++
		switch c {
		case '=':
			if s.i-1 == start {
				continue
			}
			fallthrough
		case ' ', '\n', '\r', '\t', '\f', '/', '>':
			s.i--
			return b[start:s.i]
		}
	}
	return b[start:s.i]
}

// readAttrVal reads "= value" after a name, if present; ok is false at
// the end of input.
func (s *tagScanner) readAttrVal() (val []byte, ok bool) {
	b := s.b
	if !s.skipSpace() {
		return nil, false
	}
	c := b[s.i]
	s.i++
	if c == '/' {
		return nil, true
	}
	if c != '=' {
		s.i--
		return nil, true
	}
	if !s.skipSpace() {
		return nil, false
	}
	q := b[s.i]
	s.i++
	switch q {
	case '>':
		s.i--
		return nil, true
	case '\'', '"':
		j := bytes.IndexByte(b[s.i:], q)
		if j < 0 {
			s.i = len(b)
			return nil, false
		}
		val = b[s.i : s.i+j]
		s.i += j + 1
		return val, true
	default:
		start := s.i - 1
		for s.i < len(b) {
			c := b[s.i]
			s.i++
			switch c {
			case ' ', '\n', '\r', '\t', '\f':
				return b[start : s.i-1], true
			case '>':
				s.i--
				return b[start:s.i], true
			}
		}
		return nil, false
	}
}

// rawEndTagAt reports whether b[i:] is "</" + s.rawTag followed by a
// space, '/' or '>' (the tag name case-insensitively).
func (s *tagScanner) rawEndTagAt(i int) bool {
	b := s.b
	n := len(s.rawTag)
	if i+2+n >= len(b) || b[i] != '<' || b[i+1] != '/' {
		return false
	}
	if !asciiEqualFold(b[i+2:i+2+n], s.rawTag) {
		return false
	}
	c := b[i+2+n]
	return isSpace(c) || c == '/' || c == '>'
}

// skipRaw moves to the "</name" that ends raw text (or the end).
func (s *tagScanner) skipRaw() {
	b := s.b
	for {
		j := bytes.Index(b[s.i:], []byte("</"))
		if j < 0 {
			s.i = len(b)
			return
		}
		if s.rawEndTagAt(s.i + j) {
			s.i += j
			return
		}
		s.i += j + 1
	}
}

// skipScript moves to the "</script" that ends script data, following
// the tokenizer's escaped and double-escaped states.
func (s *tagScanner) skipScript() {
	b := s.b
	const (
		data = iota
		escaped
		escapedDash
		escapedDashDash
		double
		doubleDash
		doubleDashDash
	)
	state := data
	for s.i < len(b) {
		if state == data {
			j := bytes.IndexByte(b[s.i:], '<')
			if j < 0 {
				s.i = len(b)
				return
			}
			s.i += j
			if s.rawEndTagAt(s.i) {
				return
			}
			s.i++
			if s.i+2 < len(b) && b[s.i] == '!' && b[s.i+1] == '-' && b[s.i+2] == '-' {
				s.i += 3
				state = escapedDashDash
			}
			continue
		}
		c := b[s.i]
		switch state {
		case escaped, escapedDash, escapedDashDash:
			switch c {
			case '-':
				s.i++
				if state == escaped {
					state = escapedDash
				} else {
					state = escapedDashDash
				}
				continue
			case '>':
				s.i++
				if state == escapedDashDash {
					state = data
				} else {
					state = escaped
				}
				continue
			case '<':
				if s.rawEndTagAt(s.i) {
					return
				}
				s.i++
				switch {
				case s.i >= len(b):
				case b[s.i] == '/':
					state = escaped // not our end tag: '/' and the rest are script text
				case isLetter(b[s.i]):
					if s.i+6 < len(b) && asciiEqualFold(b[s.i:s.i+6], "script") {
						if t := b[s.i+6]; isSpace(t) || t == '/' || t == '>' {
							s.i += 7
							state = double
							continue
						}
					}
					state = escaped
				default:
					state = data // as the tokenizer does
				}
				continue
			}
			s.i++
			state = escaped
		default: // double-escaped states
			switch c {
			case '-':
				s.i++
				if state == double {
					state = doubleDash
				} else {
					state = doubleDashDash
				}
				continue
			case '>':
				s.i++
				if state == doubleDashDash {
					state = data
				} else {
					state = double
				}
				continue
			case '<':
				if s.rawEndTagAt(s.i) {
					s.i += len("</script>")
					state = escaped
					continue
				}
				s.i++
				state = double
				continue
			}
			s.i++
			state = double
		}
	}
}

func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// asciiOnlyFoldEqual compares with ASCII case folding only (bytes.EqualFold
// also folds Unicode, which the tokenizer does not).
func asciiOnlyFoldEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// attr returns the value of the attribute named lower (lower case), as
// the tokenizer would: NULs replaced, newlines normalized, character
// references decoded with the attribute-value rules.
func (s *tagScanner) attr(lower string) ([]byte, bool) {
	for _, a := range s.attrs {
		if asciiEqualFold(a.key, lower) {
			return a.val, true
		}
	}
	return nil, false
}

// attrValue decodes a raw attribute value.
func attrValue(v []byte) string {
	if bytes.IndexByte(v, 0) < 0 && bytes.IndexByte(v, '\r') < 0 && bytes.IndexByte(v, '&') < 0 {
		return string(v)
	}
	str := strings.ReplaceAll(string(v), "\x00", "\uFFFD")
	str = strings.ReplaceAll(str, "\r\n", "\n")
	str = strings.ReplaceAll(str, "\r", "\n")
	if strings.IndexByte(str, '&') < 0 {
		return str
	}
	var out strings.Builder
	for i := 0; i < len(str); {
		if str[i] != '&' {
			out.WriteByte(str[i])
			i++
			continue
		}
		n, repl := attrEntity(str[i:])
		if n == 0 {
			out.WriteByte('&')
			i++
			continue
		}
		out.WriteString(repl)
		i += n
	}
	return out.String()
}

func isAlnum(c byte) bool { return isLetter(c) || '0' <= c && c <= '9' }

// attrEntity decodes the character reference at the start of s ("&…")
// with the rules for attribute values: a named reference must match a
// name exactly (no prefix matching) and one without ';' followed by '='
// stays literal. It returns the bytes consumed (0: not a reference).
func attrEntity(s string) (int, string) {
	if len(s) <= 1 {
		return 0, ""
	}
	i := 1
	if s[1] == '#' {
		i = 2
		hex := false
		if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
			hex = true
			i++
		}
		i0 := i
		for i < len(s) && ('0' <= s[i] && s[i] <= '9' || hex && ('a' <= s[i] && s[i] <= 'f' || 'A' <= s[i] && s[i] <= 'F')) {
			i++
		}
		if i == i0 {
			return 0, ""
		}
		if i < len(s) && s[i] == ';' {
			i++
		}
		return i, numericEntity(s[:i])
	}
	for i < len(s) && isAlnum(s[i]) {
		i++
	}
	if i == 1 {
		return 0, ""
	}
	if i < len(s) && s[i] == ';' {
		i++
	} else if i < len(s) && s[i] == '=' {
		return 0, ""
	}
	cand := s[:i]
	dec := html.UnescapeString(cand)
	// html.UnescapeString also decodes a prefix ("&notit" -> "¬it"); an
	// exact match leaves no letters or digits (no entity stands for one).
	if dec == cand || strings.IndexFunc(dec, func(r rune) bool { return r < utf8.RuneSelf && isAlnum(byte(r)) }) >= 0 {
		return 0, ""
	}
	return i, dec
}

// numericEntity decodes "&#NNN;" or "&#xHHH;" (with or without ';') as
// the HTML tokenizer does: out-of-range and surrogate values become
// U+FFFD, 0x80-0x9F are read as Windows-1252.
func numericEntity(s string) string {
	t := s
	if !strings.HasSuffix(t, ";") {
		t += ";"
	}
	return html.UnescapeString(t)
}
