package extract

import (
	"encoding/json"
	"strings"
	"time"

	"winnow/cleaner/extract/zhmeta"
	"winnow/sink/record"
)

// metaInfo gathers metadata from structured data, <meta>, the title,
// bylines, breadcrumbs and the URL, each field keeping its first source
// in priority order.
type metaInfo struct {
	loc   *time.Location
	cands []titleCand

	titleSite, titleSection string

	subtitle  string
	published time.Time
	precision string
	authors   []string
	editor    string
	origin    string
	site      string
	section   string
	lang      string
	url       string
	canonical string

	// From the byline (near the title) and trailer (end of the body);
	// merged by fill with lower priority than structured data for dates.
	byline     zhmeta.Byline
	hasByline  bool
	trailer    zhmeta.Byline
	lead       []string // reporters credited in the lead paragraph
	metaAuthor []string
	metaOrigin string
	crumbs     []string
	urlDate    time.Time
	metaDate   time.Time
	metaPrec   string
	ldSection  string
	metaSec    string
}

// ldArticle is what JSON-LD says about the article.
type ldArticle struct {
	headline, alternative, published, section, publisher string
	authors                                              []string
}

// articleTypes are the schema.org types read from JSON-LD.
var articleTypes = map[string]bool{
	"article": true, "newsarticle": true, "blogposting": true, "reportagenewsarticle": true,
	"analysisnewsarticle": true, "opinionnewsarticle": true, "backgroundnewsarticle": true,
	"reviewnewsarticle": true, "techarticle": true, "scholarlyarticle": true,
	"liveblogposting": true, "report": true, "socialmediaposting": true, "posting": true,
}

// parseLD reads the first article object of the JSON-LD scripts.
func parseLD(scripts []string) (ldArticle, bool) {
	for _, s := range scripts {
		var v any
		if err := json.Unmarshal([]byte(strings.TrimSpace(s)), &v); err != nil {
			continue
		}
		if obj := findArticle(v, 0); obj != nil {
			var a ldArticle
			a.headline = ldString(obj["headline"])
			if a.headline == "" {
				a.headline = ldString(obj["name"])
			}
			a.alternative = ldString(obj["alternativeHeadline"])
			a.published = ldString(obj["datePublished"])
			if a.published == "" {
				a.published = ldString(obj["dateCreated"])
			}
			a.section = ldString(obj["articleSection"])
			a.authors = ldNames(obj["author"], 0)
			if pub := ldNames(obj["publisher"], 0); len(pub) > 0 {
				a.publisher = pub[0]
			}
			return a, true
		}
	}
	return ldArticle{}, false
}

// findArticle returns the first JSON-LD object of an article type, looking
// into arrays, @graph and mainEntity.
func findArticle(v any, depth int) map[string]any {
	if depth > 8 {
		return nil
	}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if o := findArticle(e, depth+1); o != nil {
				return o
			}
		}
	case map[string]any:
		if isArticleType(t["@type"]) {
			return t
		}
		for _, k := range []string{"@graph", "mainEntity", "mainEntityOfPage", "itemListElement"} {
			if e, ok := t[k]; ok {
				if o := findArticle(e, depth+1); o != nil {
					return o
				}
			}
		}
	}
	return nil
}

// isArticleType reports whether an @type value names an article type.
func isArticleType(v any) bool {
	switch t := v.(type) {
	case string:
		return articleTypes[strings.ToLower(t)]
	case []any:
		for _, e := range t {
			if isArticleType(e) {
				return true
			}
		}
	}
	return false
}

// ldString returns a string value, the first of a list, or "".
func ldString(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		for _, e := range t {
			if s := ldString(e); s != "" {
				return s
			}
		}
	case map[string]any:
		return ldString(t["name"])
	}
	return ""
}

// ldNames returns the names of a person/organization value.
func ldNames(v any, depth int) []string {
	if depth > 4 {
		return nil
	}
	switch t := v.(type) {
	case string:
		s := strings.TrimSpace(t)
		if s == "" || looksLikeURL(s) {
			return nil
		}
		return []string{s}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, ldNames(e, depth+1)...)
		}
		return out
	case map[string]any:
		return ldNames(t["name"], depth+1)
	}
	return nil
}

// looksLikeURL reports whether s is a URL or a path rather than a name.
func looksLikeURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "www.")
}

// Meta keys, by field.
var (
	metaDateKeys = []string{
		"article:published_time", "og:article:published_time", "og:published_time",
		"published_time", "article:published", "datepublished", "pubdate", "publishdate",
		"publish_date", "publish-date", "publication_date", "ptime", "pubtime",
		"weibo: article:create_at", "article_date_original", "original-publish-date",
		"originalpublicationdate", "sailthru.date", "parsely-pub-date", "dc.date.issued",
		"dc.date", "dcterms.created", "dcterms.date", "dc.date.created", "date",
		"article.published", "firstpublishedtime", "publishtime", "releasedate",
	}
	metaAuthorKeys  = []string{"article:author", "og:article:author", "author", "byl", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author", "citation_author"}
	metaSiteKeys    = []string{"og:site_name", "application-name", "site_name", "sitename"}
	metaSectionKeys = []string{"article:section", "og:article:section", "section", "parsely-section", "sailthru.section"}
	metaOriginKeys  = []string{"source", "contentsource", "mediaid", "article:source", "og:source"}
)

// collectMeta reads everything but the bylines inside the body.
func (x *Extractor) collectMeta(in *Input, pg *page, r *htmlResult) *metaInfo {
	m := &metaInfo{loc: x.loc, url: in.URL}
	metas := make(map[string]string, len(pg.metas))
	for _, mt := range pg.metas {
		if _, ok := metas[mt.key]; !ok {
			metas[mt.key] = mt.content
		}
	}
	ld, hasLD := parseLD(pg.ldjson)

	// Title candidates.
	if hasLD && ld.headline != "" {
		m.addCand(ld.headline, srcLD, -1)
	}
	if h := pg.bestH1(r); h >= 0 {
		m.addCand(pg.titleText(h), srcH1, h)
	} else if h := pg.titleElem(r); h >= 0 {
		m.addCand(pg.titleText(h), srcHeading, h)
	}
	for _, k := range []string{"og:title", "twitter:title"} {
		if v := metas[k]; v != "" {
			m.addCand(v, srcOG, -1)
			break
		}
	}
	if t := strings.TrimSpace(pg.title); t != "" {
		m.addCand(collapse(t), srcTitle, -1)
		_, m.titleSection, m.titleSite = zhmeta.SplitTitle(collapse(t))
	}
	m.vote()
	if m.titleSite == "" && pg.title != "" {
		m.titleSection, m.titleSite = m.suffixByPrefix(collapse(pg.title))
	}

	// Breadcrumb and byline between the page top and the body.
	x.readTop(pg, r, m)

	// Dates.
	if hasLD && ld.published != "" {
		if t, prec, ok := parseDate(ld.published, x.loc); ok {
			m.published, m.precision = t, prec
		}
	}
	for _, k := range metaDateKeys {
		if !m.metaDate.IsZero() {
			break
		}
		if v := metas[k]; v != "" {
			if t, prec, ok := parseDate(v, x.loc); ok {
				m.metaDate, m.metaPrec = t, prec
			}
		}
	}
	if m.metaDate.IsZero() {
		for _, ti := range pg.times {
			if ti >= int32(len(pg.elems)) {
				continue
			}
			n := pg.elems[ti].node
			v := attr(n, "datetime")
			if v == "" {
				v = attr(n, "content")
			}
			if v == "" {
				v = textOf(n)
			}
			if t, prec, ok := parseDate(v, x.loc); ok {
				m.metaDate, m.metaPrec = t, prec
				break
			}
		}
	}
	if t, ok := zhmeta.DateFromURL(in.URL, x.loc); ok {
		m.urlDate = t
	}

	// People and places.
	if hasLD {
		for _, name := range cleanNames(ld.authors) {
			if plausiblePerson(name) {
				m.authors = append(m.authors, name)
			}
		}
		m.ldSection = ld.section
		if ld.publisher != "" {
			m.site = ld.publisher
		}
		if ld.alternative != "" {
			m.subtitle = ld.alternative
		}
	}
	for _, k := range metaAuthorKeys {
		if v := metas[k]; v != "" && !looksLikeURL(v) {
			for _, name := range splitNames(v) {
				if plausiblePerson(name) {
					m.metaAuthor = append(m.metaAuthor, name)
				}
			}
			break
		}
	}
	for _, k := range metaOriginKeys {
		if v := metas[k]; v != "" && !looksLikeURL(v) && runeLen(v) <= 40 {
			m.metaOrigin = v
			break
		}
	}
	for _, k := range metaSiteKeys {
		if v := metas[k]; v != "" {
			m.site = v
			break
		}
	}
	for _, k := range metaSectionKeys {
		if v := metas[k]; v != "" {
			m.metaSec = v
			break
		}
	}
	m.lang = pg.lang
	if pg.canonical != "" && in.URL != "" {
		if abs := resolveURL(in.URL, pg.canonical); abs != "" && sameSite(abs, in.URL) {
			m.canonical = canonicalURL(abs)
		}
	}
	return m
}

// fill writes the metadata into the article.
func (m *metaInfo) fill(a *record.Article, d *Draft) {
	// Published: structured data, meta/time, byline, trailer, URL.
	switch {
	case !m.published.IsZero():
	case !m.metaDate.IsZero():
		m.published, m.precision = m.metaDate, m.metaPrec
		// The visible byline often says the same day more precisely.
		if b := m.byline; !b.Published.IsZero() && sameDay(b.Published, m.metaDate) && precRank(b.Precision) > precRank(m.metaPrec) {
			m.published, m.precision = b.Published, b.Precision
		}
	case !m.byline.Published.IsZero():
		m.published, m.precision = m.byline.Published, m.byline.Precision
	case !m.trailer.Published.IsZero():
		m.published, m.precision = m.trailer.Published, m.trailer.Precision
	case !m.urlDate.IsZero():
		m.published, m.precision = m.urlDate, record.PrecisionDay
	}
	if !m.published.IsZero() {
		// Keep the offset the page gave; dates without one are in loc.
		a.PublishedAt = m.published.Format(time.RFC3339)
		a.PublishedPrecision = m.precision
		if a.PublishedPrecision == "" {
			a.PublishedPrecision = record.PrecisionDay
		}
	}
	// Authors: JSON-LD, byline, trailer, <meta name=author>.
	var metaAuthors []string
	for _, n := range m.metaAuthor {
		if !m.namesOrg(n) {
			metaAuthors = append(metaAuthors, n)
		}
	}
	authors := m.authors
	for _, alt := range [][]string{m.byline.Authors, m.lead, m.trailer.Authors, metaAuthors} {
		if len(authors) == 0 {
			authors = cleanNames(alt)
		}
	}
	if len(authors) > 0 {
		a.Authors = authors
	}
	a.Editor = firstNonEmpty(m.byline.Editor, m.trailer.Editor)
	a.Origin = firstNonEmpty(m.byline.Origin, m.trailer.Origin, m.metaOrigin)
	// Site and section.
	site := firstNonEmpty(m.site, m.titleSite)
	section := m.metaSec
	if len(m.crumbs) > 0 {
		section = m.crumbs[len(m.crumbs)-1]
		if site == "" && len(m.crumbs) >= 2 {
			site = m.crumbs[0]
		}
	}
	if section == "" {
		section = firstNonEmpty(m.ldSection, m.titleSection)
	}
	a.SiteName = site
	a.Section = section
	a.Subtitle = m.subtitle
	a.Lang = detectLang(a.Title, a.Body, m.lang)
	if a.URL != "" || m.url != "" {
		a.URL = m.url
		a.CanonicalURL = canonicalURL(m.url)
	}
	if m.canonical != "" {
		a.CanonicalURL = m.canonical
	}
}
