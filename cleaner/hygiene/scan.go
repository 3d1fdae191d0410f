package hygiene

import (
	"slices"
	"unicode/utf8"
)

// scanLine reads li.text once: it folds it as foldText does (without the
// map to the original), notes whether folding changed it (when it did
// not, the text is the folded string, li.fstr), counts the script-specific
// characters of the original (normalize.Scripts.Count), and notes the
// counts, character flags and compact text of the folded runes as
// noteRunes does. Its arrays are taken from sc (nil: the heap).
// TestScanLine holds it to foldText, Count and noteRunes.
func (c *Cleaner) scanLine(sc *scratch, li *lineInfo) {
	s := li.text
	tab := c.comp.runes
	bmp := tab.bmp
	f := &li.fold
	f.same = true
	// room for one rune per byte (growTo makes more when NFKC expands a
	// rune); what is not used goes back. The loop keeps its state in
	// locals (no closures), so that it stays in registers.
	n := len(s)
	runes := sc.runeSlab().take(n)
	cp := compactText{runes: sc.compSlab().take(n), idx: sc.i32Slab().take(n), gap: sc.boolSlab().take(n)}
	nr, nc := 0, 0 // runes and compact runes written
	gap := false
	var out [8]rune
	// counts of the commonest characters, added to li's at the end
	var nIn, trad, simp, han, rare, nonSpace int
	for i := 0; i < len(s); {
		if b := s[i]; b >= 0xE3 && b <= 0xE9 || b == 0xEF {
			// a run of Han characters of the main blocks and the
			// commonest punctuation: most of a Chinese line
			j, k, cnt, punct := hanRun(s[i:], bmp, runes[nr:], cp.runes[nc:], cp.idx[nc:], cp.gap[nc:], int32(nr))
			if k > 0 {
				commas, stops, enums := int(punct&(1<<21-1)), int(punct>>21&(1<<21-1)), int(punct>>42)
				h := k - commas - stops - enums
				cp.gap[nc] = gap
				gap = false
				i += j
				nr += k
				nc += k
				nIn += k
				han += h
				nonSpace += k
				trad += int(cnt & (1<<21 - 1))
				simp += int(cnt >> 21 & (1<<21 - 1))
				rare += h - int(cnt>>42)
				if commas > 0 { // ， folded to , (noteASCII)
					f.same = false
					li.asciiSet[0] |= 1 << ','
					li.sentence = true
				}
				if stops > 0 { // 。 (noteOther)
					li.sentence = true
					li.fullStop = true
				}
				continue
			}
		}
		nIn++
		b := s[i]
		if b < utf8.RuneSelf {
			r := rune(b)
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
				f.same = false
			}
			i++
			runes[nr] = r
			nr++
			if !li.noteASCII(r) {
				gap = true
				continue
			}
			cp.runes[nc], cp.idx[nc], cp.gap[nc] = r, int32(nr-1), gap
			nc++
			gap = false
			continue
		}
		st := i
		var r rune
		var size int
		if b >= 0xE0 && b < 0xF0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			// decodeRune's three-byte case, inline
			r = rune(b&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			size = 3
			if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
				r, size = utf8.DecodeRuneInString(s[i:])
			}
		} else {
			r, size = decodeRune(s, i)
		}
		i += size
		var fl uint8
		if r < 0x10000 {
			// Count's per-character classes (zero below U+3400)
			fl = bmp[r]
			trad += int(fl & sTrad)
			simp += int(fl&sSimp) >> 1
		} else {
			tr, si := tab.scripts.Count(s[st:i])
			trad += tr
			simp += si
		}
		var keep bool
		switch {
		case isHanMain(r):
			han++
			nonSpace++
			rare += int((^fl & sCommon) / sCommon)
			keep = true
		case r > 0x3000 && r < 0x3036:
			keep = li.noteOther(tab, r) // CJK punctuation is NFKC-stable
		case r >= 0xFF01 && r <= 0xFF5E, r == 0x3000:
			r = foldWide(r)
			f.same = false
			keep = li.noteASCII(r)
		case r < 0x10000 && size > 1 && tab.of(r)&fFoldSame != 0:
			f.exotic = true
			f.lookalike = f.lookalike || isLookalike(r)
			keep = li.noteOther(tab, r)
		default:
			f.exotic = true
			f.lookalike = f.lookalike || isLookalike(r)
			rs, chg, invalid := foldOther(r, size, out[:0])
			f.invalid = f.invalid || invalid
			f.same = f.same && !chg
			// room for these runes and one for each byte left
			if need := nr + len(rs) + len(s) - i; need > len(runes) {
				runes = growTo(runes, need)
				cp = compactText{runes: growTo(cp.runes, need), idx: growTo(cp.idx, need), gap: growTo(cp.gap, need)}
			}
			for _, nr2 := range rs {
				runes[nr] = nr2
				nr++
				if !li.note(tab, nr2) {
					gap = true
					continue
				}
				cp.runes[nc], cp.idx[nc], cp.gap[nc] = nr2, int32(nr-1), gap
				nc++
				gap = false
			}
			continue
		}
		runes[nr] = r
		nr++
		if !keep {
			gap = true
			continue
		}
		cp.runes[nc], cp.idx[nc], cp.gap[nc] = r, int32(nr-1), gap
		nc++
		gap = false
	}
	f.n = nIn
	li.trad += trad
	li.simp += simp
	li.han += han
	li.rare += rare
	li.nonSpace += nonSpace
	if f.same {
		li.fs = s
	}
	f.runes = runes[:nr]
	li.comp = compactText{runes: cp.runes[:nc], idx: cp.idx[:nc], gap: cp.gap[:nc]}
	sc.runeSlab().giveBack(n - kept(runes, nr, n))
	sc.compSlab().giveBack(n - kept(cp.runes, nc, n))
	sc.i32Slab().giveBack(n - kept(cp.idx, nc, n))
	sc.boolSlab().giveBack(n - kept(cp.gap, nc, n))
}

// hanRun reads the run of Han characters of the main blocks and of the
// commonest punctuation (，。、) that s starts with (at most 2^20-1
// runes), in a loop of its own so that its state stays in registers. It
// writes the folded runes (， folds to ,) to rr and cr, their indices
// among the folded runes (from base) to ci and false to cg, and returns
// the bytes read, the runes written, the Traditional-only,
// Simplified-only and common characters in fields of 21 bits
// (hanCounts), and the punctuation read: how many ， 。 and 、 in fields
// of 21 bits.
func hanRun(s string, bmp *[0x10000]uint8, rr, cr []rune, ci []int32, cg []bool, base int32) (int, int, uint64, uint64) {
	n := min(len(s)/3, len(rr), len(cr), len(ci), len(cg), 1<<20-1)
	rr, cr, ci, cg = rr[:n], cr[:n], ci[:n], cg[:n]
	var cnt, punct uint64
	k := 0
run:
	for ; k < n; k++ {
		b0, b1, b2 := s[3*k], s[3*k+1], s[3*k+2]
		if b0 < 0xE3 || b0 > 0xEF || b1&0xC0 != 0x80 || b2&0xC0 != 0x80 {
			break
		}
		r := rune(b0&0x0F)<<12 | rune(b1&0x3F)<<6 | rune(b2&0x3F)
		fl := bmp[uint16(r)] // (of the original rune)
		if !isHanMain(r) {
			switch r {
			case '，':
				punct++
				r = ','
			case '。':
				punct += 1 << 21
			case '、':
				punct += 1 << 42
			default:
				break run
			}
		}
		cnt += hanCounts[fl&(sTrad|sSimp|sCommon)]
		rr[k], cr[k], ci[k], cg[k] = r, r, base+int32(k), false
	}
	return 3 * k, k, cnt, punct
}

// hanCounts are the increments of scanLine's packed counter (Traditional-
// only, Simplified-only and common characters, 21 bits each) by a
// character's s* flags.
var hanCounts = func() (t [8]uint64) {
	for fl := range t {
		t[fl] = uint64(fl&sTrad) | uint64(fl&sSimp>>1)<<21 | uint64(fl&sCommon>>2)<<42
	}
	return t
}()

// growTo returns s with at least n elements, its own first ones kept.
func growTo[T any](s []T, n int) []T {
	return slices.Grow(s, n-len(s))[:n]
}

// kept is how much of a slice of capacity n taken from a slab is in use
// (used, or none when it grew onto the heap).
func kept[T any](s []T, used, n int) int {
	if cap(s) != n {
		return 0
	}
	return used
}

// noteRunes notes the counts, character flags and compact text of
// li.fold.runes (a line whose runes simplifying changed).
func (c *Cleaner) noteRunes(sc *scratch, li *lineInfo) {
	tab := c.comp.runes
	n := len(li.fold.runes)
	cp := compactText{
		runes: sc.compSlab().take(n)[:0],
		idx:   sc.i32Slab().take(n)[:0],
		gap:   sc.boolSlab().take(n)[:0],
	}
	gap := false
	for i, r := range li.fold.runes {
		if !li.note(tab, r) {
			gap = true
			continue
		}
		cp.runes = append(cp.runes, r)
		cp.idx = append(cp.idx, int32(i))
		cp.gap = append(cp.gap, gap)
		gap = false
	}
	li.comp = cp
}

// note notes a folded rune; it reports whether the compact text keeps
// it (keepCompact).
func (li *lineInfo) note(tab *runeTable, r rune) bool {
	switch {
	case r < 0x80:
		return li.noteASCII(r)
	case isHanMain(r):
		li.han++
		li.nonSpace++
		if tab.bmp[r]&sCommon == 0 {
			li.rare++
		}
		return true
	}
	return li.noteOther(tab, r)
}

// noteASCII is note for r < 0x80.
func (li *lineInfo) noteASCII(r rune) bool {
	li.asciiSet[r>>6] |= 1 << (r & 63)
	switch {
	case r >= '0' && r <= '9':
		li.digits++
	case r >= 'a' && r <= 'z':
		li.latin++
	case r >= 'A' && r <= 'Z':
		li.upper++
	case r == ',' || r == '!' || r == '?' || r == ';':
		li.sentence = true
	case r == '>':
		li.breadSep = true
	}
	if r != ' ' && (r < '\t' || r > '\r') {
		li.nonSpace++
	}
	return keepASCII(r)
}

// noteOther is note for a rune that is neither ASCII nor Han of the main
// blocks.
func (li *lineInfo) noteOther(tab *runeTable, r rune) bool {
	fl := tab.of(r)
	switch {
	case fl&fHan != 0:
		li.han++
		if fl&fCommon == 0 {
			li.rare++
		}
	case r == '。' || r == '，':
		li.sentence = true
		li.fullStop = li.fullStop || r == '。'
	case r >= 0x2600 && r <= 0x27BF || r >= 0x1F000 && r <= 0x1FAFF:
		li.decorated++
	case r == '›' || r == '»' || r == '→' || r == '＞':
		li.breadSep = true
	case r == '：':
		li.wideColon = true
	case r == '“' || r == '「' || r == '『':
		li.openQuote = true
	}
	if fl&fSpace == 0 {
		li.nonSpace++
	}
	return fl&fKeep != 0
}
