package record

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends a's JSON object to b: byte for byte what
// encoding/json's Encoder writes with SetEscapeHTML(false), without the
// trailing newline. It is the JSON-lines writers' fast path: no
// reflection, and valid UTF-8 text (all of a record's, normally) is
// copied without decoding it rune by rune.
func (a *Article) AppendJSON(b []byte) []byte {
	b = append(b, `{"schema_version":`...)
	b = strconv.AppendInt(b, int64(a.SchemaVersion), 10)
	b = appendField(b, `,"id":`, a.ID)
	b = appendField(b, `,"url":`, a.URL)
	b = appendField(b, `,"canonical_url":`, a.CanonicalURL)
	b = appendField(b, `,"source":`, a.Source)
	b = appendField(b, `,"site_name":`, a.SiteName)
	b = appendField(b, `,"section":`, a.Section)
	b = appendField(b, `,"title":`, a.Title)
	b = appendField(b, `,"subtitle":`, a.Subtitle)
	b = append(b, `,"authors":`...)
	b = appendStrings(b, a.Authors)
	b = appendField(b, `,"editor":`, a.Editor)
	b = appendField(b, `,"origin":`, a.Origin)
	b = appendField(b, `,"published_at":`, a.PublishedAt)
	b = appendField(b, `,"published_precision":`, a.PublishedPrecision)
	b = appendField(b, `,"fetched_at":`, a.FetchedAt)
	b = appendField(b, `,"lang":`, a.Lang)
	b = appendField(b, `,"script_in":`, a.ScriptIn)
	b = appendField(b, `,"script_out":`, a.ScriptOut)
	b = appendField(b, `,"body":`, a.Body)
	b = appendField(b, `,"content_hash":`, a.ContentHash)
	b = appendField(b, `,"hygiene":{"verdict":`, a.Hygiene.Verdict)
	b = append(b, `,"removed":`...)
	if a.Hygiene.Removed == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range a.Hygiene.Removed {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendField(b, `{"text":`, r.Text)
			b = appendField(b, `,"kind":`, r.Kind)
			b = appendField(b, `,"rule":`, r.Rule)
			b = appendField(b, `,"scope":`, r.Scope)
			b = appendField(b, `,"field":`, r.Field)
			b = appendField(b, `,"reason":`, r.Reason)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendField(b, `,"rules_version":`, a.Hygiene.RulesVersion)
	if a.Hygiene.PageReason != "" {
		b = appendField(b, `,"page_reason":`, a.Hygiene.PageReason)
	}
	b = append(b, `},"normalization":`...)
	if a.Normalization == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		keys := make([]string, 0, len(a.Normalization))
		for k := range a.Normalization {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, a.Normalization[k])
		}
		b = append(b, '}')
	}
	b = appendField(b, `,"raw_ref":`, a.RawRef)
	if a.InputID != "" {
		b = appendField(b, `,"input_id":`, a.InputID)
	}
	return append(b, '}')
}

func appendField(b []byte, name, s string) []byte {
	return appendString(append(b, name...), s)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does
// without HTML escaping: \" \\ \b \f \n \r \t, other control characters
// as \u00XX, invalid UTF-8 bytes as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	if !utf8.ValidString(s) {
		return appendStringSlow(b, s)
	}
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x20 && c != '"' && c != '\\' && c != 0xE2:
			continue
		case c == 0xE2:
			// U+2028 and U+2029 are E2 80 A8 and E2 80 A9; s is valid
			// UTF-8, so the two bytes after E2 exist.
			if s[i+1] != 0x80 || s[i+2]&^1 != 0xA8 {
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
			i += 2
		default:
			b = append(b, s[start:i]...)
			b = appendEscapedByte(b, c)
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendStringSlow is appendString's loop for text with invalid UTF-8;
// b has the opening quote.
func appendStringSlow(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendEscapedByte(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendEscapedByte appends the escape of an ASCII byte below 0x20, '"'
// or '\\'.
func appendEscapedByte(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}
