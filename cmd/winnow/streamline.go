package main

import (
	"bytes"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

// streamLine is one decoded line of `process --jsonl` input: streamInput
// with the document as bytes (nil when absent or null).
type streamLine struct {
	ID, URL    string
	HTML, Text []byte
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
	*l = streamLine{ID: in.ID, URL: in.URL}
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
	*l = streamLine{}
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
			v, next, ok := unquoteJSON(b, i)
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

// plainRun returns the index of the first byte at or after i that is not
// plain (jsonPlain).
func plainRun(b []byte, i int) int {
	for i < len(b) && jsonPlain[b[i]] {
		i++
	}
	return i
}

// unquoteJSON decodes the JSON string starting at b[i] (a '"'); it
// returns the bytes, the index after the closing quote, and false for
// what it leaves to encoding/json (which replaces invalid UTF-8 and lone
// surrogates with U+FFFD and rejects bad escapes and control
// characters).
func unquoteJSON(b []byte, i int) ([]byte, int, bool) {
	i++
	start := i
	i = plainRun(b, i)
	if i < len(b) && b[i] == '"' {
		// nothing to unescape: alias the line
		return b[start:i], i + 1, utf8.Valid(b[start:i])
	}
	out := make([]byte, 0, len(b)-start)
	for {
		run := i
		i = plainRun(b, i)
		out = append(out, b[run:i]...)
		if i >= len(b) {
			return nil, 0, false
		}
		c := b[i]
		switch {
		case c == '"':
			return out, i + 1, utf8.Valid(out)
		case c == '\\':
			if i+1 >= len(b) {
				return nil, 0, false
			}
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				if i+5 < len(b) && b[i+2] == '0' && b[i+3] == '0' {
					// \u00XX: the escapes of <, >, & and control characters
					hi, lo := unhex(b[i+4]), unhex(b[i+5])
					if hi < 8 && lo < 16 {
						out = append(out, hi<<4|lo)
						i += 6
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
				out = utf8.AppendRune(out, r)
				continue
			default:
				return nil, 0, false
			}
			i += 2
		default: // a control character
			return nil, 0, false
		}
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
