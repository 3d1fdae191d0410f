package hygiene

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folded is text prepared for matching, with a map back to the original:
// rune i of runes came from bytes [start[i], end[i]) of the original.
// The map is built only when asked for (foldText); the analysis folds
// with scanLine, which builds the folded string and counts the line's
// characters instead.
type folded struct {
	runes []rune
	start []int32
	end   []int32
	pos   bool // start and end are filled
	n     int  // runes of the original
	// same: the runes spell the original exactly (folding changed,
	// dropped and added nothing).
	same bool
	// exotic: some rune is outside ASCII, Han, CJK punctuation and
	// full-width forms.
	exotic bool
	// lookalike: some rune of the original is a letter written with a
	// look-alike code point (math bold, circled, squared: evasionSignal).
	lookalike bool
	// invalid: the original is not valid UTF-8.
	invalid bool
}

// foldText applies NFKC per rune, lower case, and drops zero-width and
// format characters. Per-rune NFKC keeps an exact map to the input; it
// differs from whole-string NFKC only for combining sequences, which do
// not matter for matching.
func foldText(s string) folded {
	n := utf8.RuneCountInString(s)
	p := make([]int32, 2*n)
	f := folded{runes: make([]rune, 0, n), start: p[0:0:n], end: p[n : n : 2*n], pos: true, same: true}
	push := func(r rune, st, en int) {
		f.runes = append(f.runes, r)
		f.start = append(f.start, int32(st))
		f.end = append(f.end, int32(en))
	}
	var out [8]rune
	for i := 0; i < len(s); {
		f.n++
		if b := s[i]; b < utf8.RuneSelf {
			r := rune(b)
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
				f.same = false
			}
			push(r, i, i+1)
			i++
			continue
		}
		r, size := decodeRune(s, i)
		st, en := i, i+size
		i += size
		if isLookalike(r) {
			f.lookalike = true
		}
		switch {
		case isHanMain(r) || (r > 0x3000 && r < 0x3036):
			push(r, st, en) // Han and CJK punctuation are NFKC-stable
		case r >= 0xFF01 && r <= 0xFF5E, r == 0x3000:
			f.same = false
			push(foldWide(r), st, en)
		default:
			f.exotic = true
			rs, changed, invalid := foldOther(r, size, out[:0])
			f.same = f.same && !changed
			f.invalid = f.invalid || invalid
			for _, nr := range rs {
				push(nr, st, en)
			}
		}
	}
	return f
}

// isHanMain reports Han characters of the two main blocks (CJK Unified
// Ideographs and Extension A).
func isHanMain(r rune) bool { return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) }

// foldWide folds full-width ASCII (，（）：！ and ＡＢＣ: NFKC maps it by
// offset) and the ideographic space.
func foldWide(r rune) rune {
	if r == 0x3000 {
		return ' '
	}
	r -= 0xFEE0
	if 'A' <= r && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

// foldOther folds a rune that is not ASCII, Han of the main blocks, CJK
// punctuation or full-width ASCII, decoded from size bytes (U+FFFD from
// one byte: an invalid byte), appending the runes to out: none for
// zero-width and format characters (they hide words from matchers),
// else NFKC and lower case. changed reports that the runes do not spell
// the original.
func foldOther(r rune, size int, out []rune) (rs []rune, changed, invalid bool) {
	if isInvisible(r) {
		return out, true, false
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if norm.NFKC.IsNormal(buf[:n]) {
		lr := unicode.ToLower(r)
		invalid = r == utf8.RuneError && size == 1
		return append(out, lr), lr != r || invalid, invalid
	}
	for _, nr := range norm.NFKC.String(string(r)) {
		if !isInvisible(nr) {
			out = append(out, unicode.ToLower(nr))
		}
	}
	return out, true, false
}

// decodeRune is utf8.DecodeRuneInString(s[i:]), with the three-byte
// sequences of CJK text decoded inline.
func decodeRune(s string, i int) (rune, int) {
	if b := s[i]; b >= 0xE0 && b < 0xF0 && i+2 < len(s) {
		b1, b2 := s[i+1], s[i+2]
		if b1&0xC0 == 0x80 && b2&0xC0 == 0x80 {
			r := rune(b&0x0F)<<12 | rune(b1&0x3F)<<6 | rune(b2&0x3F)
			if r >= 0x800 && (r < 0xD800 || r > 0xDFFF) {
				return r, 3
			}
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

// isSpace is unicode.IsSpace, answered at once for the runes beyond
// U+3000, the last white space character (TestIsSpace), such as Han.
func isSpace(r rune) bool { return r <= 0x3000 && unicode.IsSpace(r) }

// decodeLastRune is utf8.DecodeLastRuneInString(s), with a three-byte
// sequence of CJK text at the end decoded inline.
func decodeLastRune(s string) (rune, int) {
	if n := len(s); n >= 3 {
		if b := s[n-3]; b >= 0xE0 && b < 0xF0 && s[n-2]&0xC0 == 0x80 && s[n-1]&0xC0 == 0x80 {
			r := rune(b&0x0F)<<12 | rune(s[n-2]&0x3F)<<6 | rune(s[n-1]&0x3F)
			if r >= 0x800 && (r < 0xD800 || r > 0xDFFF) {
				return r, 3
			}
		}
	}
	return utf8.DecodeLastRuneInString(s)
}

// isLookalike reports letters in look-alike code points that only NFKC
// turns back into ASCII (math bold 𝐀𝐌𝟔𝟖, circled and squared letters).
func isLookalike(r rune) bool {
	return (r >= 0x1D400 && r <= 0x1D7FF) || (r >= 0x24B6 && r <= 0x24E9) || (r >= 0x1F130 && r <= 0x1F189)
}

func isInvisible(r rune) bool {
	switch r {
	case 0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E:
		return true
	}
	return unicode.Is(unicode.Cf, r) && r != 0x200E && r != 0x200F
}

// simplifyFolded runs simplify over the folded runes and keeps the result
// when it has as many runes (OpenCC t2s maps character for character);
// otherwise the text stays unsimplified and the map stays exact. It
// reports whether a rune changed.
func simplifyFolded(f *folded, simplify func(string) string) bool {
	if simplify == nil || len(f.runes) == 0 {
		return false
	}
	out := []rune(simplify(string(f.runes)))
	if len(out) != len(f.runes) {
		return false
	}
	changed := !slices.Equal(f.runes, out)
	copy(f.runes, out)
	return changed
}

// compactText is folded text without spaces and decoration, for
// vocabulary: "博 彩" and "博*彩" become 博彩. Sentence punctuation stays,
// so words do not join across sentences. gap[i] says a dropped rune
// preceded rune i.
type compactText struct {
	runes []rune
	idx   []int32 // index into the folded runes
	gap   []bool
}

// compactOf compacts folded text (analyzeIn does the same in its own
// pass).
func compactOf(f folded) compactText {
	n := len(f.runes)
	c := compactText{
		runes: make([]rune, 0, n),
		idx:   make([]int32, 0, n),
		gap:   make([]bool, 0, n),
	}
	gap := false
	for i, r := range f.runes {
		if !keepCompact(r) {
			gap = true
			continue
		}
		c.runes = append(c.runes, r)
		c.idx = append(c.idx, int32(i))
		c.gap = append(c.gap, gap)
		gap = false
	}
	return c
}

func keepCompact(r rune) bool {
	if (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) {
		return true // Han: letters
	}
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '|' || r == ',' ||
			r == '.' || r == '!' || r == '?' || r == ';' || r == ':' || r == '/' || r == '@' || r == '%'
	}
	switch r {
	case '，', '。', '！', '？', '；', '：', '、', '©', '丨', '｜':
		return true
	}
	if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsMark(r) || unicode.IsControl(r) {
		return false
	}
	return true
}

// compactTerm folds a vocabulary term the way text is folded (without
// script conversion) and compacts it.
func compactTerm(t string) string {
	return string(compactOf(foldText(t)).runes)
}

func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2FA1F) ||
		(r >= 0xF900 && r <= 0xFAFF)
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
