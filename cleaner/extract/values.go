package extract

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"winnow/cleaner/extract/zhmeta"
	"winnow/sink/record"
)

// sameDay reports whether two times fall on the same calendar day in a's
// location.
func sameDay(a, b time.Time) bool {
	ya, ma, da := a.Date()
	yb, mb, db := b.In(a.Location()).Date()
	return ya == yb && ma == mb && da == db
}

// precRank orders precisions: second > minute > day > none.
func precRank(p string) int {
	switch p {
	case record.PrecisionSecond:
		return 3
	case record.PrecisionMinute:
		return 2
	case record.PrecisionDay:
		return 1
	}
	return 0
}

// firstNonEmpty returns the first string that is not blank, trimmed.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// detectLang returns "zh" when the text title+"\n"+body is mostly Han
// characters, otherwise the primary subtag of the page's lang attribute,
// or "". Only the first langSampleBytes of the text are read, and no
// further than needed to decide "zh".
func detectLang(title, body, htmlLang string) string {
	var lc langCounts
	zh := false
	if len(title) >= langSampleBytes {
		zh = lc.scan(title[:langSampleBytes], 0)
	} else {
		// The "\n" between title and body is no letter: skip its byte.
		body = body[:min(len(body), langSampleBytes-len(title)-1)]
		zh = lc.scan(title, 1+len(body)) || lc.scan(body, 0)
	}
	if zh || lc.zh() {
		return "zh"
	}
	return attrLang(htmlLang, lc)
}

// attrLang is the primary subtag of a lang attribute, or "" when it is no
// language tag or claims Chinese for a sample (counted in lc) that is
// mostly not.
func attrLang(htmlLang string, lc langCounts) string {
	l := strings.ToLower(strings.TrimSpace(htmlLang))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if len(l) < 2 || len(l) > 3 {
		return ""
	}
	for _, r := range l {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	if l == "zh" && lc.letters > 0 && lc.han*5 < lc.letters {
		return "" // a Chinese template around foreign text
	}
	return l
}

// langSampleBytes is how much of the text detectLang reads.
const langSampleBytes = 12000

// langCounts are the letter counts detectLang decides on.
type langCounts struct {
	han, kana, letters int
}

// zh reports whether the counts make the text Chinese.
func (lc *langCounts) zh() bool {
	return lc.letters > 0 && lc.han*2 >= lc.letters && lc.kana*10 < lc.han
}

// sealed reports whether the counts make the text Chinese whatever the
// next rest bytes hold: each byte adds at most one letter, each three
// bytes at most one kana, and more Han characters only help.
func (lc *langCounts) sealed(rest int) bool {
	return lc.han > 0 && lc.han*2 >= lc.letters+rest && (lc.kana+rest/3)*10 < lc.han
}

// langCheckBytes is how often scan asks whether the verdict is sealed.
const langCheckBytes = 1024

// scan adds the letters of s to the counts. after is how many bytes of
// the sample follow s; scan stops early, reporting true, once the text is
// Chinese whatever the rest of s and those bytes hold.
func (lc *langCounts) scan(s string, after int) bool {
	han, kana, letters := lc.han, lc.kana, lc.letters
	check := langCheckBytes
	for t := s; len(t) > 0; {
		if len(s)-len(t) >= check {
			check += langCheckBytes
			lc.han, lc.kana, lc.letters = han, kana, letters
			if lc.sealed(len(t) + after) {
				return true
			}
		}
		b := t[0]
		if b < utf8.RuneSelf {
			if ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') {
				letters++
			}
			t = t[1:]
			continue
		}
		var r rune
		if len(t) >= 3 && lead3[b] && t[1]&0xC0 == 0x80 && t[2]&0xC0 == 0x80 {
			r = rune(b&0x0F)<<12 | rune(t[1]&0x3F)<<6 | rune(t[2]&0x3F)
			t = t[3:]
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(t)
			t = t[size:]
		}
		switch {
		case isHan(r):
			han++
			letters++
		case r >= 0x3040 && r <= 0x30FF:
			kana++
			letters++
		case r == 0x3001 || r == 0x3002 || (r >= 0x2010 && r <= 0x2027) || (r >= 0xFF01 && r <= 0xFF0F) ||
			(r >= 0xFF1A && r <= 0xFF20):
			// Common punctuation (、。“”…，：？): not letters, decided
			// before the slower table lookup below.
		case unicode.IsLetter(r):
			letters++
		}
	}
	lc.han, lc.kana, lc.letters = han, kana, letters
	return false
}

// collapse trims and collapses whitespace.
func collapse(s string) string {
	var tb textBuilder
	var c chunk
	tb.write(s, &c)
	return tb.finish()
}

// lead3 holds the lead bytes of three-byte sequences that any two
// continuation bytes complete (U+1000..U+CFFF, U+E000..U+FFFF).
var lead3 = func() (t [256]bool) {
	for b := 0xE1; b <= 0xEF; b++ {
		t[b] = b != 0xED
	}
	return t
}()

// runeLen is the length of s in characters.
func runeLen(s string) int { return utf8.RuneCountInString(s) }

// Layouts of machine-readable dates, with their precision.
var dateLayouts = []struct {
	layout, prec string
	zoned        bool
}{
	{time.RFC3339Nano, record.PrecisionSecond, true},
	{"2006-01-02T15:04:05Z0700", record.PrecisionSecond, true},
	{"2006-01-02T15:04:05.999999999Z0700", record.PrecisionSecond, true},
	{"2006-01-02T15:04Z07:00", record.PrecisionMinute, true},
	{"2006-01-02T15:04:05", record.PrecisionSecond, false},
	{"2006-01-02T15:04:05.999999999", record.PrecisionSecond, false},
	{"2006-01-02 15:04:05Z07:00", record.PrecisionSecond, true},
	{"2006-01-02 15:04:05 Z07:00", record.PrecisionSecond, true},
	{"2006-01-02 15:04:05 -0700", record.PrecisionSecond, true},
	{"2006-01-02 15:04:05", record.PrecisionSecond, false},
	{"2006-01-02 15:04:05.999999999", record.PrecisionSecond, false},
	{"2006-01-02T15:04", record.PrecisionMinute, false},
	{"2006-01-02 15:04", record.PrecisionMinute, false},
	{"2006/01/02 15:04:05", record.PrecisionSecond, false},
	{"2006/01/02 15:04", record.PrecisionMinute, false},
	{"2006-01-02", record.PrecisionDay, false},
	{"2006/01/02", record.PrecisionDay, false},
	{"20060102", record.PrecisionDay, false},
	{time.RFC1123Z, record.PrecisionSecond, true},
	{time.RFC1123, record.PrecisionSecond, true},
	{"Mon, 2 Jan 2006 15:04:05 -0700", record.PrecisionSecond, true},
	{"January 2, 2006", record.PrecisionDay, false},
	{"Jan 2, 2006", record.PrecisionDay, false},
	{"2 January 2006", record.PrecisionDay, false},
}

// parseDate reads a date: machine formats first, then zhmeta.ParseDate
// for the Chinese spellings. Years outside 1990-2100 are refused.
func parseDate(s string, loc *time.Location) (time.Time, string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 200 {
		return time.Time{}, "", false
	}
	if strings.HasSuffix(s, " UTC") {
		s = strings.TrimSuffix(s, " UTC") + "Z"
	}
	for _, l := range dateLayouts {
		var t time.Time
		var err error
		if l.zoned {
			t, err = time.Parse(l.layout, s)
		} else {
			t, err = time.ParseInLocation(l.layout, s, loc)
		}
		if err == nil && t.Year() >= 1990 && t.Year() <= 2100 {
			return t, l.prec, true
		}
	}
	if t, prec, ok := zhmeta.ParseDate(s, loc); ok && t.Year() >= 1990 && t.Year() <= 2100 {
		return t, prec, true
	}
	return time.Time{}, "", false
}

// isHan reports whether r is a CJK ideograph (the common blocks).
func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x20000 && r <= 0x3134F)
}
