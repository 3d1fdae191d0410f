package demosite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func parseTemplates() (*template.Template, error) {
	t, err := template.New("site").ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("demosite: templates: %w", err)
	}
	return t, nil
}

type navView struct {
	Name, URL string
	Current   bool
}

type bodyView struct {
	Text, Class string
	Head        bool
}

type listItem struct{ Title, URL, Date string }

type pagerLink struct{ Text, URL string }

type block struct {
	Name, URL string
	Items     []listItem
}

// chrome is the furniture every HTML page shares.
type chrome struct {
	Nav             []navView
	Friends, Footer []link
	Year            int
}

type articleView struct {
	chrome
	MetaTag                                          template.HTML
	TitleTag, Title, Subtitle, Keywords, Description string
	Canonical, PublishedISO, PubDate, Origin         string
	SectionName, SectionURL, TopAd, RelatedHead      string
	JSONLD                                           template.JS
	Hidden, Related, Hot                             []link
	Header, Byline                                   []string
	Body                                             []bodyView
	RelatedInner                                     bool
	CommentCount                                     int
}

type listingView struct {
	chrome
	Lang, SiteName, Heading, PageLabel string
	Page                               int
	Items                              []listItem
	Pages                              []pagerLink
}

type homeView struct {
	chrome
	Latest []listItem
	Blocks []block
}

type simpleView struct {
	chrome
	Heading string
	Paras   []string
	Items   []listItem
}

// metaTag is the charset declaration of a page (fixed strings only).
func metaTag(tmpl, label string) template.HTML {
	switch {
	case label == "":
		return ""
	case tmpl == TemplateModern:
		return template.HTML(`<meta charset="` + label + `">`)
	default:
		return template.HTML(`<meta http-equiv="Content-Type" content="text/html; charset=` + label + `">`)
	}
}

func (s *Site) chrome(script, current string) chrome {
	c := chrome{Year: 2026}
	name := func(n string) string {
		if script == scriptHant {
			t, _ := s.c.toHant(n)
			return t
		}
		return n
	}
	c.Nav = append(c.Nav, navView{Name: name("首页"), URL: "/"})
	for _, sec := range s.m.sections {
		c.Nav = append(c.Nav, navView{Name: name(sec.name), URL: "/news/" + sec.slug + "/index.html", Current: sec.slug == current})
	}
	c.Nav = append(c.Nav,
		navView{Name: name("专题"), URL: "/news/special/index.html", Current: current == "special"},
		navView{Name: "彩票", URL: "http://caipiao.wzljl.example/"})
	if script == scriptHant {
		c.Friends = []link{{"梧州市人民政府", "http://www.wuzhou.gov.example/"}, {"廣西新聞網", "http://www.gxnews.example/"}, {"西江都市報", "http://www.xjdsb.example/"}}
	} else {
		c.Friends = []link{{"梧州市人民政府", "http://www.wuzhou.gov.example/"}, {"广西新闻网", "http://www.gxnews.example/"}, {"西江都市报", "http://www.xjdsb.example/"}}
	}
	return c
}

// byline returns the byline lines of a page in its script.
func byline(p *page) []string {
	if p.m.Special == "seed" {
		return []string{p.seedByline}
	}
	sc := p.script()
	names := func(sep string) string {
		var n []string
		for _, a := range p.authors {
			n = append(n, a.in(sc))
		}
		return strings.Join(n, sep)
	}
	t := p.published
	ymd := t.Format("2006-01-02")
	hm := t.Format("15:04")
	o, e := p.origin.in(sc), p.editor.in(sc)
	switch p.m.Template {
	case TemplateModern:
		au := []string{"记者：" + names(" "), "作者：" + names("、"), "文/" + names("")}[p.variant]
		return []string{t.Format("2006-01-02 15:04:05"), "来源：" + o, au}
	case TemplateTable:
		if p.variant == 0 {
			return []string{"时间:" + ymd + " 来源:" + o + " 作者:" + names(" ") + " 编辑:" + e}
		}
		return []string{"日期：" + t.Format("2006年01月02日") + "　来源：" + o + "　记者：" + names("、") + "　责任编辑：" + e}
	case TemplateGov:
		if p.variant == 0 {
			return []string{"时间：" + ymd + " " + hm, "来源：" + o, "作者：" + names(" "), "编辑：" + e}
		}
		return []string{"发布时间：" + t.Format("2006年01月02日") + " " + hm, "信息来源：" + o, "撰稿：" + names("、"), "责任编辑：" + e}
	default:
		if p.variant == 0 {
			return []string{"時間:" + ymd + " " + hm + " 來源:" + o + " 作者:" + names(" ") + " 編輯:" + e}
		}
		date := strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
		return []string{"發佈時間：" + date + " " + hm + "　來源：" + o + "　記者：" + names("、") + "　責任編輯：" + e}
	}
}

// bodyText is a paragraph as the page shows it (with an injected span).
func bodyText(q para, script string) string {
	s := q.t.in(script)
	if q.span != "" {
		s = s[:q.at] + q.span + s[q.at:]
	}
	return s
}

type ldPerson struct {
	Type string `json:"@type"`
	Name string `json:"name"`
}

type jsonLD struct {
	Context          string     `json:"@context"`
	Type             string     `json:"@type"`
	Headline         string     `json:"headline"`
	DatePublished    string     `json:"datePublished"`
	Author           []ldPerson `json:"author"`
	Publisher        ldPerson   `json:"publisher"`
	MainEntityOfPage string     `json:"mainEntityOfPage"`
	ArticleSection   string     `json:"articleSection"`
}

func (s *Site) articleView(p *page, base string) articleView {
	sc := p.script()
	v := articleView{
		chrome:       s.chrome(sc, p.sec.slug),
		MetaTag:      metaTag(p.m.Template, p.metaLabel),
		Title:        p.title.in(sc),
		Subtitle:     p.subtitle.in(sc),
		Canonical:    base + p.m.Path,
		PublishedISO: p.published.Format(time.RFC3339),
		PubDate:      p.published.Format("2006-01-02 15:04"),
		Origin:       p.origin.in(sc),
		SectionURL:   "/news/" + p.sec.slug + "/index.html",
		TopAd:        p.topAd,
		RelatedHead:  p.relatedHead,
		RelatedInner: p.relatedInner,
		Hidden:       p.hidden,
		Header:       p.header,
		Byline:       byline(p),
		CommentCount: int(newRNG("comments", p.m.Path).intn(40)),
	}
	v.Footer = p.footer
	v.SectionName = p.sec.name
	if sc == scriptHant {
		v.SectionName, _ = s.c.toHant(p.sec.name)
	}
	if p.m.Special == "seed" {
		// The seed page shows its own breadcrumb line.
		v.SectionName = between(p.seedCrumb, "> ", " >")
	}
	switch {
	case p.titleTag != "":
		v.TitleTag = p.titleTag
	case p.m.Template == TemplateModern:
		v.TitleTag = v.Title + " - " + siteName
	case p.m.Template == TemplateTable:
		v.TitleTag = v.Title + "_" + siteName
	case p.m.Template == TemplateGov:
		v.TitleTag = v.Title + "_" + v.SectionName + "_" + siteName
	case p.m.Template == TemplateSpam:
		v.TitleTag = v.Title
	default:
		v.TitleTag = v.Title + "_" + siteNameHant
	}
	v.Keywords = siteName + "," + v.SectionName
	for _, q := range p.body {
		bv := bodyView{Text: bodyText(q, sc), Head: q.kind == 'h'}
		if q.kind == 'x' {
			bv.Class = q.class
		}
		v.Body = append(v.Body, bv)
	}
	if len(p.body) > 0 {
		d := []rune(p.body[0].t.in(sc))
		v.Description = string(d[:min(len(d), 60)])
	}
	if p.m.Kind == KindSpamPage {
		v.Related = p.spamLinks
		v.Keywords = strings.ReplaceAll(v.Title, "_", ",")
		return v
	}
	for _, o := range p.related {
		v.Related = append(v.Related, link{o.title.in(sc), o.m.Path})
	}
	for _, o := range s.m.latest {
		if len(v.Hot) == 6 {
			break
		}
		if o != p {
			v.Hot = append(v.Hot, link{o.title.in(sc), o.m.Path})
		}
	}
	if p.m.Template == TemplateModern {
		ld := jsonLD{Context: "https://schema.org", Type: "NewsArticle", Headline: v.Title,
			DatePublished: v.PublishedISO, Publisher: ldPerson{"Organization", siteName},
			MainEntityOfPage: v.Canonical, ArticleSection: v.SectionName}
		for _, a := range p.authors {
			ld.Author = append(ld.Author, ldPerson{"Person", a.in(sc)})
		}
		b, err := json.Marshal(ld) // escapes <, > and & for the script element
		if err == nil {
			v.JSONLD = template.JS(b)
		}
	}
	return v
}

// renderArticle renders an article-pattern page in its charset. strict
// refuses characters the charset lacks instead of writing them as
// numeric character references.
func (s *Site) renderArticle(p *page, base string, strict bool) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, p.m.Template+".html", s.articleView(p, base)); err != nil {
		return nil, fmt.Errorf("demosite: render %s: %w", p.m.Path, err)
	}
	return s.encode(buf.Bytes(), p.charset, strict)
}

// encode converts UTF-8 HTML to charset ("utf-8", "gbk" or "big5").
func (s *Site) encode(b []byte, charset string, strict bool) ([]byte, error) {
	var enc *encoding.Encoder
	switch charset {
	case "gbk":
		enc = simplifiedchinese.GBK.NewEncoder()
	case "big5":
		return s.encodeBig5(b, strict)
	default:
		return b, nil
	}
	if !strict {
		enc = encoding.HTMLEscapeUnsupported(enc)
	}
	out, err := enc.Bytes(b)
	if err != nil {
		return nil, fmt.Errorf("demosite: encode %s: %w", charset, err)
	}
	return out, nil
}

func (s *Site) execute(name string, v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, v); err != nil {
		return nil, fmt.Errorf("demosite: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

func items(pages []*page, script string) []listItem {
	out := make([]listItem, 0, len(pages))
	for _, p := range pages {
		out = append(out, listItem{p.title.in(script), p.m.Path, p.published.Format("2006-01-02")})
	}
	return out
}

// listingPages is the number of listing pages of a section.
func listingPages(n int) int { return max(1, (n+perListingPage-1)/perListingPage) }

// listingName is the file name of page i (1-based) of a listing.
func listingName(i int) string {
	if i == 1 {
		return "index.html"
	}
	return "index_" + strconv.Itoa(i) + ".html"
}

func (s *Site) renderListing(sec section, pageNo int) ([]byte, error) {
	all := s.m.bySection[sec.slug]
	n := listingPages(len(all))
	sc := sec.script
	v := listingView{chrome: s.chrome(sc, sec.slug), Lang: "zh-CN", SiteName: siteName, Heading: sec.name, Page: pageNo}
	labels := []string{"首页", "上一页", "下一页", "尾页", "第%d页"}
	if sc == scriptHant {
		v.Lang, v.SiteName = "zh-Hant", siteNameHant
		v.Heading, _ = s.c.toHant(sec.name)
		labels = []string{"首頁", "上一頁", "下一頁", "尾頁", "第%d頁"}
	}
	v.PageLabel = fmt.Sprintf(labels[4], pageNo)
	lo := (pageNo - 1) * perListingPage
	v.Items = items(all[lo:min(len(all), lo+perListingPage)], sc)
	if n > 1 {
		v.Pages = append(v.Pages, pagerLink{labels[0], listingName(1)})
		if pageNo > 1 {
			v.Pages = append(v.Pages, pagerLink{labels[1], listingName(pageNo - 1)})
		}
		for i := 1; i <= n; i++ {
			u := listingName(i)
			if i == pageNo {
				u = ""
			}
			v.Pages = append(v.Pages, pagerLink{strconv.Itoa(i), u})
		}
		if pageNo < n {
			v.Pages = append(v.Pages, pagerLink{labels[2], listingName(pageNo + 1)})
		}
		v.Pages = append(v.Pages, pagerLink{labels[3], listingName(n)})
	}
	return s.execute("listing.html", v)
}

func (s *Site) renderHome() ([]byte, error) {
	v := homeView{chrome: s.chrome(scriptHans, "")}
	v.Latest = items(s.m.latest[:min(20, len(s.m.latest))], scriptHans)
	for _, sec := range s.m.sections {
		l := s.m.bySection[sec.slug]
		v.Blocks = append(v.Blocks, block{Name: sec.name, URL: "/news/" + sec.slug + "/index.html",
			Items: items(l[:min(5, len(l))], scriptHans)})
	}
	return s.execute("home.html", v)
}

func (s *Site) renderSimple(heading string, paras []string, list []listItem) ([]byte, error) {
	return s.execute("simple.html", simpleView{chrome: s.chrome(scriptHans, ""), Heading: heading, Paras: paras, Items: list})
}

// big5Table maps runes to their standard Big5 (CP950) codes: lead bytes
// 0xA1-0xF9, the first code when a rune has several. x/text's Big5
// encoder prefers HKSCS codes for some common characters (港 as 0xFDBB
// instead of 0xB4E4), which WHATWG decoders read but older decoders and
// detectors do not; real Taiwanese pages use the standard codes.
func (s *Site) big5Table() map[rune][2]byte {
	s.big5Once.Do(func() {
		t := map[rune][2]byte{}
		dec := traditionalchinese.Big5.NewDecoder()
		for lead := 0xA1; lead <= 0xF9; lead++ {
			for _, trail := range big5Trails() {
				r, err := dec.Bytes([]byte{byte(lead), byte(trail)})
				if err != nil {
					continue
				}
				c, n := utf8.DecodeRune(r)
				if c == utf8.RuneError || n != len(r) {
					continue
				}
				if _, dup := t[c]; !dup {
					t[c] = [2]byte{byte(lead), byte(trail)}
				}
			}
		}
		s.big5 = t
	})
	return s.big5
}

func big5Trails() []int {
	var out []int
	for b := 0x40; b <= 0x7E; b++ {
		out = append(out, b)
	}
	for b := 0xA1; b <= 0xFE; b++ {
		out = append(out, b)
	}
	return out
}

// encodeBig5 encodes UTF-8 to standard Big5; runes outside it go through
// x/text (HKSCS codes), then, unless strict, numeric character references.
func (s *Site) encodeBig5(b []byte, strict bool) ([]byte, error) {
	t := s.big5Table()
	out := make([]byte, 0, len(b))
	enc := traditionalchinese.Big5.NewEncoder()
	for i := 0; i < len(b); {
		c, n := utf8.DecodeRune(b[i:])
		switch code, ok := t[c]; {
		case c < utf8.RuneSelf:
			out = append(out, byte(c))
		case ok:
			out = append(out, code[0], code[1])
		default:
			x, err := enc.Bytes(b[i : i+n])
			switch {
			case err == nil:
				out = append(out, x...)
			case strict:
				return nil, fmt.Errorf("demosite: encode big5: %q not in Big5", c)
			default:
				out = append(out, "&#"+strconv.Itoa(int(c))+";"...)
			}
		}
		i += n
	}
	return out, nil
}
