package normalize

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"

	"winnow/sink/record"
)

// Scripts classifies text as Traditional (Hant), Simplified (Hans) or
// mixed by counting characters that exist in only one of the two scripts.
// Characters shared by both (most of them) do not count. It is safe for
// concurrent use.
type Scripts struct {
	traditional runeSet // changed by t2s and not by s2t
	simplified  runeSet // changed by s2t and not by t2s
}

// scriptRunes is the end of the range the tables cover (CJK Extension B
// included); no script-specific character lies beyond it.
const scriptRunes = 0x2A6E0

// runeSet is a bitmap over [0, scriptRunes): a lookup per character is a
// shift and a mask, which matters because every page's text is counted.
type runeSet []uint64

func newRuneSet() runeSet { return make(runeSet, scriptRunes/64+1) }

func (s runeSet) add(r rune) { s[r>>6] |= 1 << (r & 63) }

func (s runeSet) has(r rune) bool { return r < scriptRunes && s[r>>6]&(1<<(r&63)) != 0 }

// MixedShare is the share of minority-script characters above which a
// text counts as mixed rather than as its majority script.
const MixedShare = 0.2

// NewScripts returns the character tables. They are derived from
// OpenCC's dictionaries (BuildScripts, about 0.2 s) and shipped
// precomputed in scripts.bin, which TestScriptsTableUpToDate holds equal
// to BuildScripts' result (go test -run ScriptsTable -update rewrites
// it); loading them takes microseconds.
func NewScripts() (*Scripts, error) {
	n := scriptRunes/64 + 1
	if len(scriptsTable) != 2*8*n {
		return nil, fmt.Errorf("normalize: scripts.bin has %d bytes, want %d", len(scriptsTable), 2*8*n)
	}
	s := &Scripts{traditional: newRuneSet(), simplified: newRuneSet()}
	for i := range n {
		s.traditional[i] = binary.LittleEndian.Uint64(scriptsTable[8*i:])
		s.simplified[i] = binary.LittleEndian.Uint64(scriptsTable[8*(n+i):])
	}
	return s, nil
}

// scriptsTable is the traditional then the simplified bitmap, 64-bit
// little-endian words.
//
//go:embed scripts.bin
var scriptsTable []byte

// MarshalBinary encodes the tables as scripts.bin holds them.
func (s *Scripts) MarshalBinary() ([]byte, error) {
	out := make([]byte, 0, 16*len(s.traditional))
	for _, set := range []runeSet{s.traditional, s.simplified} {
		for _, w := range set {
			out = binary.LittleEndian.AppendUint64(out, w)
		}
	}
	return out, nil
}

// BuildScripts builds the character tables from OpenCC's dictionaries,
// as NewScripts' precomputed tables were built (about 0.2 s).
func BuildScripts() (*Scripts, error) {
	ccs := map[string]*opencc.OpenCC{}
	for _, cfg := range []string{"t2s", "s2t", "s2tw", "s2hk"} {
		cc, err := opencc.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("normalize: load %s: %w", cfg, err)
		}
		ccs[cfg] = cc
	}
	// A character whose Taiwan or Hong Kong standard form is itself (群,
	// which OpenCC's s2t turns into 羣) is ordinary Traditional text.
	regional := func(c string) bool {
		tw, err1 := ccs["s2tw"].Convert(c)
		hk, err2 := ccs["s2hk"].Convert(c)
		return err1 == nil && err2 == nil && (tw == c || hk == c)
	}
	s := &Scripts{traditional: newRuneSet(), simplified: newRuneSet()}
	for _, block := range [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}, {0x20000, 0x2A6DF}} {
		for r := block[0]; r <= block[1]; r++ {
			toS, toT := onlyOneScript(ccs["t2s"], r), onlyOneScript(ccs["s2t"], r)
			switch {
			case toS && !toT:
				s.traditional.add(r)
			case toT && !toS && !regional(string(r)):
				s.simplified.add(r)
			}
		}
	}
	return s, nil
}

// onlyOneScript reports whether cc's character dictionaries convert r
// and none of the alternatives they list is r itself: 乾 has the t2s
// entry 乾 -> 干 but also stays 乾 in some words, so it is not
// Traditional-only.
func onlyOneScript(cc *opencc.OpenCC, r rune) bool {
	key := string(r)
	for _, group := range cc.DictChains {
		for _, dict := range group.Dicts {
			matches, err := dict.PrefixMatch(key)
			if err != nil {
				continue
			}
			if values, ok := matches[key]; ok && len(values) > 0 {
				return !slices.Contains(values, key)
			}
		}
	}
	return false
}

// Count returns how many Traditional-only and Simplified-only characters
// text holds.
func (s *Scripts) Count(text string) (traditional, simplified int) {
	for t := text; len(t) > 0; {
		c := t[0]
		if c < 0xE3 {
			// ASCII, or a sequence of a rune below U+3000 (or an invalid
			// byte): no script-specific character.
			t = t[1:]
			continue
		}
		var r rune
		if c < 0xF0 && len(t) >= 3 && t[1]&0xC0 == 0x80 && t[2]&0xC0 == 0x80 {
			r = rune(c&0x0F)<<12 | rune(t[1]&0x3F)<<6 | rune(t[2]&0x3F)
			t = t[3:]
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(t)
			t = t[size:]
		}
		if r < 0x3400 {
			continue
		}
		if s.traditional.has(r) {
			traditional++
		} else if s.simplified.has(r) {
			simplified++
		}
	}
	return traditional, simplified
}

// Classify returns record.ScriptHant, ScriptHans, ScriptMixed, or "" when
// text holds no script-specific character.
func (s *Scripts) Classify(text string) string {
	return Verdict(s.Count(text))
}

// Verdict turns character counts into a script name: the majority script,
// or mixed when the minority exceeds MixedShare of the specific characters.
func Verdict(traditional, simplified int) string {
	total := traditional + simplified
	switch {
	case total == 0:
		return ""
	case float64(min(traditional, simplified)) > MixedShare*float64(total):
		return record.ScriptMixed
	case traditional > simplified:
		return record.ScriptHant
	default:
		return record.ScriptHans
	}
}
