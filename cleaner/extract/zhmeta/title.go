package zhmeta

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Title limits.
const (
	maxSuffixRunes     = 20 // a site or channel name
	maxShortTailRunes  = 8  // an unrecognised last part still taken as a site
	maxChainPartRunes  = 12 // parts of a keyword chain are short
	maxCrumbRunes      = 16 // a crumb before the last
	maxLastCrumbRunes  = 64 // the last crumb may be the article title
	maxBreadcrumbRunes = 120
)

// crumbLabelRe matches breadcrumb position labels: 当前位置：, 您的位置:,
// 您现在的位置是：.
var crumbLabelRe = regexp.MustCompile(`^(?:您现在的位置|您現在的位置|您当前的位置|您當前的位置|您的当前位置|您的當前位置|您所在的位置|您所在位置|您的位置|当前位置|當前位置|现在位置|現在位置|所在位置|位置)[ \t]*(?:是)?[ \t]*:?[ \t]*`)

// SplitTitle removes a site or channel suffix from a page title
// ("标题_科技_新浪网" -> "标题", site "新浪网", section "科技"; also " | " and
// " - " separators). It returns the title unchanged when no separator
// splits off a plausible suffix.
//
// Separators: _ | ｜ 丨 -- —— － and a spaced - – —. Parts are taken off
// the end while they look like a site or channel: they contain 网, 报,
// 新闻, 频道, 站, 社, TV … (Simplified or Traditional), start with a known
// portal name (新浪, 腾讯, 凤凰 …), are a channel word (科技, 财经 …), or
// (the last part only) are short and free of digits. With one suffix part
// it is the site (or the section for a bare channel word); with more, the
// last is the site and the first the section. A keyword chain such as
// "99福利在线_xxxx影院_毛片网站免费_777sesese" is returned unchanged: it has
// at least three short parts of which two or more mix digits or Latin
// letters with other text, or what is left after the suffix is itself
// several short parts.
func SplitTitle(title string) (headline, section, site string) {
	t := strings.TrimSpace(title)
	starts, ends := titleParts(t)
	n := len(starts)
	if n < 2 {
		return title, "", ""
	}
	part := func(i int) string { return t[starts[i]:ends[i]] }
	if isKeywordChain(n, part) {
		return title, "", ""
	}
	// When every part is short, only recognised site and channel names
	// come off (and an unrecognised last part of a two-part title): a
	// chain of short keywords must not yield a headline.
	allShort := true
	for i := range n {
		if utf8.RuneCountInString(part(i)) > maxChainPartRunes {
			allShort = false
		}
	}
	k := n // parts [k, n) are the suffix
	siteSeen := false
	for k > 1 {
		p := fold(part(k - 1)).s
		if !isSuffixPart(p, k == n && (!allShort || n == 2), siteSeen && !allShort) {
			break
		}
		siteSeen = siteSeen || siteLike(p) || knownSite(p)
		k--
	}
	if k == n {
		return title, "", ""
	}
	if k >= 2 {
		short := true
		for i := range k {
			if utf8.RuneCountInString(part(i)) > maxChainPartRunes {
				short = false
			}
		}
		if short {
			return title, "", ""
		}
	}
	headline = strings.TrimSpace(t[:ends[k-1]])
	if n-k == 1 {
		p := fold(part(k)).s
		if !siteLike(p) && !knownSite(p) && sectionWord(p) {
			return headline, part(k), ""
		}
		return headline, "", part(k)
	}
	return headline, part(k), part(n - 1)
}

// titleParts splits a title on its separators: runs of _ ＿ | ｜ 丨 －,
// two or more - or —, and a single - – — with spaces on both sides.
// Part i is t[starts[i]:ends[i]]; separators at either end split nothing.
func titleParts(t string) (starts, ends []int) {
	prev := 0
	for i := 0; i < len(t); {
		r, n := utf8.DecodeRuneInString(t[i:])
		j := i + n // end of the separator run
		sep := false
		switch r {
		case '_', '＿', '|', '｜', '丨', '－':
			for j < len(t) && strings.ContainsRune("_＿|｜丨－", firstRune(t[j:])) {
				j += utf8.RuneLen(firstRune(t[j:]))
			}
			sep = true
		case '-', '—', '–':
			run := 1
			for j < len(t) && firstRune(t[j:]) == r {
				j += n
				run++
			}
			sep = run >= 2 && r != '–' || spaceBefore(t, i) && spaceAfter(t, j)
		}
		if !sep {
			i = j
			continue
		}
		a, b := i, j
		for a > prev && isTitleSpace(lastRune(t[:a])) {
			a -= utf8.RuneLen(lastRune(t[:a]))
		}
		for b < len(t) && isTitleSpace(firstRune(t[b:])) {
			b += utf8.RuneLen(firstRune(t[b:]))
		}
		switch {
		case a > prev && b < len(t):
			starts, ends = append(starts, prev), append(ends, a)
			prev = b
		case a == prev && prev > 0 && b < len(t):
			prev = b // consecutive separators ("a - - b") split once
		}
		i = b
	}
	return append(starts, prev), append(ends, len(t))
}

func isTitleSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\u3000' }

func spaceBefore(t string, i int) bool { return i > 0 && isTitleSpace(lastRune(t[:i])) }

func spaceAfter(t string, j int) bool { return j < len(t) && isTitleSpace(firstRune(t[j:])) }

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// isKeywordChain: at least three short parts, two or more of them junk
// (digits or Latin letters mixed with other text).
func isKeywordChain(n int, part func(int) string) bool {
	if n < 3 {
		return false
	}
	junk := 0
	for i := range n {
		p := part(i)
		if utf8.RuneCountInString(p) > maxChainPartRunes {
			return false
		}
		if junkToken(fold(p).s) {
			junk++
		}
	}
	return junk >= 2
}

// junkToken: ASCII letters or digits mixed with Han text (99福利在线,
// xxxx影院) or digits mixed with letters (777sesese).
func junkToken(s string) bool {
	var digit, letter, han bool
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r < utf8.RuneSelf && unicode.IsLetter(r):
			letter = true
		case unicode.Is(unicode.Han, r):
			han = true
		}
	}
	return (digit || letter) && han || digit && letter
}

// isSuffixPart reports whether a folded title part may be a site or
// channel name. last: it is the title's last part; afterSite: a part
// after it was recognised as a site, so a short part here is a channel
// (标题_科技湃_澎湃新闻).
func isSuffixPart(p string, last, afterSite bool) bool {
	n := utf8.RuneCountInString(p)
	if n == 0 || n > maxSuffixRunes || strings.ContainsAny(p, "，。,!?:;“”\"《》") {
		return false
	}
	if siteLike(p) || knownSite(p) || sectionWord(p) {
		return true
	}
	if n > maxShortTailRunes {
		return false
	}
	if afterSite {
		return true
	}
	if !last {
		return false
	}
	for _, r := range p {
		if unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// siteLike reports whether a (folded) name looks like a site, paper or
// channel: 网, 报, 新闻, 频道, 社 …
func siteLike(p string) bool {
	for _, w := range [...]string{
		"网", "網", "报", "報", "新闻", "新聞", "频道", "頻道", "站", "TV", "电视", "電視", "广播", "廣播",
		"传媒", "傳媒", "资讯", "資訊", "在线", "在線", "门户", "門戶", "客户端", "客戶端", "APP", "时报", "時報",
		".com", ".cn", ".net", ".org", "中心", "杂志", "雜誌", "周刊", "週刊",
	} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return strings.HasSuffix(p, "社") || strings.HasSuffix(p, "台")
}

// knownSite reports whether a name starts with a portal or app name that
// carries no site word (新浪, 腾讯, 今日头条 …).
func knownSite(p string) bool {
	for _, w := range [...]string{
		"新浪", "搜狐", "腾讯", "騰訊", "凤凰", "鳳凰", "网易", "網易", "今日头条", "今日頭條", "头条", "頭條",
		"百家号", "百家號", "和讯", "和訊", "36氪", "虎嗅", "第一财经", "第一財經", "界面", "财新", "財新",
		"澎湃", "观察者", "觀察者", "知乎", "微博", "微信", "一点资讯", "央视", "央視", "CCTV", "CGTN",
		"新华", "新華", "人民", "中新", "环球", "環球", "南都", "红星", "紅星", "封面", "上游", "极目", "極目",
		"大公", "文汇", "文匯", "明报", "明報", "联合早报", "聯合早報", "BBC", "Reuters", "AP",
	} {
		if strings.HasPrefix(p, w) {
			return true
		}
	}
	return false
}

// sectionWord reports channel names used bare in titles and breadcrumbs.
func sectionWord(p string) bool {
	switch p {
	case "国内", "國內", "国际", "國際", "社会", "社會", "科技", "财经", "財經", "体育", "體育", "娱乐", "娛樂",
		"军事", "軍事", "汽车", "汽車", "房产", "房產", "教育", "健康", "文化", "旅游", "旅遊", "时尚", "時尚",
		"游戏", "遊戲", "数码", "數碼", "手机", "手機", "股票", "基金", "理财", "理財", "评论", "評論", "观点",
		"觀點", "要闻", "要聞", "时政", "時政", "地方", "本地", "民生", "法治", "图片", "圖片", "视频", "視頻",
		"专题", "專題", "新闻", "新聞", "资讯", "資訊", "国内新闻", "國內新聞", "国际新闻", "國際新聞",
		"社会新闻", "社會新聞", "新闻中心", "新聞中心", "滚动", "滾動", "港澳台", "台湾", "台灣", "香港",
		"澳门", "澳門", "国内国际", "公司", "产经", "產經", "宏观", "宏觀", "互联网", "互聯網", "房地产", "房地產":
		return true
	}
	return false
}

// ParseBreadcrumb splits a breadcrumb line ("梧州零距離網 > 聚焦梧州 > 正文",
// "首页 > 新闻 > 国内", "当前位置：…") into its crumbs, without 首页/正文
// placeholders. ok is false when line is not a breadcrumb.
//
// Separators are > >> » › → -> ＞ 〉, and also / and a spaced - after a
// position label (当前位置：, 您的位置:, 您现在的位置是：) or a home crumb
// (首页 / 财经). Without a label at least two crumbs are needed; crumbs
// hold no sentence punctuation. Placeholders
// dropped: 首页, 主页, 网站首页, 正文, 详情, 当前位置 … (Simplified and
// Traditional); 网易首页 keeps 网易. A crumb before the last has at most
// 16 runes, the last (often the article title) at most 64. Crumbs are
// returned as written.
func ParseBreadcrumb(line string) (crumbs []string, ok bool) {
	f := fold(line)
	s := f.s
	lo, hi := trimSpan(s, 0, len(s))
	if lo >= hi || utf8.RuneCountInString(s[lo:hi]) > maxBreadcrumbRunes {
		return nil, false
	}
	labelled := false
	if m := crumbLabelRe.FindStringIndex(s[lo:hi]); m != nil {
		labelled = true
		lo += m[1]
	}
	spans := splitCrumbs(s, lo, hi, false)
	if len(spans) < 2 {
		weak := splitCrumbs(s, lo, hi, true)
		if len(weak) >= 2 && (labelled || isHomeCrumb(s[weak[0][0]:weak[0][1]])) {
			spans = weak
		}
	}
	if len(spans) < 2 && !labelled {
		return nil, false
	}
	for i, sp := range spans {
		c := s[sp[0]:sp[1]]
		if c == "" {
			continue
		}
		limit := maxCrumbRunes
		if i == len(spans)-1 {
			limit = maxLastCrumbRunes
		}
		if utf8.RuneCountInString(c) > limit || strings.ContainsAny(c, "。!?;:【】") ||
			strings.Contains(c, "http") {
			return nil, false
		}
		c2 := stripHome(c)
		if c2 == "" || isPlaceholderCrumb(c2) {
			continue
		}
		crumbs = append(crumbs, f.origSpan(sp[0], sp[0]+len(c2)))
	}
	return crumbs, true
}

// splitCrumbs splits folded s[lo:hi] on breadcrumb separators into
// trimmed, non-empty spans: > >> » › → -> 〉, or with weak, / and a
// spaced -.
func splitCrumbs(s string, lo, hi int, weak bool) [][2]int {
	var out [][2]int
	prev := lo
	add := func(a, b int) {
		if a, b = trimSpan(s, a, b); a < b {
			out = append(out, [2]int{a, b})
		}
	}
	for i := lo; i < hi; {
		r, n := utf8.DecodeRuneInString(s[i:hi])
		sep := 0 // bytes of separator at i
		switch {
		case weak && r == '/':
			sep = n
		case weak && r == '-' && i > lo && s[i-1] == ' ' && i+1 < hi && s[i+1] == ' ':
			sep = n
		case weak:
		case r == '>' || r == '»' || r == '›' || r == '→' || r == '〉':
			sep = n
		case r == '-' && i+1 < hi && s[i+1] == '>':
			sep = 2
		}
		if sep == 0 {
			i += n
			continue
		}
		add(prev, i)
		i += sep
		prev = i
	}
	add(prev, hi)
	return out
}

func isHomeCrumb(c string) bool {
	switch c {
	case "首页", "首頁", "主页", "主頁", "网站首页", "網站首頁", "Home", "home", "HOME":
		return true
	}
	return false
}

// stripHome turns 网易首页 into 网易 and 首页 into "".
func stripHome(c string) string {
	for _, h := range [...]string{"网站首页", "網站首頁", "首页", "首頁", "主页", "主頁"} {
		if strings.HasSuffix(c, h) {
			return strings.TrimSpace(strings.TrimSuffix(c, h))
		}
	}
	return c
}

func isPlaceholderCrumb(c string) bool {
	switch c {
	case "正文", "正文内容", "正文內容", "内容", "內容", "详情", "詳情", "详细", "詳細", "文章", "当前位置", "當前位置",
		"Home", "home", "HOME", "返回", "阅读", "閱讀", "资讯正文", "資訊正文", "新闻正文", "新聞正文":
		return true
	}
	return false
}

// siteName is stricter than siteLike: the name of a whole site (人民网,
// 梧州日报, 网易), not of a channel (国内新闻, 新闻中心).
func siteName(c string) bool {
	for _, suf := range [...]string{"网", "網", "站", "报", "報", "台", "社", "TV", ".com", ".cn", ".net", "APP", "客户端", "客戶端"} {
		if strings.HasSuffix(c, suf) {
			return true
		}
	}
	return knownSite(c)
}

// SiteSection picks the site name and the section out of breadcrumb
// crumbs (as ParseBreadcrumb returns them): the site is the first crumb
// when it names a whole site (ends in 网, 报, 站, 台, 社 … or is a known
// portal: 梧州零距離網, 人民网, 网易) and is not a bare channel word; the section is the last remaining crumb of at most
// 12 runes (a long last crumb is usually the article title).
func SiteSection(crumbs []string) (site, section string) {
	rest := crumbs
	if len(crumbs) > 0 {
		if c := fold(crumbs[0]).s; siteName(c) && !sectionWord(c) {
			site, rest = crumbs[0], crumbs[1:]
		}
	}
	for i := len(rest) - 1; i >= 0; i-- {
		if utf8.RuneCountInString(rest[i]) <= 12 {
			return site, rest[i]
		}
	}
	return site, ""
}
