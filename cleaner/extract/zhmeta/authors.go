package zhmeta

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameRunes bounds one author name.
const maxNameRunes = 20

// SplitAuthors splits a list of names on spaces, 、, commas and semicolons,
// dropping labels and empty parts.
//
// Separators are ASCII and full-width spaces, 、 , ， ; ； / | 丨, colons
// and brackets. Labels are dropped, whether alone (记者, 本报记者, 通讯员,
// 文, 图) or glued to a name (记者陈智 -> 陈智, 新华社记者张三 -> 张三); so
// are trailing 摄, 报道, 整理, 等 and parts that cannot be names: digits
// only, a single Han character, more than 20 runes, or no letter at all.
// Latin words separated only by a space stay one name (John Smith). Names
// are returned as written (not folded), without duplicates, in order.
func SplitAuthors(s string) []string {
	f := fold(s)
	type span struct {
		lo, hi int
		latin  bool
	}
	var kept []span
	prevEnd := -1 // end of the previous token, kept or not
	for _, t := range authorTokens(f.s) {
		if t[0] > 0 && f.s[t[0]-1] == '/' && reportingFrom(f.s[t[0]:t[1]]) {
			prevEnd = -1 // 陳小明／台北報導: a place, not a name
			continue
		}
		lo, hi := cleanAuthorToken(f.s, t[0], t[1])
		if lo >= hi || !plausibleName(f.s[lo:hi]) {
			prevEnd = -1
			continue
		}
		latin := isLatinName(f.s[lo:hi])
		if n := len(kept); latin && n > 0 && kept[n-1].latin && prevEnd == kept[n-1].hi &&
			onlySpaces(f.s[prevEnd:lo]) && utf8.RuneCountInString(f.s[kept[n-1].lo:hi]) <= 2*maxNameRunes {
			kept[n-1].hi = hi
			prevEnd = hi
			continue
		}
		kept = append(kept, span{lo, hi, latin})
		prevEnd = hi
	}
	var out []string
	for _, k := range kept {
		name := f.origSpan(k.lo, k.hi)
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// authorTokens splits folded s on name separators.
func authorTokens(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		if isAuthorSep(r) {
			if start >= 0 {
				out = append(out, [2]int{start, i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

func isAuthorSep(r rune) bool {
	switch r {
	case ',', ';', '、', '/', '|', '丨', ':', '"', '“', '”', '‘', '’':
		return true
	}
	return unicode.IsSpace(r) || isOpenBracket(r) || isCloseBracket(r)
}

// cleanAuthorToken strips labels glued around a name in s[lo:hi]; an
// empty span means the token is a label or filler.
func cleanAuthorToken(s string, lo, hi int) (int, int) {
	tok := s[lo:hi]
	if isFillerWord(tok) {
		return lo, lo
	}
	// 新华社记者张三, 本报记者张三: keep what follows the last 记者-like label.
	// Labels that may be glued before a name, longest first.
	for _, l := range [...]string{
		"特约记者", "特約記者", "见习记者", "見習記者", "实习记者", "實習記者", "首席记者", "首席記者",
		"通讯员", "通訊員", "实习生", "實習生", "记者", "記者", "作者", "撰稿", "撰文", "采写", "採寫",
		"编辑", "編輯", "摄影", "攝影",
	} {
		if i := strings.LastIndex(tok, l); i >= 0 {
			after := tok[i+len(l):]
			if after == "" || strings.HasSuffix(l, "记者") || strings.HasSuffix(l, "記者") || i == 0 {
				lo += i + len(l)
				tok = after
				break
			}
		}
	}
	// Words glued after a name (not 文: 李嘉文 is a name).
	for _, suf := range [...]string{
		"综合报道", "綜合報道", "报道", "報道", "报导", "報導", "摄影", "攝影", "整理", "编译", "編譯",
		"综合", "綜合", "整合", "摄", "攝", "等",
	} {
		if strings.HasSuffix(tok, suf) && utf8.RuneCountInString(tok)-utf8.RuneCountInString(suf) >= 2 &&
			hanOnly(tok) {
			hi -= len(suf)
			tok = tok[:len(tok)-len(suf)]
			break
		}
	}
	if isFillerWord(tok) {
		return lo, lo
	}
	return lo, hi
}

// isFillerWord: labels and filler that are never names.
func isFillerWord(tok string) bool {
	switch tok {
	case "", "本报", "本報", "本台", "本刊", "本网", "本網", "记者", "記者", "通讯员", "通訊員", "实习生", "實習生",
		"作者", "文", "图", "圖", "文字", "摄", "攝", "摄影", "攝影", "报道", "報道", "综合", "綜合", "整理", "整合",
		"编辑", "編輯", "责任编辑", "責任編輯", "撰稿", "撰文", "采写", "採寫", "特约", "特約", "见习", "見習",
		"等", "和", "及", "与", "與", "供图", "供圖", "发自", "發自", "编译", "編譯", "视频", "視頻", "来源", "來源",
		"原创", "原創":
		return true
	}
	return strings.HasPrefix(tok, "发自") || strings.HasPrefix(tok, "發自")
}

// plausibleName rejects digits-only, one Han rune, overlong and
// letterless tokens.
func plausibleName(tok string) bool {
	n, letters, han := 0, 0, 0
	for _, r := range tok {
		n++
		if unicode.IsLetter(r) {
			letters++
		}
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	if n > maxNameRunes || letters == 0 {
		return false
	}
	if han == 1 && n == 1 {
		return false
	}
	return true
}

func isLatinName(tok string) bool {
	for _, r := range tok {
		if r >= utf8.RuneSelf || !(unicode.IsLetter(r) || r == '.' || r == '-' || r == '\'') {
			return false
		}
	}
	return true
}

func hanOnly(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}

func onlySpaces(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// reportingFrom: 台北報導, 北京报道 (where the story was filed).
func reportingFrom(tok string) bool {
	for _, suf := range [...]string{"报道", "報道", "报导", "報導", "电", "電"} {
		if strings.HasSuffix(tok, suf) {
			return true
		}
	}
	return false
}
