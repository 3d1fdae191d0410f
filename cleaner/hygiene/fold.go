package hygiene

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// folded is text prepared for matching, with a map back to the original:
// rune i of runes came from bytes [start[i], end[i]) of the original.
type folded struct {
	runes []rune
	start []int32
	end   []int32
}

// foldText applies NFKC per rune, lower case, and drops zero-width and
// format characters. Per-rune NFKC keeps an exact map to the input; it
// differs from whole-string NFKC only for combining sequences, which do
// not matter for matching.
func foldText(s string) folded {
	f := folded{
		runes: make([]rune, 0, len(s)),
		start: make([]int32, 0, len(s)),
		end:   make([]int32, 0, len(s)),
	}
	var buf [16]byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		st, en := int32(i), int32(i+size)
		i += size
		switch {
		case r < 0x80:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			f.push(r, st, en)
		case (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r > 0x3000 && r < 0x3036):
			f.push(r, st, en) // Han and CJK punctuation are NFKC-stable
		case r >= 0xFF01 && r <= 0xFF5E:
			// full-width ASCII (，（）：！ and ＡＢＣ): NFKC maps it by offset
			r -= 0xFEE0
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			f.push(r, st, en)
		case r == 0x3000:
			f.push(' ', st, en)
		case isInvisible(r):
			// dropped: zero-width joiners and the like hide words from matchers
		default:
			n := utf8.EncodeRune(buf[:], r)
			if norm.NFKC.IsNormal(buf[:n]) {
				f.push(unicode.ToLower(r), st, en)
				continue
			}
			for _, nr := range norm.NFKC.String(string(r)) {
				if isInvisible(nr) {
					continue
				}
				f.push(unicode.ToLower(nr), st, en)
			}
		}
	}
	return f
}

func (f *folded) push(r rune, st, en int32) {
	f.runes = append(f.runes, r)
	f.start = append(f.start, st)
	f.end = append(f.end, en)
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
// otherwise the text stays unsimplified and the map stays exact.
func simplifyFolded(f *folded, simplify func(string) string) {
	if simplify == nil || len(f.runes) == 0 {
		return
	}
	out := []rune(simplify(string(f.runes)))
	if len(out) != len(f.runes) {
		return
	}
	copy(f.runes, out)
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

func compactOf(f folded) compactText {
	c := compactText{
		runes: make([]rune, 0, len(f.runes)),
		idx:   make([]int32, 0, len(f.runes)),
		gap:   make([]bool, 0, len(f.runes)),
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
