package zhmeta

import (
	"strings"
	"unicode/utf8"
)

// folded is a line prepared for matching: full-width ASCII forms, the
// ideographic space and a few compatibility colons and digits are folded
// to ASCII (the NFKC mappings that matter for bylines and dates). Matching
// runs on s; values are cut from the original text through off, so output
// keeps the source's characters.
type folded struct {
	orig string
	s    string
	// off[i] is the byte offset in orig of byte i of s; len(off) ==
	// len(s)+1. nil means s == orig (identity mapping).
	off []int32
}

// foldRune returns the ASCII fold of r, or r itself.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		return r - 0xFEE0
	case r == 0x3000, r == 0x00A0, r >= 0x2000 && r <= 0x200A, r == 0x202F, r == 0x205F:
		return ' '
	case r == 0xFE55, r == 0xFE13, r == 0xFE30, r == 0x2236: // ﹕ ︓ ︰ ∶
		return ':'
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits
		return '0' + (r-0x1D7CE)%10
	}
	return r
}

// needsFold reports whether s holds anything foldRune changes or invalid
// UTF-8.
func needsFold(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return true
		}
		if foldRune(r) != r {
			return true
		}
		i += n
	}
	return false
}

// fold prepares s for matching.
func fold(s string) folded {
	if !needsFold(s) {
		return folded{orig: s, s: s}
	}
	var b strings.Builder
	b.Grow(len(s))
	off := make([]int32, 0, len(s)+1)
	for i, r := range s {
		n := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		f := foldRune(r)
		before := b.Len()
		if r == utf8.RuneError && n == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteRune(f)
		}
		for range b.Len() - before {
			off = append(off, int32(i))
		}
	}
	off = append(off, int32(len(s)))
	return folded{orig: s, s: b.String(), off: off}
}

// origOff maps a byte offset of f.s to one of f.orig.
func (f folded) origOff(i int) int {
	if f.off == nil {
		return i
	}
	return int(f.off[i])
}

// origSpan returns the original text of f.s[i:j], made valid UTF-8.
func (f folded) origSpan(i, j int) string {
	a, b := f.origOff(i), f.origOff(j)
	if a >= b {
		return ""
	}
	return validUTF8(f.orig[a:b])
}

// validUTF8 drops invalid bytes, so that every string this package returns
// is valid UTF-8.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "")
}
