package demosite

import (
	"slices"
	"strings"
	"time"

	"winnow/sink/record"
)

// Kinds of injection, applied in turn to the injected articles so every
// kind occurs on many pages.
func injectionKinds() []string {
	return []string{"title", "hidden", "header", "footer", "span", "bodyline", "keyword"}
}

// inject adds spam to about half of the ordinary genuine articles (never
// to trap articles, the seed or the special articles).
func (b *builder) inject() {
	kinds := injectionKinds()
	k := 0
	for _, p := range b.m.pages {
		if p.m.Kind != KindArticle || p.m.Trap || p.m.Special != "" {
			continue
		}
		r := newRNG("inject", p.m.Path)
		// Traditional UTF-8 pages always get a Simplified spam line, the
		// seed article's pattern.
		mixed := p.script() == scriptHant && p.charset == "utf-8"
		if !r.chance(55) && !mixed {
			continue
		}
		chosen := []string{kinds[k%len(kinds)]}
		k++
		if other := kinds[r.intn(len(kinds))]; r.chance(35) && other != chosen[0] {
			chosen = append(chosen, other)
		}
		if mixed && !slices.Contains(chosen, "header") {
			chosen = append(chosen, "header")
		}
		g := &spamGen{c: b.c, r: r, hant: p.charset == "big5", wide: p.charset == "utf-8"}
		for _, kind := range chosen {
			b.injectOne(p, kind, g)
		}
	}
}

func (p *page) remove(l Line) {
	if l.Scope == "" {
		l.Scope = record.ScopeLine
	}
	p.m.Removed = append(p.m.Removed, l)
}

func (b *builder) injectOne(p *page, kind string, g *spamGen) {
	r := g.r
	script := p.script()
	spam := func(text, field, place string) {
		p.remove(Line{Text: text, Kind: record.KindSpam, Field: field, Placement: place})
	}
	switch kind {
	case "title":
		p.titleTag = g.chain()
		spam(p.titleTag, record.FieldTitle, PlaceTitle)
	case "hidden":
		for i := range r.between(4, 7) {
			t := g.brand()
			if r.chance(30) {
				t = g.word("porn")
			}
			u := g.domain()
			if i%2 == 0 && len(b.m.spam) > 0 {
				u = b.m.spam[r.intn(len(b.m.spam))].m.Path
			}
			if containsLink(p.hidden, t) {
				continue
			}
			p.hidden = append(p.hidden, link{t, u})
			spam(t, record.FieldPage, PlaceHidden)
		}
	case "header":
		var s string
		switch {
		case script == scriptHant && !g.hant:
			s = g.chain() // Simplified spam in a Traditional page
		case r.chance(50):
			s = g.lottery()
		default:
			s = g.evasive()
		}
		p.header = append(p.header, s)
		spam(s, record.FieldPage, PlaceHeader)
	case "footer":
		for range r.between(3, 5) {
			t := g.brand()
			if containsLink(p.footer, t) {
				continue
			}
			p.footer = append(p.footer, link{t, g.domain()})
			spam(t, record.FieldPage, PlaceFooter)
		}
	case "span":
		var cand []int
		for i, q := range p.body {
			if i > 0 && q.kind == 'p' && q.span == "" && strings.Contains(q.t.in(script), "，") {
				cand = append(cand, i)
			}
		}
		for _, ci := range r.perm(len(cand))[:min(len(cand), r.between(1, 2))] {
			q := &p.body[cand[ci]]
			s := q.t.in(script)
			var commas []int
			for i := range len(s) {
				if strings.HasPrefix(s[i:], "，") {
					commas = append(commas, i)
				}
			}
			q.at = commas[r.intn(len(commas))]
			q.span = g.brand()
			p.remove(Line{Text: q.span, Kind: record.KindSpam, Field: record.FieldBody, Scope: record.ScopeSpan,
				Placement: PlaceSpan, Sentence: s[:q.at] + q.span + s[q.at:]})
		}
	case "bodyline":
		s := g.lottery()
		if r.chance(30) {
			s = g.evasive()
		}
		at := 1 + r.intn(len(p.body)-1)
		p.body = append(p.body[:at], append([]para{{kind: 'x', t: plain(s)}}, p.body[at:]...)...)
		spam(s, record.FieldBody, PlaceBody)
	case "keyword":
		s := g.keywords()
		p.body = append(p.body, para{kind: 'x', t: plain(s), class: "keywords"})
		spam(s, record.FieldBody, PlaceBody)
	}
}

func containsLink(l []link, text string) bool {
	for _, x := range l {
		if x.Text == text {
			return true
		}
	}
	return false
}

// sectionName returns a section's name in the page's script.
func (b *builder) sectionName(p *page) string {
	if p.script() == scriptHant {
		t, _ := b.c.toHant(p.sec.name)
		return t
	}
	return p.sec.name
}

// furnish adds the breadcrumb, in-article ads and boilerplate, and sets
// the manifest fields of genuine articles.
func (b *builder) furnish() {
	for _, p := range b.m.pages {
		if p.m.Kind != KindArticle {
			continue
		}
		b.finish(p)
		if p.m.Special == "seed" {
			continue
		}
		r := newRNG("furniture", p.m.Path)
		sec := b.sectionName(p)
		var crumb string
		switch p.m.Template {
		case TemplateModern:
			crumb = "当前位置：首页 > " + sec + " > 正文"
		case TemplateTable:
			crumb = siteName + " > " + sec + " > 正文"
		case TemplateGov:
			crumb = "当前位置：首页 > " + sec
		default:
			crumb = siteNameHant + " > " + sec + " > 正文"
		}
		p.remove(Line{Text: crumb, Kind: record.KindBoilerplate, Field: record.FieldPage, Placement: PlaceCrumb})
		ad := func(list string) string {
			l := b.c.lists[list]
			s := l[r.intn(len(l))]
			if p.script() == scriptHant {
				s, _ = b.c.toHant(s)
			}
			return s
		}
		bodyAd := func(list, class string) {
			s := ad(list)
			p.body = append(p.body, para{kind: 'x', t: plain(s), class: class})
			p.remove(Line{Text: s, Kind: record.KindAd, Field: record.FieldBody, Placement: PlaceBody})
		}
		switch p.m.Template {
		case TemplateModern:
			if r.chance(50) {
				bodyAd([]string{"ad_app", "ad_qr"}[r.intn(2)], "app-promo")
			}
			e := "责任编辑：" + p.editor.hans
			p.body = append(p.body, para{kind: 'x', t: plain(e), class: "editor"})
			p.remove(Line{Text: e, Kind: record.KindBoilerplate, Field: record.FieldBody, Placement: PlaceBody})
		case TemplateTable:
			p.relatedInner = r.chance(50)
			if r.chance(40) {
				bodyAd("ad_qr", "qr")
			}
		case TemplateGov:
			if r.chance(50) {
				bodyAd("ad_qr", "qr")
			}
		case TemplateHant:
			if r.chance(50) {
				p.topAd = ad("ad_app")
				p.remove(Line{Text: p.topAd, Kind: record.KindAd, Field: record.FieldPage, Placement: PlaceHeader})
			} else {
				bodyAd("ad_app", "app-promo")
			}
		}
		if p.relatedInner {
			l := b.c.lists["related_head"]
			p.relatedHead = l[r.intn(len(l))]
		}
	}
}

// precision is the date precision each template's byline shows.
func precision(tmpl string) string {
	switch tmpl {
	case TemplateModern:
		return record.PrecisionSecond
	case TemplateTable:
		return record.PrecisionDay
	default:
		return record.PrecisionMinute
	}
}

// truncate cuts t to a precision.
func truncate(t time.Time, prec string) time.Time {
	switch prec {
	case record.PrecisionDay:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	case record.PrecisionMinute:
		return t.Truncate(time.Minute)
	}
	return t
}

// finish sets the manifest fields a record should carry.
func (b *builder) finish(p *page) {
	p.m.Body = nil
	for _, q := range p.body {
		if q.kind == 'p' || q.kind == 'h' {
			p.m.Body = append(p.m.Body, q.t.hans)
		}
	}
	if p.m.Special == "seed" {
		return
	}
	p.m.Title, p.m.Subtitle = p.title.hans, p.subtitle.hans
	p.m.Authors = nil
	for _, a := range p.authors {
		p.m.Authors = append(p.m.Authors, a.hans)
	}
	p.m.Editor, p.m.Origin = p.editor.hans, p.origin.hans
	p.m.PublishedPrecision = precision(p.m.Template)
	p.published = truncate(p.published, p.m.PublishedPrecision)
	p.m.Published = p.published.Format(time.RFC3339)
}

// relate picks each article's related articles (same section, nearby in
// time) and lists the in-article related blocks as boilerplate.
func (b *builder) relate() {
	for _, list := range b.m.bySection {
		for i, p := range list {
			for _, d := range []int{1, 2, -1, 3, -2, -3} {
				if j := i + d; j >= 0 && j < len(list) && len(p.related) < 3 {
					p.related = append(p.related, list[j])
				}
			}
		}
	}
	for i, p := range b.m.special {
		p.related = b.m.bySection["local"][i : i+3]
	}
	for _, p := range b.m.pages {
		if !p.relatedInner {
			continue
		}
		bp := func(s string) {
			p.remove(Line{Text: s, Kind: record.KindBoilerplate, Field: record.FieldBody, Placement: PlaceRelated})
		}
		bp(p.relatedHead)
		for _, o := range p.related {
			bp(o.title.in(p.script()))
		}
	}
}
