package hygiene

import (
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"winnow/cleaner/normalize"
)

// runeTable answers the per-character questions of a line's analysis
// with table lookups instead of calls into the unicode, normalization
// and script tables. Every entry comes from the very functions it stands
// for, and characters beyond the Basic Multilingual Plane are asked of
// those functions directly; TestRuneTable checks the tables against the
// functions.
//
//   - bmp, filled in New for the whole BMP (cheap tests): whether
//     normalize.Scripts.Count counts the character as Traditional-only
//     or Simplified-only (Count adds up per character, so folding a line
//     counts its script without a second pass), and whether it is a
//     common Han character (GB2312 level 1).
//   - blocks, filled 256 characters at a time when a line first holds
//     one of them (a page touches a few dozen blocks; filling all of the
//     BMP would add tens of milliseconds to New): keepCompact,
//     unicode.IsSpace, isHan, and whether folding keeps the character
//     as it is. A block is published once, atomically, and every fill of
//     it gives the same bytes, so the table is safe for concurrent use.
type runeTable struct {
	bmp     *[0x10000]uint8                     // rune -> s* flags, for rune < 0x10000
	blocks  [0x100]atomic.Pointer[[0x100]uint8] // rune>>8 -> f* flags of its 256 characters
	scripts *normalize.Scripts
	comp    *compiled
}

// Flags of runeTable.bmp.
const (
	sTrad   = 1 << iota // normalize.Scripts.Count counts it Traditional-only
	sSimp               // ... Simplified-only
	sCommon             // isHan and comp.isCommon (GB2312 level 1)
)

// Flags of runeTable.blocks.
const (
	fKeep     = 1 << iota // keepCompact
	fHan                  // isHan
	fSpace                // unicode.IsSpace
	fCommon               // isHan and comp.isCommon
	fFoldSame             // folding keeps it as it is: not invisible, NFKC-normal, its own lower case
)

func newRuneTable(comp *compiled, scripts *normalize.Scripts) *runeTable {
	t := &runeTable{scripts: scripts, comp: comp, bmp: new([0x10000]uint8)}
	for r := rune(0); r < 0x10000; r++ {
		t.bmp[r] = t.scriptFlags(r)
	}
	return t
}

// scriptFlags computes the s* flags of r.
func (t *runeTable) scriptFlags(r rune) uint8 {
	var fl uint8
	if isHan(r) && t.comp.isCommon(r) {
		fl |= sCommon
	}
	if r >= 0x3400 && (r < 0xD800 || r > 0xDFFF) { // Count skips what lies below; no surrogates in text
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		switch tr, si := t.scripts.Count(string(buf[:n])); {
		case tr > 0:
			fl |= sTrad
		case si > 0:
			fl |= sSimp
		}
	}
	return fl
}

// runeFlags computes the f* flags of r.
func (t *runeTable) runeFlags(r rune) uint8 {
	var fl uint8
	if keepCompact(r) {
		fl |= fKeep
	}
	if isHan(r) {
		fl |= fHan
		if t.comp.isCommon(r) {
			fl |= fCommon
		}
	}
	if unicode.IsSpace(r) {
		fl |= fSpace
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if !isInvisible(r) && norm.NFKC.IsNormal(buf[:n]) && unicode.ToLower(r) == r {
		fl |= fFoldSame
	}
	return fl
}

// block returns the f* flags of the 256 characters from hi<<8.
func (t *runeTable) block(hi rune) *[0x100]uint8 {
	if b := t.blocks[hi].Load(); b != nil {
		return b
	}
	b := new([0x100]uint8)
	for i := range b {
		r := hi<<8 | rune(i)
		if r >= 0xD800 && r <= 0xDFFF {
			continue // surrogates do not occur in text (U+FFFD stands for invalid bytes)
		}
		b[i] = t.runeFlags(r)
	}
	if !t.blocks[hi].CompareAndSwap(nil, b) {
		return t.blocks[hi].Load()
	}
	return b
}

// of returns the f* flags of r.
func (t *runeTable) of(r rune) uint8 {
	if r >= 0 && r < 0x10000 {
		if b := t.blocks[r>>8].Load(); b != nil {
			return b[r&0xFF]
		}
		return t.block(r >> 8)[r&0xFF]
	}
	return t.runeFlags(r)
}

// keepASCII is keepCompact for r < 0x80: letters, digits and _|,.!?;:/@%.
func keepASCII(r rune) bool {
	const lo, hi uint64 = 0x8fffd02200000000, 0x17fffffe80000001 // bits of the kept characters 0-63, 64-127
	if r < 64 {
		return lo&(1<<r) != 0
	}
	return hi&(1<<(r-64)) != 0
}
