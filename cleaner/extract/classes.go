package extract

import "strings"

// classInfo is what an element's id and class attributes say about it.
// It is computed once per distinct "id class" string of a page.
type classInfo struct {
	weight   int16 // readability-style class weight: ±25 per signal
	unlikely bool  // an unlikely content candidate (comments, share bars …)
	junk     bool  // almost never article text (share, related, comments, ads)
	body     bool  // a known article-body container name (article-body, TRS_Editor …)
	hidden   bool  // a class that hides the element (hidden, d-none, sr-only)
	crumb    bool  // a breadcrumb container
	byline   bool  // a byline / article info container
	title    bool  // an article title container
	caption  bool  // an image caption or credit
}

// Patterns are matched as substrings of the lower-cased "id class" string.
var (
	positiveWords = []string{
		"article", "body", "content", "entry", "hentry", "h-entry", "main",
		"page", "post", "text", "blog", "story",
		// Chinese portal names: 正文 (zw, zhengwen), 内容 (nr, neirong).
		"zhengwen", "neirong", "trs_editor", "endtext", "artibody", "rich_media",
	}
	negativeWords = []string{
		"-ad-", "hidden", "banner", "combx", "comment", "com-", "contact",
		"footer", "footnote", "gdpr", "masthead", "media", "meta", "outbrain",
		"promo", "related", "scroll", "share", "shoutbox", "sidebar",
		"skyscraper", "sponsor", "shopping", "tags", "widget", "recommend",
		"xgxw", "xgyd", "xgwz", "tuijian", "fenxiang", "pinglun", "jiathis",
		"bdshare", "guanggao", "copyright", "banquan", "newsletter", "subscribe",
	}
	unlikelyWords = []string{
		"-ad-", "ai2html", "banner", "breadcrumb", "combx", "comment",
		"community", "cover-wrap", "disqus", "extra", "footer", "gdpr",
		"header", "legends", "menu", "related", "remark", "replies", "rss",
		"shoutbox", "sidebar", "skyscraper", "social", "sponsor",
		"supplemental", "ad-break", "agegate", "pagination", "pager",
		"popup", "yom-remote", "share", "newsletter", "subscribe",
		"recommend", "outbrain", "taboola", "xgxw", "xgyd", "xgwz",
		"tuijian", "fenxiang", "pinglun", "jiathis", "bdshare", "cookie",
	}
	maybeWords = []string{"and", "article", "body", "column", "content", "main", "mathjax", "shadow", "zhengwen", "trs_editor", "endtext"}
	junkWords  = []string{
		"share", "sharing", "social", "related", "comment", "disqus",
		"newsletter", "subscribe", "advert", "sponsor", "outbrain",
		"taboola", "recommend", "popup", "cookie", "xgxw", "xgyd", "xgwz",
		"tuijian", "fenxiang", "pinglun", "jiathis", "bdshare", "guanggao",
		"breadcrumb", "crumb",
	}
	// bodyNames are whole class or id tokens of article-body containers.
	bodyNames = map[string]bool{
		"articlebody": true, "article-body": true, "article_body": true,
		"article-content": true, "article_content": true, "articlecontent": true,
		"article-text": true, "article_text": true, "articletext": true,
		"article-detail": true, "article_detail": true, "article-main": true,
		"post-content": true, "post_content": true, "postcontent": true,
		"post-body": true, "post_body": true, "postbody": true,
		"post-text": true, "post_text": true, "entry-content": true,
		"entry_content": true, "entrycontent": true, "story-body": true,
		"story_body": true, "storybody": true, "story-content": true,
		"story-text": true, "td-post-content": true, "news-content": true,
		"news_content": true, "newscontent": true, "news-text": true,
		"news_text": true, "newstext": true, "news-body": true,
		"content_area": true, "content-area": true, "trs_editor": true,
		"endtext": true, "rich_media_content": true, "js_content": true,
		"artibody": true, "article_con": true, "art_content": true,
		"text_con": true, "txt_con": true, "txtcon": true, "cont_text": true, "detail-content": true,
		"detail_content": true, "detailcontent": true, "zw": true,
		"zhengwen": true, "main-text": true, "maintext": true,
		"content-text": true, "content_text": true, "contenttext": true,
		"article-txt": true, "article_txt": true, "news_txt": true,
		"rm_txt_con": true, "box_con": true, "show_text": true,
		"mainnewscontent": true, "ozoom": true, "articlecont": true,
	}
	hiddenNames = map[string]bool{
		"hidden": true, "hide": true, "d-none": true, "sr-only": true,
		"visually-hidden": true, "visuallyhidden": true, "screen-reader-text": true,
		"screen-reader-only": true, "offscreen": true,
	}
	crumbWords  = []string{"breadcrumb", "crumb", "position", "location", "weizhi", "dqwz", "bread", "nav-path", "navpath"}
	bylineWords = []string{
		"byline", "author", "source", "date", "time", "info", "meta",
		"pubtime", "publish", "post_time", "article-info", "laiyuan",
	}
	titleWords   = []string{"title", "headline", "tit", "biaoti"}
	captionWords = []string{"caption", "credit", "figcaption", "img-desc", "pic-desc", "picdesc", "pictext"}
)

// Categories of id/class words, as bits of a wordMatcher.
const (
	catPositive = 1 << iota
	catNegative
	catUnlikely
	catMaybe
	catJunk
	catCrumb
	catByline
	catTitle
	catCaption
)

// wordMatcher finds which categories of words occur in a string in one
// pass: an Aho-Corasick automaton turned into a DFA over a small
// alphabet (letters, digits, '-', '_', anything else).
type wordMatcher struct {
	sym  [256]uint8 // byte -> symbol
	next []int32    // state*nsym + symbol -> state
	cats []uint16   // state -> categories of the words ending there
	nsym int
}

func newWordMatcher() *wordMatcher {
	m := &wordMatcher{}
	other := uint8(0)
	n := uint8(1)
	for c := 'a'; c <= 'z'; c++ {
		m.sym[c] = n
		n++
	}
	for c := '0'; c <= '9'; c++ {
		m.sym[c] = n
		n++
	}
	m.sym['-'], m.sym['_'] = n, n+1
	n += 2
	for i := range m.sym {
		if m.sym[i] == 0 {
			m.sym[i] = other
		}
	}
	m.nsym = int(n)
	// Trie.
	children := [][]int32{make([]int32, m.nsym)}
	cats := []uint16{0}
	add := func(words []string, cat uint16) {
		for _, w := range words {
			st := int32(0)
			for i := 0; i < len(w); i++ {
				c := m.sym[w[i]]
				if children[st][c] == 0 {
					children = append(children, make([]int32, m.nsym))
					cats = append(cats, 0)
					children[st][c] = int32(len(children) - 1)
				}
				st = children[st][c]
			}
			cats[st] |= cat
		}
	}
	add(positiveWords, catPositive)
	add(negativeWords, catNegative)
	add(unlikelyWords, catUnlikely)
	add(maybeWords, catMaybe)
	add(junkWords, catJunk)
	add(crumbWords, catCrumb)
	add(bylineWords, catByline)
	add(titleWords, catTitle)
	add(captionWords, catCaption)
	// Failure links in breadth-first order, folded into a DFA.
	fail := make([]int32, len(children))
	m.next = make([]int32, len(children)*m.nsym)
	queue := []int32{0}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for c := 0; c < m.nsym; c++ {
			child := children[st][c]
			if child != 0 {
				if st != 0 {
					fail[child] = m.next[int(fail[st])*m.nsym+c]
				}
				cats[child] |= cats[fail[child]]
				m.next[int(st)*m.nsym+c] = child
				queue = append(queue, child)
			} else if st != 0 {
				m.next[int(st)*m.nsym+c] = m.next[int(fail[st])*m.nsym+c]
			}
		}
	}
	m.cats = cats
	return m
}

// match returns the union of the categories of the words found in s.
func (m *wordMatcher) match(s string) uint16 {
	var cats uint16
	st := int32(0)
	for i := 0; i < len(s); i++ {
		st = m.next[int(st)*m.nsym+int(m.sym[s[i]])]
		cats |= m.cats[st]
	}
	return cats
}

// classWords is the matcher of the word lists above; it is built once and
// never modified.
var classWords = newWordMatcher()

// classifyAttr computes the classInfo of a lower-cased "id class" string.
func classifyAttr(s string) classInfo {
	var ci classInfo
	if s == "" {
		return ci
	}
	cats := classWords.match(s)
	if cats&catNegative != 0 {
		ci.weight -= 25
	}
	if cats&catPositive != 0 {
		ci.weight += 25
	}
	ci.unlikely = cats&catUnlikely != 0 && cats&catMaybe == 0
	ci.junk = cats&catJunk != 0
	ci.crumb = cats&catCrumb != 0
	ci.byline = cats&catByline != 0
	ci.title = cats&catTitle != 0
	ci.caption = cats&catCaption != 0
	for tok := range strings.FieldsSeq(s) {
		if bodyNames[tok] {
			ci.body = true
		}
		if hiddenNames[tok] {
			ci.hidden = true
		}
		// An ad slot: "ad", "ads", "ad-slot", "gg" (广告) as whole tokens.
		switch tok {
		case "ad", "ads", "advert", "advertisement", "ad-container", "ad-slot", "adsbygoogle", "gg", "ggw",
			"foot", "ft", "bottom", "dibu", "copy", "copyright":
			ci.junk = true
			ci.unlikely = true
			ci.weight -= 25
		}
	}
	return ci
}
