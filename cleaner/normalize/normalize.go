// Package normalize converts Chinese script with OpenCC (through
// github.com/longbridgeapp/opencc, of which it is the only importer) and
// detects which script a text is written in.
//
// Output keeps the source's punctuation: only OpenCC changes characters.
// The opencc package supplies the dictionaries and the conversion chain;
// New compiles them into Go maps and converts with the same algorithm
// about ten times faster (see table.go; a differential test and a fuzz
// test keep the output byte-identical to the library's). A Converter is
// safe for concurrent use; build one per process and share it.
//
// Caveats: the opencc package's own Convert turns a U+0001 byte before a
// dictionary word into a copy of the word (a bug of its trie); the
// compiled table keeps the byte, as reference OpenCC does. The opencc
// package also registers a global "-dir" flag on the
// standard library's flag.CommandLine when it is linked in. winnow parses
// its own flag sets, so the flag never reaches winnow's command line.
package normalize

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"

	"winnow/sink/record"
)

// None is the configuration that leaves text unchanged.
const None = "none"

// Default is the configuration winnow uses unless told otherwise.
const Default = "t2s"

// ErrUnknownConfig is returned by New for a configuration OpenCC lacks.
var ErrUnknownConfig = errors.New("normalize: unknown OpenCC configuration")

// Configs lists the accepted configuration names, None included.
func Configs() []string {
	names := []string{None, "hk2s", "s2hk", "s2t", "s2tw", "s2twp", "t2hk", "t2s", "t2tw", "tw2s", "tw2sp", "s2hk-finance"}
	sort.Strings(names)
	return names
}

// Converter applies one OpenCC configuration.
type Converter struct {
	config string
	table  *table // nil for None
}

// New returns a converter for config, one of Configs(); "" means Default.
func New(config string) (*Converter, error) {
	if config == "" {
		config = Default
	}
	if config == None {
		return &Converter{config: None}, nil
	}
	known := false
	for _, c := range Configs() {
		known = known || c == config
	}
	if !known {
		return nil, fmt.Errorf("%w: %q (choose from %s)", ErrUnknownConfig, config, strings.Join(Configs(), ", "))
	}
	cc, err := opencc.New(config)
	if err != nil {
		return nil, fmt.Errorf("normalize: load %s: %w", config, err)
	}
	t, err := compile(cc)
	if err != nil {
		return nil, err
	}
	return &Converter{config: config, table: t}, nil
}

// Config returns the configuration name.
func (c *Converter) Config() string { return c.config }

// Convert returns s in the target script. Text without CJK characters is
// returned as is (the dictionaries hold only CJK keys).
func (c *Converter) Convert(s string) string {
	if c.table == nil || !hasCJK(s) {
		return s
	}
	return c.table.convert(s)
}

// ConvertLines converts s line by line, exactly as `winnow normalize`
// does for a stream.
//
// No dictionary key holds a line break (compile refuses one), so no match
// crosses one and valid UTF-8 is converted whole, without splitting it.
// (Convert leaves a line without CJK as it is, invalid bytes included, so
// invalid input is still converted line by line.)
func (c *Converter) ConvertLines(s string) string {
	if c.table == nil || !hasCJK(s) {
		return s
	}
	if validString(s) {
		return c.table.convert(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = c.Convert(l)
	}
	return strings.Join(lines, "\n")
}

// validString is utf8.ValidString(s), faster on CJK text: three-byte
// sequences whose lead byte takes any continuation bytes are checked
// inline, the rest as utf8.ValidString does.
func validString(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		p := s[i:] // its length makes p[0:3] provably in range
		for len(p) >= 3 && lead3[p[0]] && p[1]&0xC0 == 0x80 && p[2]&0xC0 == 0x80 {
			p = p[3:]
		}
		if j := len(s) - len(p); j > i {
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}

// lead3 holds the lead bytes of three-byte sequences that any two
// continuation bytes complete (U+1000..U+CFFF, U+E000..U+FFFF).
var lead3 = func() (t [256]bool) {
	for b := 0xE1; b <= 0xEF; b++ {
		t[b] = b != 0xED
	}
	return t
}()

// hasCJK reports whether s holds a rune at or above U+2E80 (the start of
// the CJK blocks): every dictionary key does.
func hasCJK(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xE2 { // the lead byte of U+2000 and above
			for _, r := range s[i:] {
				if r >= 0x2E80 {
					return true
				}
			}
			return false
		}
	}
	return false
}

// Process converts every text field of a (title, subtitle, body, names,
// site and section) and records the configuration. ScriptOut is set by the
// caller, which owns script detection (see Scripts).
//
// A Japanese or Korean document is left as it is and recorded as None:
// OpenCC's dictionaries are Chinese, and t2s would rewrite correct kanji
// (販売 → 贩売, 機能 → 机能). A document is taken for one when Lang says
// so or, Lang not being "zh", when kana or Hangul are at least a tenth as
// many as Han characters in the title and body.
func (c *Converter) Process(_ context.Context, a *record.Article) error {
	if a.Normalization == nil {
		a.Normalization = map[string]string{}
	}
	if c.table != nil && a.Lang != "zh" && (a.Lang == "ja" || a.Lang == "ko" || notChinese(a.Title, a.Body)) {
		a.Normalization["opencc"] = None
		return nil
	}
	for _, f := range []*string{&a.Title, &a.Subtitle, &a.Editor, &a.Origin, &a.SiteName, &a.Section} {
		*f = c.Convert(*f)
	}
	a.Body = c.ConvertLines(a.Body)
	for i := range a.Authors {
		a.Authors[i] = c.Convert(a.Authors[i])
	}
	a.Normalization["opencc"] = c.config
	return nil
}

// notChinese reports whether texts hold kana or Hangul at least a tenth
// as often as Han characters (the share below which extract's language
// detection still calls a text Chinese).
func notChinese(texts ...string) bool {
	var han, other int
	for _, s := range texts {
		if !hasCJK(s) {
			continue
		}
		for _, r := range s {
			switch {
			case r < 0x2E80:
			case r >= 0x3040 && r <= 0x30FF, r >= 0x31F0 && r <= 0x31FF, r >= 0xFF66 && r <= 0xFF9F: // kana
				other++
			case r >= 0xAC00 && r <= 0xD7A3, r >= 0x3130 && r <= 0x318F: // Hangul
				other++
			case unicode.Is(unicode.Han, r):
				han++
			}
		}
	}
	return other > 0 && other*10 >= han
}
