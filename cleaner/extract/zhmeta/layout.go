package zhmeta

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Layout limits.
const (
	minHeadlineRunes = 4
	maxHeadlineRunes = 64
	// titleReach: non-blank lines looked at above a byline for its title.
	titleReach = 4
	// bylineGap: widget lines allowed between two byline lines.
	bylineGap = 3
	// maxShortUnderTitle: a line this short right under a longer headline
	// (an account or column name) is skipped, not taken for the title.
	maxShortUnderTitle = 10
	// paragraphsBeforeGiveUp: once this many paragraphs went by, a later
	// byline is not the article's head byline.
	paragraphsBeforeGiveUp = 1
	maxWidgetRunes         = 40
	maxPromoRunes          = 30
)

var (
	// Lines that open related-link lists or pagers.
	listLabelRe = regexp.MustCompile(`^(?:[【\[(])?(?:相关阅读|相關閱讀|相关新闻|相關新聞|推荐阅读|推薦閱讀|延伸阅读|延伸閱讀|热门推荐|熱門推薦|上一篇|下一篇|上一条|下一條|本文关键词|本文關鍵詞|关键词|關鍵詞|关键字|關鍵字|标签|標籤|tags?)(?:[】\])])?[ \t]*:?`)
	// Counters and widgets: 1032人参与308评论, 阅读 326.
	counterRe = regexp.MustCompile(`^[0-9]+[ \t]*(?:人参与|人參與|人阅读|人閱讀|次阅读|次閱讀|评论|評論|条评论|條評論|赞|讚|阅读|閱讀)|(?:阅读|閱讀|浏览|瀏覽|点击|點擊|评论|評論)[ \t]*[:]?[ \t]*[0-9]+$`)
)

// AnalyzeText finds the title, subtitle, breadcrumb, byline and body of a
// plain-text article given as lines.
//
// It anchors on the byline: the first byline line (see ParseByline) with
// a plausible headline among the few non-blank lines above it. The title
// is the nearest headline above the byline, skipping a subtitle line that
// starts with —— (the Subtitle) and a short line right under a longer
// headline (an account or column name, listed in Preamble). Above the
// title, the breadcrumb line nearest to it is Breadcrumb; every other
// non-blank line is Preamble. Byline lines that follow the first, with at
// most a few widget lines (分享到, 字号, counters) between, join Byline;
// widget lines before the body go to Preamble. Without such a byline the
// title is the first headline-like line (short, no sentence punctuation,
// not a breadcrumb, keyword chain, promo or widget) met before the first
// paragraph; bylines, breadcrumbs, chains and promos above it are listed
// as such. The body runs to the end, less a Trailer of editor bylines,
// copyright and disclaimer lines, related-link headers and widgets at the
// end; an editor byline or disclaimer followed by no further paragraph
// ends the body too. Body lines are not altered (callers trim them).
//
// Meta merges the byline lines, completed from trailer bylines; Site and
// Section come from the breadcrumb. Blank lines are in no list. Indexes
// are into lines; absent items are -1, and an empty body has BodyStart ==
// BodyEnd.
func AnalyzeText(lines []string, loc *time.Location) TextLayout {
	return AnalyzeTextAt(lines, loc, time.Now())
}

// AnalyzeTextAt is AnalyzeText with an explicit "now" for the date
// plausibility check.
func AnalyzeTextAt(lines []string, loc *time.Location, now time.Time) TextLayout {
	a := newAnalyzer(lines, orDefault(loc), now)
	return a.run()
}

// analyzer holds the trimmed lines and a per-line byline cache.
type analyzer struct {
	text    []string
	runes   []int
	loc     *time.Location
	now     time.Time
	state   []int8 // byline cache: 0 unknown, 1 byline, 2 not
	byl     []bylineAcc
	out     TextLayout
	claimed []bool // lines already given a role
}

func newAnalyzer(lines []string, loc *time.Location, now time.Time) *analyzer {
	a := &analyzer{
		text:    make([]string, len(lines)),
		runes:   make([]int, len(lines)),
		loc:     loc,
		now:     now,
		state:   make([]int8, len(lines)),
		byl:     make([]bylineAcc, len(lines)),
		claimed: make([]bool, len(lines)),
	}
	for i, l := range lines {
		a.text[i] = strings.TrimSpace(l)
		a.runes[i] = utf8.RuneCountInString(a.text[i])
	}
	return a
}

func (a *analyzer) blank(i int) bool { return a.text[i] == "" }

// byline reports (and caches) whether line i is a byline.
func (a *analyzer) byline(i int) bool {
	if a.state[i] == 0 {
		a.state[i] = 2
		if a.runes[i] > 0 && a.runes[i] <= maxBylineRunes {
			if b, ok := parseBylineLine(a.text[i], a.loc, a.now); ok {
				a.state[i], a.byl[i] = 1, b
			}
		}
	}
	return a.state[i] == 1
}

func (a *analyzer) nextNonBlank(i int) int {
	for ; i < len(a.text); i++ {
		if !a.blank(i) {
			return i
		}
	}
	return len(a.text)
}

func (a *analyzer) prevNonBlank(i int) int {
	for ; i >= 0; i-- {
		if !a.blank(i) {
			return i
		}
	}
	return -1
}

func (a *analyzer) run() TextLayout {
	n := len(a.text)
	a.out = TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1, BodyStart: n, BodyEnd: n}
	if n == 0 {
		a.out.BodyStart, a.out.BodyEnd = 0, 0
		return a.out
	}
	bodyStart := n
	if anchor := a.findAnchor(); anchor >= 0 {
		bodyStart = a.layoutFromByline(anchor)
	} else {
		bodyStart = a.layoutWithoutByline()
	}
	a.layoutEnd(bodyStart)
	a.finish()
	return a.out
}

// findAnchor returns the first byline line with a headline above it, or,
// failing that, -1.
func (a *analyzer) findAnchor() int {
	paragraphs := 0
	for i := range a.text {
		if a.blank(i) {
			continue
		}
		if a.paragraph(i) {
			paragraphs++
			if paragraphs >= paragraphsBeforeGiveUp {
				return -1
			}
			continue
		}
		if a.byline(i) && a.titleAbove(i) >= 0 {
			return i
		}
	}
	return -1
}

// titleAbove returns the nearest headline line above line i within
// titleReach non-blank lines, skipping a —— subtitle, widgets and other
// byline lines; -1 if none.
func (a *analyzer) titleAbove(i int) int {
	seen := 0
	for k := a.prevNonBlank(i - 1); k >= 0 && seen < titleReach; k = a.prevNonBlank(k - 1) {
		seen++
		switch {
		case a.subtitleMarker(k), a.widget(k), a.byline(k):
			continue
		case a.headline(k):
			return k
		}
		return -1
	}
	return -1
}

// layoutFromByline lays out the head of the article around the byline at
// anchor and returns the first body line.
func (a *analyzer) layoutFromByline(anchor int) int {
	title := a.titleAbove(anchor)
	var between []int // non-title lines between the title and the byline
	for k := title + 1; k < anchor; k++ {
		if a.blank(k) {
			continue
		}
		if a.subtitleMarker(k) && a.out.Subtitle < 0 {
			a.out.Subtitle = k
			continue
		}
		if a.byline(k) {
			a.out.Byline = append(a.out.Byline, k)
			continue
		}
		between = append(between, k)
	}
	// A short line right under a longer headline (IT之家 under the title)
	// is not the title.
	if a.out.Subtitle < 0 {
		if p := a.prevNonBlank(title - 1); p >= 0 && a.runes[title] <= maxShortUnderTitle &&
			a.runes[p] > a.runes[title] && a.headline(p) && !a.crumb(p) {
			between = append([]int{title}, between...)
			title = p
		}
	}
	a.out.Title = title
	a.claim(title)
	a.claim(a.out.Subtitle)
	a.out.Preamble = append(a.out.Preamble, between...)
	a.markAbove(title)

	// The byline block: anchor and the byline lines after it, with a few
	// widget lines between.
	a.out.Byline = append(a.out.Byline, anchor)
	last := anchor
	var pending []int
	for k := a.nextNonBlank(anchor + 1); k < len(a.text); k = a.nextNonBlank(k + 1) {
		if a.byline(k) && !a.paragraph(k) {
			a.out.Preamble = append(a.out.Preamble, pending...)
			pending = pending[:0]
			a.out.Byline = append(a.out.Byline, k)
			last = k
			continue
		}
		if a.widget(k) && len(pending) < bylineGap {
			pending = append(pending, k)
			continue
		}
		break
	}
	a.out.Preamble = append(a.out.Preamble, pending...)
	body := last + 1
	if len(pending) > 0 {
		body = pending[len(pending)-1] + 1
	}
	// More widgets before the first body line.
	for k := a.nextNonBlank(body); k < len(a.text) && a.widget(k); k = a.nextNonBlank(k + 1) {
		a.out.Preamble = append(a.out.Preamble, k)
		body = k + 1
	}
	for _, k := range a.out.Byline {
		a.claim(k)
	}
	return a.nextNonBlank(body)
}

// markAbove classifies the non-blank lines above the title: the nearest
// breadcrumb is Breadcrumb, the rest Preamble (a dated line far above the
// title is navigation, not the byline).
func (a *analyzer) markAbove(title int) {
	for k := title - 1; k >= 0; k-- {
		switch {
		case a.blank(k) || a.claimed[k]:
		case a.out.Breadcrumb < 0 && a.crumb(k):
			a.out.Breadcrumb = k
		default:
			a.out.Preamble = append(a.out.Preamble, k)
		}
		a.claim(k)
	}
}

// layoutWithoutByline finds the title as the first headline before any
// paragraph and returns the first body line.
func (a *analyzer) layoutWithoutByline() int {
	var head []int // lines before the title or body
	for i := a.nextNonBlank(0); i < len(a.text); i = a.nextNonBlank(i + 1) {
		switch {
		case a.crumb(i), a.byline(i), a.preambleLike(i):
			head = append(head, i)
			continue
		case a.headline(i) && !a.paragraph(i):
			a.out.Title = i
			a.claim(i)
			a.headLines(head)
			next := a.nextNonBlank(i + 1)
			for next < len(a.text) && a.text[next] == a.text[i] { // a repeated title
				a.out.Preamble = append(a.out.Preamble, next)
				a.claim(next)
				next = a.nextNonBlank(next + 1)
			}
			if next < len(a.text) && a.subtitleMarker(next) {
				a.out.Subtitle = next
				a.claim(next)
				next = a.nextNonBlank(next + 1)
			}
			// Widgets (and, should the anchor search have given up
			// early, byline lines) right under the title.
			for next < len(a.text) && (a.widget(next) || a.byline(next)) && !a.paragraph(next) {
				if a.byline(next) {
					a.out.Byline = append(a.out.Byline, next)
				} else {
					a.out.Preamble = append(a.out.Preamble, next)
				}
				a.claim(next)
				next = a.nextNonBlank(next + 1)
			}
			return next
		default:
			a.headLines(head)
			return i
		}
	}
	// Nothing but head lines: no body.
	a.headLines(head)
	return len(a.text)
}

// headLines classifies lines met before the title (or the body when there
// is no title).
func (a *analyzer) headLines(head []int) {
	crumb := -1
	for _, k := range head {
		if a.crumb(k) {
			crumb = k // the last one, nearest to the title
		}
	}
	for _, k := range head {
		switch {
		case k == crumb:
			a.out.Breadcrumb = k
		case a.byline(k) && !a.crumb(k):
			a.out.Byline = append(a.out.Byline, k)
		default:
			a.out.Preamble = append(a.out.Preamble, k)
		}
		a.claim(k)
	}
}

// layoutEnd finds the end of the body and the trailer.
func (a *analyzer) layoutEnd(bodyStart int) {
	n := len(a.text)
	if bodyStart >= n {
		a.out.BodyStart, a.out.BodyEnd = n, n
		return
	}
	end := n // body is [bodyStart, end)
	// Trailer lines at the very end.
	for k := a.prevNonBlank(n - 1); k >= bodyStart; k = a.prevNonBlank(k - 1) {
		if !a.trailerLine(k) {
			break
		}
		end = k
	}
	// An editor byline or disclaimer after which no paragraph follows also
	// ends the body (a list of links or widgets may follow it).
	lastPara := -1
	for k := end - 1; k > bodyStart; k-- {
		if !a.blank(k) && a.paragraph(k) {
			lastPara = k
			break
		}
	}
	for k := max(lastPara+1, bodyStart+1); k < end; k++ {
		if !a.blank(k) && a.hardEnd(k) {
			end = k
			break
		}
	}
	for k := end; k < n; k++ {
		if !a.blank(k) {
			a.out.Trailer = append(a.out.Trailer, k)
		}
	}
	last := a.prevNonBlank(end - 1)
	a.out.BodyStart = bodyStart
	a.out.BodyEnd = max(last+1, bodyStart)
}

// finish fills Meta, Site and Section.
func (a *analyzer) finish() {
	var meta bylineAcc
	for _, k := range a.out.Byline {
		if a.byline(k) {
			meta.merge(a.byl[k])
		}
	}
	for _, k := range a.out.Trailer {
		if a.byline(k) {
			meta.fill(a.byl[k])
		}
	}
	a.out.Meta = meta.out()
	if a.out.Breadcrumb >= 0 {
		if crumbs, ok := ParseBreadcrumb(a.text[a.out.Breadcrumb]); ok {
			a.out.Site, a.out.Section = SiteSection(crumbs)
		}
	}
	slices.Sort(a.out.Preamble)
	slices.Sort(a.out.Byline)
}

func (a *analyzer) claim(i int) {
	if i >= 0 {
		a.claimed[i] = true
	}
}

// Line classes.

// paragraph: a line of running text: a sentence (。), a long line ending
// like one, or a very long line with commas. A headline ending in ？ is
// not one.
func (a *analyzer) paragraph(i int) bool {
	t, r := a.text[i], a.runes[i]
	if r >= 12 && strings.Contains(t, "。") {
		return true
	}
	if r >= 40 {
		last, _ := utf8.DecodeLastRuneInString(t)
		switch last {
		case '。', '！', '？', '!', '?', '…', '”', '」', '』', '；', ';':
			return true
		}
	}
	return r >= 60 && strings.ContainsAny(t, "，,、；;")
}

// headline: short, no sentence punctuation, not a byline, breadcrumb,
// keyword chain, promo or widget.
func (a *analyzer) headline(i int) bool {
	t, r := a.text[i], a.runes[i]
	if r < minHeadlineRunes || r > maxHeadlineRunes {
		return false
	}
	if strings.Contains(t, "。") || strings.Count(t, "，") > 2 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(t)
	switch last {
	case '，', ',', '；', ';', '：', ':', '、':
		return false
	}
	if hanCount(t) < 2 || a.subtitleMarker(i) {
		return false
	}
	return !a.preambleLike(i) && !a.byline(i) && !a.crumb(i)
}

// preambleLike: keyword chains, promos, widgets, list labels and URLs.
func (a *analyzer) preambleLike(i int) bool {
	t := a.text[i]
	return a.widget(i) || keywordLine(t) || promoLine(t, a.runes[i]) || listLabelRe.MatchString(fold(t).s) ||
		strings.Contains(t, "http://") || strings.Contains(t, "https://") || strings.HasPrefix(t, "www.")
}

func (a *analyzer) crumb(i int) bool {
	if a.runes[i] > maxBreadcrumbRunes {
		return false
	}
	_, ok := ParseBreadcrumb(a.text[i])
	return ok
}

func (a *analyzer) subtitleMarker(i int) bool {
	t := a.text[i]
	return strings.ContainsRune(subtitleDashes, firstRune(t)) && TrimSubtitle(t) != t && TrimSubtitle(t) != ""
}

// subtitleDashes open a subtitle line: ——副题, --副题, －－副题.
const subtitleDashes = "—-－━―"

// TrimSubtitle returns a subtitle line without its leading dashes and
// spaces ("——市政法機關…綜述" -> "市政法機關…綜述"); other text is returned
// trimmed. A single ASCII hyphen is not a subtitle marker.
func TrimSubtitle(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "-") && !strings.HasPrefix(t, "--") {
		return t
	}
	return strings.TrimSpace(strings.TrimLeft(t, subtitleDashes))
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// widget: share buttons, font-size switches, counters, lone numbers.
func (a *analyzer) widget(i int) bool {
	if a.runes[i] > maxWidgetRunes {
		return false
	}
	t := fold(a.text[i]).s
	if a.runes[i] <= 16 && counterRe.MatchString(t) {
		return true
	}
	toks := strings.Fields(t)
	for _, tok := range toks {
		if !widgetToken(tok) {
			return false
		}
	}
	return len(toks) > 0
}

func widgetToken(tok string) bool {
	if strings.Trim(tok, "0123456789") == "" {
		return true
	}
	tok = strings.Trim(tok, "[]【】()<>:")
	switch tok {
	case "分享到", "分享", "分享至", "字号", "字號", "字体", "字體", "超大", "大", "中", "小", "标准", "標準",
		"收藏", "打印", "关闭", "關閉", "关闭窗口", "關閉窗口", "调整字体", "調整字體", "缩小字体", "縮小字體",
		"放大字体", "放大字體", "评论", "評論", "举报", "舉報", "微信", "微博", "QQ", "QQ空间", "QQ空間", "Qzone",
		"易信", "转发", "轉發", "点赞", "點讚", "纠错", "糾錯", "返回顶部", "返回頂部", "返回", "顶部", "頂部",
		"A-", "A", "A+", "阅读", "閱讀", "浏览", "瀏覽", "复制链接", "複製鏈接", "扫码阅读", "掃碼閱讀",
		"扫码阅读全文", "朋友圈", "腾讯QQ", "騰訊QQ", "人民微博", "更多":
		return true
	}
	return false
}

// trailerLine: what may close an article after its body.
func (a *analyzer) trailerLine(i int) bool {
	if a.hardEnd(i) || a.widget(i) {
		return true
	}
	if a.byline(i) {
		b := a.byl[i]
		return b.Origin != "" || b.Editor != "" || len(b.Authors) > 0
	}
	return listLabelRe.MatchString(fold(a.text[i]).s)
}

// hardEnd: an editor byline or a copyright or disclaimer notice.
func (a *analyzer) hardEnd(i int) bool {
	if a.byline(i) && a.byl[i].Editor != "" {
		return true
	}
	return a.runes[i] <= 200 && copyrightLine(a.text[i])
}

// copyrightLine: copyright, disclaimer and reprint notices.
func copyrightLine(t string) bool {
	for _, w := range [...]string{
		"版权所有", "版權所有", "Copyright", "copyright", "COPYRIGHT", "©", "(c)", "(C)",
		"免责声明", "免責聲明", "未经授权", "未經授權", "禁止转载", "禁止轉載", "转载请", "轉載請",
		"不代表本站", "不代表本网", "不代表本網", "不代表本平台", "仅代表作者", "僅代表作者",
		"本平台仅提供", "本平台僅提供",
	} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// keywordLine: a chain of short keyword tokens (99福利在线_xxxx影院_…) or a
// line of short space-separated keywords.
func keywordLine(t string) bool {
	if starts, ends := titleParts(t); len(starts) >= 2 {
		if h, _, _ := SplitTitle(t); h == t {
			short, junk := true, 0
			for i := range starts {
				p := t[starts[i]:ends[i]]
				if utf8.RuneCountInString(p) > maxChainPartRunes {
					short = false
				}
				if junkToken(fold(p).s) {
					junk++
				}
			}
			if short && (len(starts) >= 3 || junk >= 1) {
				return true
			}
		}
	}
	toks := strings.Fields(t)
	if len(toks) >= 4 {
		for _, tok := range toks {
			if utf8.RuneCountInString(tok) > 4 {
				return false
			}
		}
		return true
	}
	return false
}

// promoLine: app and account promotion (梧州零距離APP梧州零距離, 扫码下载客户端).
func promoLine(t string, runes int) bool {
	if runes > maxPromoRunes {
		return false
	}
	for _, w := range [...]string{"下载", "下載", "客户端", "客戶端", "扫码", "掃碼", "扫一扫", "掃一掃",
		"二维码", "二維碼", "关注我们", "關注我們", "点击关注", "點擊關注", "公众号", "公眾號"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	f := fold(t).s
	i := strings.Index(strings.ToUpper(f), "APP")
	if i < 0 {
		return false
	}
	before, after := strings.TrimSpace(f[:i]), strings.TrimSpace(f[i+3:])
	return before == after || after == "" && runes <= 10
}

func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}
