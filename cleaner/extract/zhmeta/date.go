package zhmeta

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"winnow/sink/record"
)

// Plausibility bounds of a publication date.
const (
	minYear = 1990
	// maxAhead is how far past "now" a date may lie (time zones, pages
	// dated for tomorrow's paper).
	maxAhead = 48 * time.Hour
)

// shanghai is Asia/Shanghai, loaded once; a fixed +08:00 zone when the
// system has no tzdata (import time/tzdata in the binary to avoid that).
// The value never changes once computed.
var shanghai = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
})

// DefaultLocation returns the zone used when a caller passes a nil
// location: Asia/Shanghai, or a fixed UTC+08:00 zone named CST when the
// system has no time zone database.
func DefaultLocation() *time.Location { return shanghai() }

func orDefault(loc *time.Location) *time.Location {
	if loc == nil {
		return shanghai()
	}
	return loc
}

// Date patterns, matched on folded text (ASCII digits and punctuation)
// and anchored: findDate tries them only where a digit run or a Han year
// starts, which keeps scanning a long line cheap.
var (
	// 2022-02-24, 2022/2/4, 2022.02.24, 2022年2月24日, 2022 年 2 月 24 日.
	numericDateRe = regexp.MustCompile(`^((?:19|20)[0-9]{2})[ \t]*([-/.年])[ \t]*([0-9]{1,2})[ \t]*([-/.月])[ \t]*([0-9]{1,2})(?:[ \t]*[日号號])?`)
	// 22年2月24日: a two-digit year only with the unambiguous 年/月/日.
	shortYearDateRe = regexp.MustCompile(`^([0-9]{2})年[ \t]*([0-9]{1,2})[ \t]*月[ \t]*([0-9]{1,2})[ \t]*[日号號]`)
	// 20220224, standing alone (start, space or colon before; end, space
	// or T after) so that licence and phone numbers do not match.
	compactDateRe = regexp.MustCompile(`^((?:19|20)[0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])(?:$|[ \tT])`)
	// 二〇二二年二月二十四日.
	hanDateRe = regexp.MustCompile(`^([〇○零O一二三四五六七八九]{4})[ \t]*年[ \t]*([一二三四五六七八九十]{1,2})[ \t]*月[ \t]*([一二三四五六七八九十]{1,3})[ \t]*[日号號]`)
	// The time after a date: T10:30:05.123+08:00, 10:30, 下午3:05,
	// 10时30分, 10點30分05秒, 10:30 PM, with an optional zone.
	timeRe = regexp.MustCompile(`^[ \t]*(?:\(?(?:星期|周|週|礼拜|禮拜)[一二三四五六日天]\)?[ \t]*)?[T日,]?[ \t]*(上午|下午|早上|晚上|凌晨|中午|傍晚|AM|PM|am|pm)?[ \t]*([0-9]{1,2})[ \t]*([:时時点點])[ \t]*(?:([0-9]{1,2})[ \t]*分?)?(?:[ \t]*:[ \t]*([0-9]{1,2})|[ \t]*([0-9]{1,2})[ \t]*秒)?(?:\.[0-9]{1,9})?(?:[ \t]*([+-][0-9]{2}:?[0-9]{2}|(?:UTC|GMT)[ \t]*[+-][ \t]*[0-9]{1,2}(?::?[0-9]{2})?)|(Z))?(?:[ \t]*(AM|PM|am|pm|a\.m\.|p\.m\.))?`)
	// Hour, minute and second run together after a compact date:
	// T103005 or 1030.
	compactTimeRe = regexp.MustCompile(`^T?([01][0-9]|2[0-3])([0-5][0-9])([0-5][0-9])?(?:$|[^0-9])`)
)

// ParseDate finds the first date in s (2022-02-24, 2022年2月24日 10:30,
// 2022/02/24 10:30:05, RFC 3339 …) and returns it in loc with its
// precision. ok is false when s holds no plausible date.
//
// Full-width digits and punctuation are folded before matching. A zone in
// s (Z, +08:00, UTC+8) wins over loc; loc nil means Asia/Shanghai (see
// DefaultLocation). Two-digit years are read only in the 22年2月24日
// form. Dates before 1990 or more than two days after the current time
// are implausible and skipped; see ParseDateAt to fix "now".
func ParseDate(s string, loc *time.Location) (t time.Time, precision string, ok bool) {
	return ParseDateAt(s, loc, time.Now())
}

// ParseDateAt is ParseDate with an explicit "now" for the plausibility
// check (for example the time the page was fetched, or a fixed clock in
// tests).
func ParseDateAt(s string, loc *time.Location, now time.Time) (t time.Time, precision string, ok bool) {
	d, ok := findDate(fold(s).s, orDefault(loc), now)
	if !ok {
		return time.Time{}, "", false
	}
	return d.t, d.precision, true
}

// foundDate is a date found in folded text, with its byte span.
type foundDate struct {
	t          time.Time
	precision  string
	start, end int
}

// hasDateChars is a cheap test run before the patterns: no digit and no
// 年 means no date.
func hasDateChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return strings.Contains(s, "年")
}

// findDate returns the earliest plausible date in the folded string s.
func findDate(s string, loc *time.Location, now time.Time) (foundDate, bool) {
	if !hasDateChars(s) {
		return foundDate{}, false
	}
	hanYears := strings.Contains(s, "年")
	for i := 0; i < len(s); {
		c := s[i]
		if isDigit(c) {
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if fd, ok := dateAtDigits(s, i, j, loc, now); ok {
				return fd, true
			}
			i = j
			continue
		}
		if hanYears && c >= utf8.RuneSelf && hanDigit(firstRune(s[i:])) >= 0 {
			if fd, ok := hanDateAt(s, i, loc, now); ok {
				return fd, true
			}
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return foundDate{}, false
}

// dateAtDigits tries the numeric date forms on the digit run s[i:j].
func dateAtDigits(s string, i, j int, loc *time.Location, now time.Time) (foundDate, bool) {
	rest := s[i:]
	switch j - i {
	case 4:
		m := numericDateRe.FindStringSubmatchIndex(rest)
		if m == nil {
			return foundDate{}, false
		}
		sep1, sep2 := rest[m[4]:m[5]], rest[m[8]:m[9]]
		if (sep1 == "年") != (sep2 == "月") || (sep1 != "年" && sep1 != sep2) {
			return foundDate{}, false
		}
		y, mo, d := atoi(rest[m[2]:m[3]]), atoi(rest[m[6]:m[7]]), atoi(rest[m[10]:m[11]])
		return dateWithTime(s, y, mo, d, i, i+m[1], loc, now)
	case 2:
		m := shortYearDateRe.FindStringSubmatchIndex(rest)
		if m == nil {
			return foundDate{}, false
		}
		y := atoi(rest[m[2]:m[3]])
		if y+2000 <= now.Year() {
			y += 2000
		} else {
			y += 1900
		}
		return dateWithTime(s, y, atoi(rest[m[4]:m[5]]), atoi(rest[m[6]:m[7]]), i, i+m[1], loc, now)
	case 8:
		if i > 0 && s[i-1] != ' ' && s[i-1] != '\t' && s[i-1] != ':' {
			return foundDate{}, false
		}
		m := compactDateRe.FindStringSubmatchIndex(rest)
		if m == nil {
			return foundDate{}, false
		}
		y, mo, d := atoi(rest[m[2]:m[3]]), atoi(rest[m[4]:m[5]]), atoi(rest[m[6]:m[7]])
		return compactWithTime(s, y, mo, d, i, i+m[7], loc, now)
	}
	return foundDate{}, false
}

// hanDateAt tries 二〇二二年二月二十四日 at s[i:].
func hanDateAt(s string, i int, loc *time.Location, now time.Time) (foundDate, bool) {
	m := hanDateRe.FindStringSubmatchIndex(s[i:])
	if m == nil {
		return foundDate{}, false
	}
	rest := s[i:]
	y, mo, d := hanYear(rest[m[2]:m[3]]), hanNumber(rest[m[4]:m[5]]), hanNumber(rest[m[6]:m[7]])
	return dateWithTime(s, y, mo, d, i, i+m[1], loc, now)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// dateWithTime builds the date y-mo-d found at s[start:end], extended by a
// time that follows it.
func dateWithTime(s string, y, mo, d, start, end int, loc *time.Location, now time.Time) (foundDate, bool) {
	if !validDate(y, mo, d) {
		return foundDate{}, false
	}
	fd := foundDate{precision: record.PrecisionDay, start: start, end: end}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc)
	if m := timeRe.FindStringSubmatchIndex(s[end:]); m != nil {
		if tt, prec, ok := applyTime(s[end:], m, y, mo, d, loc); ok {
			t, fd.precision = tt, prec
			fd.end = end + m[1]
		}
	}
	if !plausible(t, now) {
		return foundDate{}, false
	}
	fd.t = t
	return fd, true
}

// compactWithTime is dateWithTime for 20220224, whose time may follow
// with a space (20220224 10:30) or run on (20220224T103005).
func compactWithTime(s string, y, mo, d, start, end int, loc *time.Location, now time.Time) (foundDate, bool) {
	if m := compactTimeRe.FindStringSubmatchIndex(s[end:]); m != nil && validDate(y, mo, d) {
		h, mi := atoi(s[end+m[2]:end+m[3]]), atoi(s[end+m[4]:end+m[5]])
		prec, sec := record.PrecisionMinute, 0
		if m[6] >= 0 {
			prec, sec = record.PrecisionSecond, atoi(s[end+m[6]:end+m[7]])
		}
		t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
		if !plausible(t, now) {
			return foundDate{}, false
		}
		return foundDate{t: t, precision: prec, start: start, end: end + m[1]}, true
	}
	return dateWithTime(s, y, mo, d, start, end, loc, now)
}

// applyTime reads the time matched by timeRe (submatch indexes m into
// rest).
func applyTime(rest string, m []int, y, mo, d int, loc *time.Location) (time.Time, string, bool) {
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return rest[m[2*i]:m[2*i+1]]
	}
	h := atoi(group(2))
	minute, hasMin := 0, group(4) != ""
	if hasMin {
		minute = atoi(group(4))
	}
	if !hasMin {
		// "10时" alone: the hour is not worth a precision of its own.
		return time.Time{}, "", false
	}
	sec, hasSec := 0, false
	if g := group(5); g != "" {
		sec, hasSec = atoi(g), true
	} else if g := group(6); g != "" {
		sec, hasSec = atoi(g), true
	}
	switch strings.ToLower(group(1) + group(9)) {
	case "上午", "早上", "凌晨", "am", "a.m.":
		if h == 12 {
			h = 0
		}
	case "下午", "晚上", "傍晚", "pm", "p.m.":
		if h < 12 {
			h += 12
		}
	case "中午":
		if h < 11 {
			h += 12
		}
	}
	if h > 23 || minute > 59 || sec > 59 {
		return time.Time{}, "", false
	}
	if z := group(7) + group(8); z != "" {
		zl, ok := parseZone(z)
		if !ok {
			return time.Time{}, "", false
		}
		loc = zl
	}
	prec := record.PrecisionMinute
	if hasSec {
		prec = record.PrecisionSecond
	}
	return time.Date(y, time.Month(mo), d, h, minute, sec, 0, loc), prec, true
}

// parseZone reads Z, +08:00, +0800, UTC+8, GMT+08:00.
func parseZone(z string) (*time.Location, bool) {
	if z == "Z" {
		return time.UTC, true
	}
	z = strings.TrimPrefix(strings.TrimPrefix(z, "UTC"), "GMT")
	z = strings.ReplaceAll(strings.ReplaceAll(z, " ", ""), "\t", "")
	if len(z) < 2 {
		return nil, false
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = strings.ReplaceAll(z[1:], ":", "")
	var h, m int
	switch len(z) {
	case 1, 2:
		h = atoi(z)
	case 3:
		h, m = atoi(z[:1]), atoi(z[1:])
	case 4:
		h, m = atoi(z[:2]), atoi(z[2:])
	default:
		return nil, false
	}
	if h > 14 || m > 59 {
		return nil, false
	}
	off := sign * (h*3600 + m*60)
	if off == 0 {
		return time.UTC, true
	}
	return time.FixedZone("", off), true
}

func validDate(y, mo, d int) bool {
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	return t.Month() == time.Month(mo) && t.Day() == d
}

func plausible(t, now time.Time) bool {
	return t.Year() >= minYear && !t.After(now.Add(maxAhead))
}

// atoi reads a short run of ASCII digits (regexp-checked); -1 on anything
// else.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func hanDigit(r rune) int {
	switch r {
	case '〇', '○', '零', 'O':
		return 0
	case '一':
		return 1
	case '二':
		return 2
	case '三':
		return 3
	case '四':
		return 4
	case '五':
		return 5
	case '六':
		return 6
	case '七':
		return 7
	case '八':
		return 8
	case '九':
		return 9
	}
	return -1
}

// hanYear reads 二〇二二 digit by digit.
func hanYear(s string) int {
	y := 0
	for _, r := range s {
		d := hanDigit(r)
		if d < 0 {
			return -1
		}
		y = y*10 + d
	}
	return y
}

// hanNumber reads 1..31 written 一, 十, 十二, 二十, 二十四, 三十一.
func hanNumber(s string) int {
	rs := []rune(s)
	switch len(rs) {
	case 1:
		if rs[0] == '十' {
			return 10
		}
		return hanDigit(rs[0])
	case 2:
		if rs[0] == '十' {
			return 10 + hanDigit(rs[1])
		}
		if rs[1] == '十' {
			return hanDigit(rs[0]) * 10
		}
	case 3:
		if rs[1] == '十' && rs[0] != '十' && rs[2] != '十' {
			return hanDigit(rs[0])*10 + hanDigit(rs[2])
		}
	}
	return -1
}

// URL date patterns, on the path.
var (
	// /2022-02/24/, /2022-02-24/, /2022/02/24/, /2022/0224/, /20220224/
	urlDateRe = regexp.MustCompile(`/((?:19|20)[0-9]{2})(?:-([0-9]{2})[/-]|/([0-9]{2})/?|([0-9]{2}))([0-9]{2})(?:/|$)`)
	// t20220224_123.html, /202202/t20220224_…
	urlTDateRe = regexp.MustCompile(`(?:^|/)t((?:19|20)[0-9]{2})([0-9]{2})([0-9]{2})_`)
)

// DateFromURL reads a date from a URL path (/2022-02/24/, /20220224/,
// /2022/0224/ …), day precision.
//
// Recognised forms: /2022-02/24/, /2022-02-24/, /2022/02/24/,
// /2022/0224/, /20220224/ and t20220224_123.html. The date is midnight in
// loc (nil: Asia/Shanghai) and must be plausible (see ParseDate).
func DateFromURL(rawURL string, loc *time.Location) (t time.Time, ok bool) {
	return DateFromURLAt(rawURL, loc, time.Now())
}

// DateFromURLAt is DateFromURL with an explicit "now" for the
// plausibility check.
func DateFromURLAt(rawURL string, loc *time.Location, now time.Time) (t time.Time, ok bool) {
	path := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		path = u.EscapedPath()
	}
	loc = orDefault(loc)
	try := func(y, mo, d int) (time.Time, bool) {
		if !validDate(y, mo, d) {
			return time.Time{}, false
		}
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc)
		return t, plausible(t, now)
	}
	if m := urlTDateRe.FindStringSubmatch(path); m != nil {
		if t, ok := try(atoi(m[1]), atoi(m[2]), atoi(m[3])); ok {
			return t, true
		}
	}
	for _, m := range urlDateRe.FindAllStringSubmatch(path, -1) {
		mo := m[2] + m[3] + m[4] // exactly one group matched
		if t, ok := try(atoi(m[1]), atoi(mo), atoi(m[5])); ok {
			return t, true
		}
	}
	return time.Time{}, false
}
