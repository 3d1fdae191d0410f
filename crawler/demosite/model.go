package demosite

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"winnow/sink/record"
)

const (
	scriptHans = record.ScriptHans
	scriptHant = record.ScriptHant

	siteName     = "梧州零距离网"
	siteNameHant = "梧州零距離網"

	// articlePattern matches every article-pattern path of the site.
	articlePattern = `^/news/[a-z]+/\d{4}-\d{2}/\d{2}/[0-9a-z_-]+\.html$`

	perListingPage = 18 // links per section listing page
	spamPages      = 6  // whole spam pages
)

// section is one news section of the demo site.
type section struct {
	slug, name string // name in Simplified
	script     string
	count      int // generated articles
}

func sections() []section {
	return []section{
		{"local", "聚焦梧州", scriptHans, 27},
		{"politics", "时政要闻", scriptHans, 25},
		{"economy", "经济民生", scriptHans, 27},
		{"culture", "文化旅游", scriptHans, 25},
		{"society", "社会法治", scriptHans, 27},
		{"taiwan", "港澳台", scriptHant, 24},
	}
}

// trapWords are genuine-news words that naive spam filters flag.
func trapWords() []string {
	return []string{"彩票", "福利", "成人礼", "成人", "赌博", "博彩", "赌场", "赌资", "涉赌", "跑分",
		"稳赚不赔", "低俗色情", "性传播", "艾滋病", "十赌九骗"}
}

// para is one paragraph of a page body in both scripts.
type para struct {
	kind byte // 'p' paragraph, 'h' subheading, 'x' injected or furniture line
	t    text
	// span, when not empty, is injected into the page form of t before
	// byte offset at (of the page-script text).
	span string
	at   int
	// class is the CSS class of an injected or furniture line.
	class string
}

// link is an anchor.
type link struct{ Text, URL string }

// page is the model of one article-pattern page.
type page struct {
	m         Article
	sec       section
	id        string
	published time.Time

	title, subtitle text
	authors         []text
	editor, origin  text
	body            []para
	variant         int // byline/format variant of the template

	charset, metaLabel string
	related            []*page

	// Injections and furniture, in the page's script.
	titleTag     string // "" = the genuine title tag
	hidden       []link
	header       []string
	footer       []link
	topAd        string
	relatedInner bool // the related block sits inside the article body
	relatedHead  string
	spamLinks    []link // spam pages: their link farm
	seedByline   string // the seed article's own byline and breadcrumb
	seedCrumb    string
}

func (p *page) script() string { return p.m.Script }

// model is the generated site.
type model struct {
	loc      *time.Location
	pages    []*page // sorted by path
	byPath   map[string]*page
	sections []section
	// bySection lists each section's listed articles, newest first.
	bySection map[string][]*page
	latest    []*page // all listed articles, newest first
	spam      []*page
	special   []*page // flaky, slow
	errs      []string
}

type builder struct {
	c        *corpus
	m        *model
	titles   map[string]bool
	ids      map[string]bool
	tmplSeen map[string]int
}

func buildModel(c *corpus) *model {
	m := &model{
		loc:       time.FixedZone("CST", 8*60*60),
		byPath:    map[string]*page{},
		sections:  sections(),
		bySection: map[string][]*page{},
	}
	b := &builder{c: c, m: m, titles: map[string]bool{}, ids: map[string]bool{}, tmplSeen: map[string]int{}}
	for si, sec := range m.sections {
		var tops []*topic
		for _, t := range c.topics {
			if t.section == sec.slug {
				tops = append(tops, t)
			}
		}
		for j := range sec.count {
			b.add(b.genuine(sec, si, j, tops))
		}
	}
	b.add(b.seed())
	b.specials()
	b.spamPages()
	slices.SortFunc(m.pages, func(a, b *page) int { return cmp.Compare(a.m.Path, b.m.Path) })
	b.inject()
	b.furnish()
	for _, p := range m.pages {
		if p.m.Kind == KindArticle && p.m.Special != "flaky" && p.m.Special != "slow" {
			m.bySection[p.sec.slug] = append(m.bySection[p.sec.slug], p)
			m.latest = append(m.latest, p)
		}
	}
	newest := func(a, b *page) int {
		if c := b.published.Compare(a.published); c != 0 {
			return c
		}
		return cmp.Compare(a.m.Path, b.m.Path)
	}
	slices.SortFunc(m.latest, newest)
	for _, l := range m.bySection {
		slices.SortFunc(l, newest)
	}
	b.relate()
	return m
}

func (b *builder) add(p *page) {
	b.m.pages = append(b.m.pages, p)
	b.m.byPath[p.m.Path] = p
}

// date returns the publication time of article j of a section: spread
// over 2026-08-01 .. 2026-11-27, never the wall clock.
func (b *builder) date(slug string, j, count int) time.Time {
	r := newRNG("date", slug, strconv.Itoa(j))
	day := 0
	if count > 1 {
		day = j * 116 / (count - 1)
	}
	day += r.intn(3)
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, b.m.loc)
	return base.AddDate(0, 0, day).Add(time.Duration(r.between(7*3600, 21*3600+3599)) * time.Second)
}

// genuine generates article j of a section.
func (b *builder) genuine(sec section, si, j int, tops []*topic) *page {
	tmpl := TemplateHant
	if sec.script == scriptHans {
		tmpl = []string{TemplateModern, TemplateTable, TemplateGov}[(j+si)%3]
	}
	p := b.compose(sec, tops, strconv.Itoa(j), b.date(sec.slug, j, sec.count), tmpl)
	b.encoding(p)
	p.m.Path = b.path(sec.slug, p)
	return p
}

// compose writes the text of one article. seedKey makes it deterministic.
func (b *builder) compose(sec section, tops []*topic, seedKey string, date time.Time, tmpl string) *page {
	p := &page{sec: sec, published: date}
	p.m.Kind = KindArticle
	p.m.Template = tmpl
	p.m.Section, p.m.SectionName = sec.slug, sec.name
	p.m.Script = sec.script
	var f *filler
	var t *topic
	ti := 0
	for attempt := 0; ; attempt++ {
		r := newRNG("article", sec.slug, seedKey, strconv.Itoa(attempt))
		t = tops[(len(seedKey)*7+atoi(seedKey)+attempt)%len(tops)]
		f = newFiller(b.c, r, date)
		ti = r.intn(len(t.titles))
		p.title = f.fill(t.titles[ti])
		if !b.titles[p.title.hans] || attempt > 60 {
			break
		}
	}
	b.titles[p.title.hans] = true
	r := f.r
	if len(t.subtitles) > 0 && r.chance(35) {
		p.subtitle = f.fill(t.subtitles[r.intn(len(t.subtitles))])
	}
	// The n-th headline template goes with the n-th lead (data/topics.txt
	// pairs them), so the lead tells the headline's story.
	p.body = append(p.body, para{kind: 'p', t: f.fill(t.leads[min(ti, len(t.leads)-1)])})
	n := min(len(t.body), r.between(5, 9))
	order := r.perm(len(t.body))[:n]
	var groups [][]int
	for len(order) > 0 {
		k := min(len(order), r.between(2, 3))
		if len(order)-k == 1 {
			k = len(order)
		}
		groups = append(groups, order[:k])
		order = order[k:]
	}
	useHeads := len(t.heads) >= 2 && len(groups) >= 2 && r.chance(45)
	quoteAt := -1
	if len(t.quotes) > 0 && r.chance(75) {
		quoteAt = r.intn(len(groups) + 1)
	}
	for gi, g := range groups {
		if useHeads && (gi == 0 || gi == len(groups)/2) {
			h := t.heads[0]
			if gi > 0 {
				h = t.heads[1]
			}
			p.body = append(p.body, para{kind: 'h', t: f.fill(h)})
		}
		if gi == quoteAt {
			p.body = append(p.body, para{kind: 'p', t: f.fill(t.quotes[r.intn(len(t.quotes))])})
		}
		var parts []text
		for _, i := range g {
			parts = append(parts, f.fill(t.body[i]), text{"。", "。"})
		}
		p.body = append(p.body, para{kind: 'p', t: cat(parts...)})
	}
	if quoteAt == len(groups) {
		p.body = append(p.body, para{kind: 'p', t: f.fill(t.quotes[r.intn(len(t.quotes))])})
	}
	if len(t.ends) > 0 {
		p.body = append(p.body, para{kind: 'p', t: f.fill(t.ends[r.intn(len(t.ends))])})
	}
	for i := range r.between(1, 3) {
		p.authors = append(p.authors, f.person("author"+strconv.Itoa(i)))
	}
	p.editor = f.person("editor")
	origins := "origin"
	if tmpl == TemplateGov {
		origins = "origin_gov"
	}
	p.origin = f.pick(origins)
	p.variant = r.intn(3)
	if p.variant == 2 && tmpl != TemplateModern {
		p.variant = r.intn(2)
	}
	if p.variant == 2 {
		p.authors = p.authors[:1] // "文/NAME" carries one name
	}
	if t.trap {
		p.m.Trap = true
		all := p.title.hans
		for _, q := range p.body {
			all += "\n" + q.t.hans
		}
		for _, w := range trapWords() {
			if strings.Contains(all, w) {
				p.m.TrapWords = append(p.m.TrapWords, w)
			}
		}
	}
	b.m.errs = append(b.m.errs, f.errs...)
	p.id = b.newID(tmpl, sec.slug+seedKey, date)
	return p
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// newID returns a unique article id in the style of the template.
func (b *builder) newID(tmpl, key string, date time.Time) string {
	r := newRNG("id", key)
	for {
		digits := func(n int) string { return fmt.Sprintf("%0*d", n, r.intn(pow10(n))) }
		var id string
		switch tmpl {
		case TemplateModern:
			id = "c" + date.Format("20060102") + "_" + digits(6)
		case TemplateTable:
			id = "content_" + strconv.Itoa(1000000+r.intn(9000000))
		case TemplateGov:
			id = "t" + date.Format("20060102") + "_" + digits(7)
		default:
			id = strconv.Itoa(1000000 + r.intn(9000000))
		}
		if !b.ids[id] {
			b.ids[id] = true
			return id
		}
	}
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

func (b *builder) path(slug string, p *page) string {
	return "/news/" + slug + "/" + p.published.Format("2006-01/02") + "/" + p.id + ".html"
}

// encoding chooses the page's charset and how it is declared, cycling
// through the variants of its template.
func (b *builder) encoding(p *page) {
	k := b.tmplSeen[p.m.Template]
	b.tmplSeen[p.m.Template]++
	set := func(cs, meta, header, declared string) {
		p.charset, p.metaLabel, p.m.ContentType, p.m.CharsetDeclared = cs, meta, header, declared
		p.m.Charset = cs
	}
	switch p.m.Template {
	case TemplateModern:
		if k%4 == 3 {
			set("utf-8", "gb2312", "text/html", DeclaredStaleMeta)
		} else {
			set("utf-8", "utf-8", "text/html; charset=utf-8", DeclaredHeaderAndMeta)
		}
	case TemplateTable:
		switch k % 4 {
		case 0:
			set("gbk", "gbk", "text/html", DeclaredMeta)
		case 1:
			set("gbk", "", "text/html; charset=GBK", DeclaredHeader)
		case 2:
			set("gbk", "gb2312", "text/html; charset=gbk", DeclaredHeaderAndMeta)
		default:
			set("gbk", "", "text/html", DeclaredNone)
		}
	case TemplateGov:
		if k%2 == 0 {
			set("utf-8", "utf-8", "text/html; charset=utf-8", DeclaredHeaderAndMeta)
		} else {
			set("gbk", "gb2312", "text/html", DeclaredMeta)
		}
	case TemplateHant:
		switch k % 5 {
		case 0:
			set("utf-8", "utf-8", "text/html; charset=utf-8", DeclaredHeaderAndMeta)
		case 1:
			set("big5", "big5", "text/html", DeclaredMeta)
		case 2:
			set("big5", "", "text/html; charset=big5", DeclaredHeader)
		case 3:
			set("big5", "", "text/html", DeclaredNone)
		default:
			set("big5", "big5", "text/html; charset=big5", DeclaredHeaderAndMeta)
		}
	default:
		set("utf-8", "utf-8", "text/html; charset=utf-8", DeclaredHeaderAndMeta)
	}
}

// seed builds the page of the bundled seed article (Traditional, from
// data/seed.txt) with its injected spam, app promo and breadcrumb lines.
func (b *builder) seed() *page {
	c := b.c
	hans := func(s string) string {
		if t, ok := c.seedHans[s]; ok {
			return t
		}
		b.m.errs = append(b.m.errs, "seed line without Simplified form: "+s)
		return s
	}
	sec := b.m.sections[0]
	lines := c.seed
	p := &page{sec: sec, id: "e9e67510d88d065b"}
	p.published = time.Date(2022, 2, 24, 0, 0, 0, 0, b.m.loc)
	p.m = Article{Kind: KindArticle, Template: TemplateHant, Section: sec.slug, SectionName: sec.name,
		Script: scriptHant, Special: "seed"}
	p.charset, p.metaLabel = "utf-8", "utf-8"
	p.m.Charset, p.m.CharsetDeclared, p.m.ContentType = "utf-8", DeclaredHeaderAndMeta, "text/html; charset=utf-8"
	if len(lines) < 8 {
		b.m.errs = append(b.m.errs, "seed article too short")
		return p
	}
	p.header = []string{lines[0]}
	p.topAd = lines[1]
	p.title = text{hans(lines[3]), lines[3]}
	sub := strings.TrimPrefix(lines[4], "——")
	p.subtitle = text{strings.TrimPrefix(hans(lines[4]), "——"), sub}
	p.m.Title, p.m.Subtitle = p.title.hans, p.subtitle.hans
	p.variant = -1 // the byline is the seed's own line
	by := hans(lines[5])
	p.m.Origin = between(by, "来源:", " ")
	p.m.Editor = strings.TrimSpace(by[strings.Index(by, "编辑:")+len("编辑:"):])
	p.m.Authors = strings.Fields(between(by, "作者:", "编辑:"))
	p.origin = text{p.m.Origin, between(lines[5], "來源:", " ")}
	p.editor = text{p.m.Editor, p.m.Editor}
	for _, l := range lines[6:] {
		p.body = append(p.body, para{kind: 'p', t: text{hans(l), l}})
	}
	p.seedByline = lines[5]
	p.seedCrumb = lines[2]
	p.m.Path = b.path(sec.slug, p)
	p.m.Published = p.published.Format(time.RFC3339)
	p.m.PublishedPrecision = record.PrecisionDay
	p.m.Removed = append(p.m.Removed,
		Line{Text: lines[0], Kind: record.KindSpam, Field: record.FieldPage, Scope: record.ScopeLine, Placement: PlaceHeader},
		Line{Text: lines[1], Kind: record.KindAd, Field: record.FieldPage, Scope: record.ScopeLine, Placement: PlaceHeader},
		Line{Text: lines[2], Kind: record.KindBoilerplate, Field: record.FieldPage, Scope: record.ScopeLine, Placement: PlaceCrumb},
	)
	return p
}

// between returns the text of s after start up to end (or the end of s).
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSpace(s)
}

// specials builds the flaky and slow articles (genuine text, special
// serving), listed on /news/special/ only.
func (b *builder) specials() {
	sec := section{"special", "专题", scriptHans, 0}
	var tops []*topic
	for _, t := range b.c.topics {
		if t.section == "local" && !t.trap {
			tops = append(tops, t)
		}
	}
	for i, name := range []string{"flaky", "slow"} {
		date := time.Date(2026, 11, 20+i, 9, 30, 0, 0, b.m.loc)
		p := b.compose(sec, tops, name, date, TemplateModern)
		p.id = name
		b.encoding(p)
		p.m.Path = b.path(sec.slug, p)
		p.m.Special = name
		b.add(p)
		b.m.special = append(b.m.special, p)
	}
}

// spamPages builds the whole gambling SEO pages placed at article URLs.
func (b *builder) spamPages() {
	slugs := []string{"local", "politics", "economy", "culture", "society", "local"}
	for i := range spamPages {
		sec := b.m.sections[0]
		for _, s := range b.m.sections {
			if s.slug == slugs[i] {
				sec = s
			}
		}
		r := newRNG("spampage", strconv.Itoa(i))
		date := time.Date(2026, 10, 3+i*4, r.between(0, 23), r.between(0, 59), 0, 0, b.m.loc)
		f := newFiller(b.c, r, date)
		p := &page{sec: sec, published: date}
		p.m = Article{Kind: KindSpamPage, Template: TemplateSpam, Section: sec.slug, SectionName: sec.name, Script: scriptHans}
		titles := b.c.lists["spampage_title"]
		perm := r.perm(len(titles))
		var parts []string
		for _, k := range perm[:3] {
			parts = append(parts, f.fill(titles[k]).hans)
		}
		p.title = plain(strings.Join(parts, "_"))
		p.title.hant = p.title.hans
		sp := r.perm(len(b.c.spamPage))
		for _, k := range sp[:r.between(7, len(b.c.spamPage))] {
			f.sticky = map[string]int{} // every paragraph picks its own brands and numbers
			f.numbers = map[string]string{}
			p.body = append(p.body, para{kind: 'p', t: f.fill(b.c.spamPage[k])})
		}
		b.m.errs = append(b.m.errs, f.errs...)
		p.id = b.newID(TemplateModern, "spam"+strconv.Itoa(i), date)
		b.encoding(p)
		p.m.Path = b.path(sec.slug, p)
		p.m.Title = p.title.hans
		p.m.Published = date.Format(time.RFC3339)
		p.m.PublishedPrecision = record.PrecisionMinute
		b.add(p)
		b.m.spam = append(b.m.spam, p)
	}
	for i, p := range b.m.spam {
		g := &spamGen{c: b.c, r: newRNG("spamlinks", p.m.Path), wide: true}
		for k := 1; k < len(b.m.spam); k++ {
			o := b.m.spam[(i+k)%len(b.m.spam)]
			first, _, _ := strings.Cut(o.title.hans, "_")
			p.spamLinks = append(p.spamLinks, link{first, o.m.Path})
		}
		for range 4 {
			p.spamLinks = append(p.spamLinks, link{g.brand(), g.domain()})
		}
	}
}
