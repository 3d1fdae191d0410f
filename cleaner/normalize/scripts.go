package normalize

import (
	"fmt"

	"github.com/longbridgeapp/opencc"

	"winnow/sink/record"
)

// Scripts classifies text as Traditional (Hant), Simplified (Hans) or
// mixed by counting characters that exist in only one of the two scripts.
// Characters shared by both (most of them) do not count. It is safe for
// concurrent use.
type Scripts struct {
	traditional map[rune]bool // changed by t2s and not by s2t
	simplified  map[rune]bool // changed by s2t and not by t2s
}

// MixedShare is the share of minority-script characters above which a
// text counts as mixed rather than as its majority script.
const MixedShare = 0.2

// NewScripts builds the character tables from OpenCC's dictionaries
// (about 20 ms).
func NewScripts() (*Scripts, error) {
	t2s, err := opencc.New("t2s")
	if err != nil {
		return nil, fmt.Errorf("normalize: load t2s: %w", err)
	}
	s2t, err := opencc.New("s2t")
	if err != nil {
		return nil, fmt.Errorf("normalize: load s2t: %w", err)
	}
	s := &Scripts{traditional: map[rune]bool{}, simplified: map[rune]bool{}}
	for _, block := range [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}, {0x20000, 0x2A6DF}} {
		for r := block[0]; r <= block[1]; r++ {
			c := string(r)
			ts, err1 := t2s.Convert(c)
			st, err2 := s2t.Convert(c)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("normalize: classify %q: %v %v", c, err1, err2)
			}
			switch {
			case ts != c && st == c:
				s.traditional[r] = true
			case st != c && ts == c:
				s.simplified[r] = true
			}
		}
	}
	return s, nil
}

// Count returns how many Traditional-only and Simplified-only characters
// text holds.
func (s *Scripts) Count(text string) (traditional, simplified int) {
	for _, r := range text {
		if r < 0x3400 {
			continue
		}
		if s.traditional[r] {
			traditional++
		} else if s.simplified[r] {
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
