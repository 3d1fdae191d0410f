package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// streamLine is one decoded line of `process --jsonl` input: streamInput
// with the document as bytes (nil when absent or null).
type streamLine struct {
	ID, URL    string
	HTML, Text []byte
	// buf holds unescaped strings; decode reuses it from line to line, so
	// HTML and Text are valid until the next decode.
	buf []byte
}

// decode fills l from one JSON line with the meaning json.Unmarshal into
// streamInput gives it. The usual line — one flat object of string or
// null members, keys spelled in lower case — is read by a direct scanner
// (json.Unmarshal validates and unquotes a 200 KB page in a few
// milliseconds, more than the page takes to extract); anything else goes
// through json.Unmarshal, which also words the errors.
func (l *streamLine) decode(line []byte) error {
	if l.decodeFast(line) {
		return nil
	}
	var in streamInput
	if err := json.Unmarshal(line, &in); err != nil {
		return err
	}
	*l = streamLine{ID: in.ID, URL: in.URL, buf: l.buf}
	if in.HTML != nil {
		l.HTML = []byte(*in.HTML)
	}
	if in.Text != nil {
		l.Text = []byte(*in.Text)
	}
	return nil
}

// decodeFast is the scanner of decode; it reports false, leaving l in
// any state, for input it does not handle.
func (l *streamLine) decodeFast(b []byte) bool {
	*l = streamLine{buf: l.buf[:0]}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end := i + 1 + bytes.IndexByte(b[i+1:], '"')
		if end <= i {
			return false
		}
		key := b[i+1 : end]
		for _, c := range key {
			if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				return false // escapes, control characters, non-ASCII keys
			}
		}
		i = skipSpace(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return false
		}
		var val []byte
		null := false
		switch {
		case b[i] == '"':
			v, next, ok := unquoteJSON(b, i, &l.buf)
			if !ok {
				return false
			}
			val, i = v, next
		case bytes.HasPrefix(b[i:], []byte("null")):
			null, i = true, i+4
		default:
			return false
		}
		switch string(key) {
		case "id":
			if !null {
				l.ID = string(val)
			}
		case "url":
			if !null {
				l.URL = string(val)
			}
		case "html":
			l.HTML = nonNil(val, null)
		case "text":
			l.Text = nonNil(val, null)
		default:
			for _, k := range [...]string{"id", "url", "html", "text"} {
				if bytes.EqualFold(key, []byte(k)) {
					return false // json.Unmarshal matches keys case-insensitively
				}
			}
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// nonNil returns v, never nil unless null (an empty JSON string is a
// present, empty document).
func nonNil(v []byte, null bool) []byte {
	if null {
		return nil
	}
	if v == nil {
		return []byte{}
	}
	return v
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// jsonPlain marks the bytes a JSON string holds as they are: not '"',
// not '\\', not a control character. Multi-byte UTF-8 is plain; the
// result is checked for validity once.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Byte-lane constants of the eight-bytes-at-a-time scan in plainRun.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// notPlain8 is non-zero when one of the eight bytes of w is not plain
// (jsonPlain): a '"', a '\\' or a byte below 0x20. The tests for a zero
// byte, (x - 0x01…) &^ x & 0x80…, and for a byte below n, (w - n…) &^ w &
// 0x80…, are exact as to whether there is one.
func notPlain8(w uint64) uint64 {
	q := w ^ (lanes01 * '"')
	e := w ^ (lanes01 * '\\')
	return ((q-lanes01)&^q | (e-lanes01)&^e | (w-lanes01*0x20)&^w) & lanes80
}

// plainRun returns the index of the first byte at or after i that is not
// plain (jsonPlain), reading eight bytes at a time where it can.
func plainRun(b []byte, i int) int {
	for i+8 <= len(b) {
		if m := notPlain8(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			// Lanes below the first byte that is not plain are exact:
			// the lowest mark is that byte.
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(b) && jsonPlain[b[i]] {
		i++
	}
	return i
}

// copyPlain copies the plain run of b at i to dst at w, eight bytes at a
// time (dst has room for eight bytes past the longest output), and
// returns the indexes after it.
func copyPlain(dst []byte, w int, b []byte, i int) (int, int) {
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		binary.LittleEndian.PutUint64(dst[w:], x)
		if m := notPlain8(x); m != 0 {
			k := bits.TrailingZeros64(m) >> 3
			return w + k, i + k
		}
		i, w = i+8, w+8
	}
	for i < len(b) && jsonPlain[b[i]] {
		dst[w] = b[i]
		i, w = i+1, w+1
	}
	return w, i
}

// unquoteJSON decodes the JSON string starting at b[i] (a '"'); it
// returns the bytes, the index after the closing quote, and false for
// what it leaves to encoding/json (which replaces invalid UTF-8 and lone
// surrogates with U+FFFD and rejects bad escapes and control
// characters). A string without escapes is returned as a slice of b;
// one with escapes is appended to *buf (the result aliases it).
func unquoteJSON(b []byte, i int, buf *[]byte) ([]byte, int, bool) {
	i++
	start := i
	i = plainRun(b, i)
	if i < len(b) && b[i] == '"' {
		// nothing to unescape: alias the line
		return b[start:i], i + 1, utf8.Valid(b[start:i])
	}
	// The output is never longer than the input (every escape is longer
	// than what it stands for), plus eight bytes of slack for copyPlain.
	from := len(*buf)
	need := from + len(b) - start + 8
	if cap(*buf) < need {
		*buf = append(make([]byte, 0, need), *buf...)
	}
	dst := (*buf)[:cap(*buf)]
	w := from + copy(dst[from:], b[start:i])
	for {
		if i >= len(b) {
			return nil, 0, false
		}
		switch c := b[i]; {
		case c == '"':
			*buf = dst[:w]
			out := dst[from:w]
			return out, i + 1, utf8.Valid(out)
		case c != '\\' || i+1 >= len(b):
			return nil, 0, false // a control character, or a '\\' at the end
		}
		switch e := b[i+1]; e {
		case 'u':
			if i+5 < len(b) && b[i+2] == '0' && b[i+3] == '0' {
				// \u00XX: the escapes of <, >, & and control characters
				if hi, lo := unhex(b[i+4]), unhex(b[i+5]); hi < 8 && lo < 16 {
					dst[w] = hi<<4 | lo
					w, i = copyPlain(dst, w+1, b, i+6)
					continue
				}
			}
			r, ok := hex4(b, i+2)
			if !ok {
				return nil, 0, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
					r2, ok = hex4(b, i+2)
				}
				r = utf16.DecodeRune(r, r2)
				if !ok || r == utf8.RuneError {
					return nil, 0, false
				}
				i += 6
			}
			w += utf8.EncodeRune(dst[w:], r)
			w, i = copyPlain(dst, w, b, i)
			continue
		case '"', '\\', '/':
			dst[w] = e
		case 'b':
			dst[w] = '\b'
		case 'f':
			dst[w] = '\f'
		case 'n':
			dst[w] = '\n'
		case 'r':
			dst[w] = '\r'
		case 't':
			dst[w] = '\t'
		default:
			return nil, 0, false
		}
		w, i = copyPlain(dst, w+1, b, i+2)
	}
}

// unhex is the value of a hex digit, 16 for another byte.
func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return 16
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
