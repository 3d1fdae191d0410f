package zhmeta

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"winnow/sink/record"
)

// Byline limits.
const (
	// maxBylineRunes: a byline line is short; longer lines are text.
	maxBylineRunes = 120
	maxOriginRunes = 40
	maxEditorRunes = 24
	maxAuthorRunes = 80 // the whole author value, before splitting
	maxIgnoreRunes = 40
	maxOrgPrefix   = 10 // 澎湃新闻记者: runes glued before 记者
)

var (
	// A news dateline before a bracketed byline: 本报讯（, 新华社北京2月24日电（.
	datelinePrefixRe = regexp.MustCompile(`^[^,;:]{0,24}[电電讯訊][ \t]*[(\[【]?$`)
	// An editor's staff code glued to the name: 杨倩_NF4425.
	editorCodeRe = regexp.MustCompile(`^(\p{Han}{2,4})[ _]*[A-Za-z]{1,4}[0-9]{2,6}$`)
)

// ParseByline reads the labelled fields of a byline. ok is false when
// line is not a byline (no recognised label, or too long to be one).
// Dates without zone are taken in loc (nil: Asia/Shanghai).
//
// Several lines joined by "\n" are read as one byline when every
// non-blank line is one. A line is a byline only when it is short (at
// most 120 runes), has no sentence-final punctuation, starts with a label
// (after an optional date, 原创 or a 本报讯（ dateline) or is a date
// with at most a short source name, and yields at least one field. So
// "据新华社报道，记者从…" and other sentences that merely contain a label
// word are not bylines. Caption lines (图片来源, 资料来源) and notices
// (地点, 电话) are not bylines either.
//
// Labels (Simplified and Traditional, with ":" or "：", or without a
// colon when followed by a space): 时间/发布时间/日期/发布于 …; 来源/本文来源/
// 稿源/出处; 作者/记者/文/撰稿/采写/通讯员/实习生 and 文/图 (authors: 通讯员
// and 实习生 are credited writers, so they count as authors); 编辑/责任编辑/
// 责编 (责任编辑 wins over 编辑); and labels that only end a value (主编,
// 审核, 校对, 摄影, 字号 …). An organisation glued to 记者 (新京报记者 陆一夫)
// is part of the label. Origin loses trailing widget words (举报, 分享);
// the editor loses a staff code (杨倩_NF4425 -> 杨倩).
func ParseByline(line string, loc *time.Location) (b Byline, ok bool) {
	return parseBylineAt(line, orDefault(loc), time.Now())
}

// ParseBylineAt is ParseByline with an explicit "now" for the date
// plausibility check.
func ParseBylineAt(line string, loc *time.Location, now time.Time) (b Byline, ok bool) {
	return parseBylineAt(line, orDefault(loc), now)
}

func parseBylineAt(text string, loc *time.Location, now time.Time) (Byline, bool) {
	if !strings.Contains(text, "\n") {
		b, ok := parseBylineLine(text, loc, now)
		return b.out(), ok
	}
	var acc bylineAcc
	seen := false
	for line := range strings.SplitSeq(text, "\n") {
		if isBlank(line) {
			continue
		}
		b, ok := parseBylineLine(line, loc, now)
		if !ok {
			return Byline{}, false
		}
		acc.merge(b)
		seen = true
	}
	if !seen {
		return Byline{}, false
	}
	return acc.out(), true
}

// bylineAcc is a Byline being built, with the rank of its editor label.
type bylineAcc struct {
	Byline
	editorRank int
}

func (a *bylineAcc) setDate(fd foundDate) {
	switch {
	case a.Published.IsZero():
	case sameDay(a.Published, fd.t) && precisionRank(fd.precision) > precisionRank(a.Precision):
	default:
		return
	}
	a.Published, a.Precision = fd.t, fd.precision
}

func (a *bylineAcc) addAuthors(names []string) {
	for _, n := range names {
		if !slices.Contains(a.Authors, n) {
			a.Authors = append(a.Authors, n)
		}
	}
}

func (a *bylineAcc) setEditor(name string, rank int) {
	if name != "" && rank > a.editorRank {
		a.Editor, a.editorRank = name, rank
	}
}

// merge adds what b says to a: the first date (or a more precise one for
// the same day), the first origin, all authors, the best-ranked editor.
func (a *bylineAcc) merge(b bylineAcc) {
	if !b.Published.IsZero() {
		a.setDate(foundDate{t: b.Published, precision: b.Precision})
	}
	if a.Origin == "" {
		a.Origin = b.Origin
	}
	a.addAuthors(b.Authors)
	a.setEditor(b.Editor, b.editorRank)
}

// fill sets the fields a lacks from b (a trailer byline fills in for the
// head byline).
func (a *bylineAcc) fill(b bylineAcc) {
	if a.Published.IsZero() && !b.Published.IsZero() {
		a.Published, a.Precision = b.Published, b.Precision
	}
	if a.Origin == "" {
		a.Origin = b.Origin
	}
	if len(a.Authors) == 0 {
		a.addAuthors(b.Authors)
	}
	if a.Editor == "" {
		a.setEditor(b.Editor, b.editorRank)
	}
}

func (a *bylineAcc) empty() bool {
	return a.Published.IsZero() && a.Origin == "" && len(a.Authors) == 0 && a.Editor == ""
}

func (a bylineAcc) out() Byline {
	b := a.Byline
	if len(b.Authors) > 0 {
		b.Authors = slices.Clone(b.Authors)
	}
	return b
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func precisionRank(p string) int {
	switch p {
	case record.PrecisionDay:
		return 1
	case record.PrecisionMinute:
		return 2
	case record.PrecisionSecond:
		return 3
	}
	return 0
}

// labelHit is one accepted label in a folded line: the label occupies
// s[start:end], its value starts at val.
type labelHit struct {
	start, end, val int
	kind            labelKind
	text            string
	strong          bool // followed by a colon
}

// parseBylineLine reads one line.
func parseBylineLine(line string, loc *time.Location, now time.Time) (bylineAcc, bool) {
	// Cheap rejects before folding: too long, or a sentence.
	if len(line) > 6*maxBylineRunes || utf8.RuneCountInString(line) > maxBylineRunes+16 ||
		strings.ContainsAny(line, "。！？!?") {
		return bylineAcc{}, false
	}
	f := fold(line)
	s := f.s
	lo, hi := skipSpaces(s, 0, len(s)), skipSpacesBack(s, 0, len(s))
	if lo >= hi || utf8.RuneCountInString(s[lo:hi]) > maxBylineRunes {
		return bylineAcc{}, false
	}
	if strings.ContainsAny(s[lo:hi], "。!?") {
		return bylineAcc{}, false
	}
	lo2, hi2 := stripOuterBrackets(s, lo, hi)
	if lo2 >= hi2 {
		return bylineAcc{}, false // only brackets and spaces
	}
	bracketed := lo2 != lo
	lo, hi = lo2, hi2
	hits := findLabels(s, lo, hi, bracketed)
	if len(hits) == 0 {
		return parseUnlabelled(f, lo, hi, loc, now)
	}
	if hits[0].kind == kindCaption || hits[0].kind == kindVeto {
		return bylineAcc{}, false
	}
	var acc bylineAcc
	if !prefixOK(f, lo, hits[0].start, loc, now, &acc) {
		return bylineAcc{}, false
	}
	for i, h := range hits {
		end := hi
		if i+1 < len(hits) {
			end = hits[i+1].start
		}
		if !acc.addField(f, h, end, loc, now) {
			return bylineAcc{}, false
		}
	}
	if acc.empty() {
		return bylineAcc{}, false
	}
	return acc, true
}

// findLabels returns the accepted labels of s[lo:hi] in order.
// bracketed: the whole line was in brackets, as in （记者陈智）.
func findLabels(s string, lo, hi int, bracketed bool) []labelHit {
	var hits []labelHit
	accepted := 0 // labels accepted so far: 记者陈智 (no space) needs company
	for _, m := range scanLabels(s, lo, hi) {
		a, b := m[0], m[1]
		text := s[a:b]
		kind := labelKinds[text]
		h := labelHit{start: a, end: b, kind: kind, text: text}
		j := skipSpaces(s, b, hi)
		left := boundaryBefore(s, lo, a)
		colon := j < hi && s[j] == ':'
		if !colon && kind == kindAuthor && left && j < hi && (s[j] == '|' || strings.HasPrefix(s[j:], "丨")) {
			colon = true // 文｜张三
		}
		if colon {
			h.strong, h.val = true, j+1
			if s[j] != ':' && s[j] != '|' {
				h.val = j + len("丨")
			}
			if !left && utf8.RuneCountInString(text) == 1 {
				continue // 文 inside a name
			}
			if !left && isReporterLabel(text) {
				h.start = orgPrefixStart(s, lo, a)
			}
			if kind == kindVeto {
				return []labelHit{{kind: kindVeto}}
			}
			accepted++
			hits = append(hits, h)
			continue
		}
		spaced := j > b && j < hi
		h.val = j
		switch kind {
		case kindDate:
			if !left {
				continue
			}
			if fd, ok := findDate(s[j:hi], time.UTC, farFuture()); !ok || fd.start != 0 {
				continue
			}
		case kindOrigin, kindIgnore:
			if !left || !spaced || utf8.RuneCountInString(text) < 2 {
				continue
			}
		case kindAuthor, kindEditor:
			if !left {
				if !isReporterLabel(text) {
					continue
				}
				start := orgPrefixStart(s, lo, a)
				if start == a {
					continue
				}
				h.start = start
			}
			attached := !spaced && j < hi && isHanAt(s, j) && gluesToName(text)
			switch {
			case spaced:
			case attached && (bracketed || openBracketBefore(s, lo, h.start) || accepted > 0):
			default:
				continue
			}
		default: // captions and vetoes count only with a colon
			continue
		}
		accepted++
		hits = append(hits, h)
	}
	return hits
}

// farFuture disables the plausibility bound where only the shape of a
// date matters.
func farFuture() time.Time { return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }

// orgPrefixStart extends a 记者 label at a over up to maxOrgPrefix Han
// runes glued before it (新京报记者, 本报见习记者), back to a boundary.
// It returns a unchanged when the runes before do not reach a boundary.
func orgPrefixStart(s string, lo, a int) int {
	i, n := a, 0
	for i > lo {
		r, size := utf8.DecodeLastRuneInString(s[lo:i])
		if !unicode.Is(unicode.Han, r) {
			break
		}
		i -= size
		n++
		if n > maxOrgPrefix {
			return a
		}
	}
	if n == 0 || !boundaryBefore(s, lo, i) {
		return a
	}
	return i
}

// boundaryBefore reports whether position a of s starts a token: the start
// of the span, or after a space, separator, bracket, colon or symbol (■).
func boundaryBefore(s string, lo, a int) bool {
	if a <= lo {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[lo:a])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != utf8.RuneError
}

func openBracketBefore(s string, lo, a int) bool {
	a = skipSpacesBack(s, lo, a)
	if a <= lo {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[lo:a])
	return isOpenBracket(r)
}

func isHanAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.Is(unicode.Han, r)
}

// prefixOK checks the text before the first label: nothing, a date (read
// into acc), 原创-style tokens, or a dateline such as 本报讯（.
func prefixOK(f folded, lo, hi int, loc *time.Location, now time.Time, acc *bylineAcc) bool {
	s := f.s
	lo, hi = trimSpan(s, lo, hi)
	if lo >= hi {
		return true
	}
	if fd, ok := findDate(s[lo:hi], loc, now); ok {
		rest := s[lo:lo+fd.start] + " " + s[lo+fd.end:hi]
		if onlyJunkTokens(rest) {
			acc.setDate(fd)
			return true
		}
	}
	if onlyJunkTokens(s[lo:hi]) {
		return true
	}
	return datelinePrefixRe.MatchString(s[lo:hi])
}

// addField stores the value of label h, which runs to end. It returns
// false when the value shows the line is not a byline.
func (a *bylineAcc) addField(f folded, h labelHit, end int, loc *time.Location, now time.Time) bool {
	s := f.s
	lo, hi := trimSpan(s, h.val, end)
	if lo >= hi {
		return true
	}
	v := s[lo:hi]
	runes := utf8.RuneCountInString(v)
	if h.kind == kindDate {
		fd, ok := findDate(v, loc, now)
		if ok {
			a.setDate(fd)
		}
		return runes <= maxIgnoreRunes && !strings.ContainsAny(v, ",;")
	}
	if h.kind == kindIgnore {
		return runes <= maxIgnoreRunes
	}
	// A date inside another value (来源：新华社 2022-02-24) is read and cut.
	if fd, ok := findDate(v, loc, now); ok {
		a.setDate(fd)
		if fd.start == 0 {
			lo += fd.end
		} else {
			hi = lo + fd.start
		}
		lo, hi = trimSpan(s, lo, hi)
		if lo >= hi {
			return true
		}
		v = s[lo:hi]
		runes = utf8.RuneCountInString(v)
	}
	switch h.kind {
	case kindOrigin:
		hi = stripJunkTail(s, lo, hi)
		if lo >= hi {
			return true
		}
		v = s[lo:hi]
		if utf8.RuneCountInString(v) > maxOriginRunes || strings.ContainsAny(v, ",;") {
			return false
		}
		if a.Origin == "" {
			a.Origin = f.origSpan(lo, hi)
		}
	case kindAuthor:
		if runes > maxAuthorRunes {
			return false
		}
		names := SplitAuthors(f.origSpan(lo, hi))
		if !h.strong {
			for _, n := range names {
				if !nameLike(fold(n).s) {
					return false
				}
			}
		}
		if len(names) == 0 && strings.ContainsAny(v, ",;") {
			return false
		}
		a.addAuthors(names)
	case kindEditor:
		hi = stripJunkTail(s, lo, hi)
		if lo >= hi {
			return true
		}
		v = s[lo:hi]
		if utf8.RuneCountInString(v) > maxEditorRunes || strings.ContainsAny(v, ",;") {
			return false
		}
		if m := editorCodeRe.FindStringSubmatchIndex(v); m != nil {
			hi = lo + m[3]
		}
		name := f.origSpan(lo, hi)
		if !h.strong && !nameLike(fold(name).s) {
			return false
		}
		a.setEditor(name, editorRank(h.text))
	}
	return true
}

// parseUnlabelled reads a line without labels: a date, optionally with a
// short source name before or after it (2019年11月25日 18:57 参考消息,
// 原创 南方都市报 2019-09-09 16:01:46).
func parseUnlabelled(f folded, lo, hi int, loc *time.Location, now time.Time) (bylineAcc, bool) {
	s := f.s
	fd, ok := findDate(s[lo:hi], loc, now)
	if !ok {
		return bylineAcc{}, false
	}
	var acc bylineAcc
	acc.setDate(fd)
	// The rest, before and after the date, may hold a source name.
	var names []string
	var spans [][2]int
	for _, sp := range [][2]int{{lo, lo + fd.start}, {lo + fd.end, hi}} {
		for _, t := range tokenSpans(s, sp[0], sp[1]) {
			tok := s[t[0]:t[1]]
			if isJunkToken(tok) {
				continue
			}
			if !sourceNameLike(tok) {
				return bylineAcc{}, false
			}
			names = append(names, tok)
			spans = append(spans, t)
		}
	}
	switch {
	case len(names) == 0:
		return acc, true
	case len(names) > 2:
		return bylineAcc{}, false
	case fd.precision == record.PrecisionDay && !siteLike(names[len(names)-1]):
		// "2020年9月1日 开学第一天" is a dated heading, not a byline.
		return bylineAcc{}, false
	}
	acc.Origin = f.origSpan(spans[0][0], spans[len(spans)-1][1])
	if len(spans) == 2 && spans[0][1] <= lo+fd.start && spans[1][0] >= lo+fd.end {
		// A name on each side of the date: keep the one after it.
		acc.Origin = f.origSpan(spans[1][0], spans[1][1])
	}
	return acc, true
}

// sourceNameLike: a short name without digits, brackets or punctuation.
func sourceNameLike(tok string) bool {
	n := 0
	for _, r := range tok {
		n++
		switch {
		case unicode.Is(unicode.Han, r), unicode.IsLetter(r), r == '-', r == '·', r == '_':
		default:
			return false
		}
	}
	return n >= 2 && n <= 16
}

// weekdayRe matches a weekday token: 星期四, (周四).
var weekdayRe = regexp.MustCompile(`^\(?(?:星期|周|週|礼拜|禮拜)[一二三四五六日天]\)?$`)

// isJunkToken reports widget and marker words that accompany a byline on
// portals (原创, 举报, 字号 A- A A+, 星期四).
func isJunkToken(tok string) bool {
	if weekdayRe.MatchString(tok) || noLetterOrDigit(tok) {
		return true
	}
	if strings.ContainsFunc(tok, func(r rune) bool { return isOpenBracket(r) || isCloseBracket(r) }) {
		// 【打印】【关闭】: bracketed widget words.
		pieces := strings.FieldsFunc(tok, func(r rune) bool { return isOpenBracket(r) || isCloseBracket(r) })
		for _, p := range pieces {
			if !isJunkWord(p) {
				return false
			}
		}
		return len(pieces) > 0
	}
	return isJunkWord(tok)
}

func isJunkWord(tok string) bool {
	switch tok {
	case "原创", "原創", "转载", "轉載", "首发", "首發", "独家", "獨家", "举报", "舉報", "分享", "收藏",
		"打印", "纠错", "糾錯", "关注", "關注", "订阅", "訂閱", "评论", "評論", "A-", "A", "A+",
		"关闭", "關閉", "关闭窗口", "關閉窗口", "返回", "返回顶部", "返回頂部", "分享到",
		"大", "中", "小":
		return true
	}
	return false
}

func onlyJunkTokens(s string) bool {
	for _, t := range tokenSpans(s, 0, len(s)) {
		if !isJunkToken(s[t[0]:t[1]]) {
			return false
		}
	}
	return true
}

// stripJunkTail drops widget words at the end of s[lo:hi].
func stripJunkTail(s string, lo, hi int) int {
	for {
		toks := tokenSpans(s, lo, hi)
		if len(toks) < 2 || !isJunkToken(s[toks[len(toks)-1][0]:toks[len(toks)-1][1]]) {
			return hi
		}
		_, hi = trimSpan(s, lo, toks[len(toks)-1][0])
	}
}

// tokenSpans splits s[lo:hi] on white space.
func tokenSpans(s string, lo, hi int) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s[lo:hi] {
		if unicode.IsSpace(r) {
			if start >= 0 {
				out = append(out, [2]int{lo + start, lo + i})
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, [2]int{lo + start, hi})
	}
	return out
}

// nameLike reports whether a folded token is a person's name: 2 to 4 Han
// runes (longer with a middle dot), or Latin words.
func nameLike(s string) bool {
	han, latin, other, dot := 0, 0, 0, 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r == '·' || r == '•' || r == '.':
			dot++
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || r == ' ' || r == '-' || r == '\''):
			latin++
		default:
			other++
		}
	}
	switch {
	case other > 0:
		return false
	case han > 0 && latin == 0:
		if dot > 0 {
			return han >= 3 && han <= 12
		}
		return han >= 2 && han <= 4 && !notAName(s)
	case han == 0 && latin >= 2:
		return latin+dot <= 30
	}
	return false
}

// notAName lists words that follow 记者 in sentences and headings.
func notAName(s string) bool {
	switch s {
	case "手记", "手記", "了解", "获悉", "獲悉", "注意到", "表示", "调查", "調查", "采访", "採訪", "专访",
		"專訪", "观察", "觀察", "连线", "連線", "走访", "走訪", "探访", "探訪", "直击", "直擊", "发现", "發現",
		"会", "會", "节", "節", "证", "證", "站", "团", "團":
		return true
	}
	return false
}

// Character classes.

func isOpenBracket(r rune) bool {
	switch r {
	case '(', '[', '{', '【', '〔', '〖', '「', '『', '<', '《', '〈':
		return true
	}
	return false
}

func isCloseBracket(r rune) bool {
	switch r {
	case ')', ']', '}', '】', '〕', '〗', '」', '』', '>', '》', '〉':
		return true
	}
	return false
}

func closeOf(r rune) rune {
	switch r {
	case '(':
		return ')'
	case '[':
		return ']'
	case '{':
		return '}'
	case '【':
		return '】'
	case '〔':
		return '〕'
	case '〖':
		return '〗'
	case '「':
		return '」'
	case '『':
		return '』'
	case '<':
		return '>'
	case '《':
		return '》'
	case '〈':
		return '〉'
	}
	return 0
}

// trimSpan narrows s[lo:hi] past white space, separators, dangling
// colons and unbalanced brackets at either end.
func trimSpan(s string, lo, hi int) (int, int) {
	for lo < hi {
		r, n := utf8.DecodeRuneInString(s[lo:hi])
		if unicode.IsSpace(r) || r == '|' || r == '丨' || r == ':' || r == ',' || r == ';' || r == '、' ||
			(isCloseBracket(r)) || (isOpenBracket(r) && !strings.ContainsRune(s[lo+n:hi], closeOf(r))) {
			lo += n
			continue
		}
		break
	}
	for lo < hi {
		r, n := utf8.DecodeLastRuneInString(s[lo:hi])
		if unicode.IsSpace(r) || r == '|' || r == '丨' || r == ':' || r == ',' || r == ';' || r == '、' ||
			isOpenBracket(r) || (isCloseBracket(r) && !hasOpenFor(s[lo:hi-n], r)) {
			hi -= n
			continue
		}
		break
	}
	return lo, hi
}

func hasOpenFor(s string, c rune) bool {
	for _, r := range s {
		if closeOf(r) == c {
			return true
		}
	}
	return false
}

// stripOuterBrackets removes one pair of brackets around the whole span:
// （记者 李四）, 【编辑：X】.
func stripOuterBrackets(s string, lo, hi int) (int, int) {
	if lo >= hi {
		return lo, hi
	}
	r, n := utf8.DecodeRuneInString(s[lo:hi])
	l, m := utf8.DecodeLastRuneInString(s[lo:hi])
	if c := closeOf(r); c != 0 && c == l && lo+n <= hi-m {
		inner := s[lo+n : hi-m]
		if !strings.ContainsRune(inner, r) && !strings.ContainsRune(inner, c) {
			return skipSpaces(s, lo+n, hi-m), skipSpacesBack(s, lo+n, hi-m)
		}
	}
	return lo, hi
}

func skipSpaces(s string, i, hi int) int {
	for i < hi {
		r, n := utf8.DecodeRuneInString(s[i:hi])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}

func skipSpacesBack(s string, lo, i int) int {
	for i > lo {
		r, n := utf8.DecodeLastRuneInString(s[lo:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	return i
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// noLetterOrDigit: bullets and separators (■, ●, |, -, ——).
func noLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
