package demosite

import (
	"fmt"
	"slices"
	"time"
)

// Kinds of article-pattern pages.
const (
	KindArticle  = "article"   // a genuine news article
	KindSpamPage = "spam_page" // a whole gambling SEO page at an article URL
)

// Templates (page layouts) of article pages.
const (
	TemplateModern = "modern" // <article>/div layout with OpenGraph and JSON-LD
	TemplateTable  = "table"  // old portal <table> layout, <br><br> paragraphs, byline in a <td>
	TemplateGov    = "gov"    // TRS_Editor government layout, byline on several lines
	TemplateHant   = "hant"   // Traditional-script layout (the seed article's)
	TemplateSpam   = "spam"   // standalone gambling SEO page
)

// How a page's charset is declared (Article.CharsetDeclared).
const (
	DeclaredHeaderAndMeta = "header+meta" // HTTP header and <meta> agree
	DeclaredMeta          = "meta"        // only <meta>; the header says text/html
	DeclaredHeader        = "header"      // only the HTTP header
	DeclaredNone          = "none"        // neither: a detector must decide
	DeclaredStaleMeta     = "stale-meta"  // UTF-8 bytes under a stale <meta charset=gb2312>
)

// Placements of injected or furniture lines (Line.Placement).
const (
	PlaceTitle   = "title"   // the <title> element, while <h1> is genuine
	PlaceHidden  = "hidden"  // a display:none link-farm block at the top of <body>
	PlaceHeader  = "header"  // a visible line above the article
	PlaceFooter  = "footer"  // appended to the footer's link block
	PlaceBody    = "body"    // a line (paragraph) of its own inside the article body
	PlaceSpan    = "span"    // a span inside a genuine body sentence
	PlaceCrumb   = "crumb"   // the breadcrumb line
	PlaceRelated = "related" // a related-articles block inside the article body
)

// Outcomes a crawler should record for a path (Special.Outcome).
const (
	OutcomeArticle    = "article"
	OutcomeSpamPage   = "spam_page"
	OutcomeNotArticle = "not_article"
	OutcomeFailed     = "failed"
	OutcomeSkipped    = "skipped"
	// OutcomeArticleOrTimeout: an article if the crawler's timeout exceeds
	// Options.SlowDelay, else failed with reason timeout.
	OutcomeArticleOrTimeout = "article_or_timeout"
)

// Manifest is the exact known content of the demo site. Paths are
// absolute paths on whatever host serves the site.
type Manifest struct {
	// SiteName is the site's name as a record should carry it.
	SiteName string
	// ArticlePattern matches the path of every article-pattern page: the
	// articles and spam pages, and nothing else the site links to.
	ArticlePattern string
	// CrawlDelay is the Crawl-delay robots.txt announces.
	CrawlDelay time.Duration
	// Robots is the robots.txt path; DisallowPrefix the path prefix it
	// disallows for every user agent.
	Robots, DisallowPrefix string
	// Articles lists every article-pattern page (genuine articles, the
	// flaky and slow articles, and spam pages), sorted by path.
	Articles []Article
	// Listings are the HTML listing pages the site links to: the home page,
	// every page of every section, and the special-pages listing.
	Listings []string
	// Feeds are the RSS feeds; Sitemaps the sitemap index, the news sitemap
	// and the gzip-compressed archive sitemap.
	Feeds, Sitemaps []string
	// Disallowed are the pages under DisallowPrefix that the site links
	// to: a crawler that obeys robots.txt never fetches them (outcome
	// skipped, reason robots). They are served if asked for.
	Disallowed []string
	// Other are the remaining HTML pages the site links to (not articles,
	// not listings): the abuse-report page and the app page.
	Other []string
	// Special lists the paths with a special behaviour and the outcome a
	// crawler should record for each.
	Special []Special
}

// Article is one article-pattern page.
type Article struct {
	Path string
	// Kind is KindArticle or KindSpamPage.
	Kind string
	// Template is the page layout (Template* constants).
	Template string
	// Section is the URL section ("local", "taiwan", …); SectionName the
	// section as a record should carry it (Simplified), e.g. 聚焦梧州.
	Section, SectionName string
	// Title and Subtitle as a record should carry them: the genuine
	// headline in Simplified script (OpenCC t2s of a Traditional page's
	// headline), without site suffix. For spam pages, Title is the page's
	// own (spam) headline.
	Title, Subtitle string
	// Published is RFC 3339 with the +08:00 offset, at PublishedPrecision
	// (record.PrecisionDay, PrecisionMinute or PrecisionSecond).
	Published, PublishedPrecision string
	// Authors, Editor and Origin as the byline gives them, Simplified.
	Authors        []string
	Editor, Origin string
	// Charset is the encoding of the bytes ("utf-8", "gbk" or "big5");
	// CharsetDeclared how it is declared (Declared* constants);
	// ContentType the Content-Type header sent.
	Charset, CharsetDeclared, ContentType string
	// Script is the script of the page text: record.ScriptHans or
	// record.ScriptHant.
	Script string
	// Body is the expected article body after cleaning and t2s
	// normalization: the genuine paragraphs in order (subheadings are
	// paragraphs), without injected lines, spans, ads or boilerplate. The
	// seed article's last paragraph ends with the author signature
	// "(李继远 高寒 廖敬生)", which a cleaner may keep or drop. Nil for
	// spam pages.
	Body []string
	// Removed lists the lines injected into the page that the pipeline
	// must not keep in the title or body: spam (title chains, hidden and
	// footer link farms, header and body lines, in-sentence spans), ads and
	// in-article boilerplate, with their exact text as the page shows it
	// (decoded, entities resolved, in the page's script). Page furniture
	// outside the article (navigation, share bar, comments, footer) is not
	// listed.
	Removed []Line
	// Trap is true for a clean article whose genuine text contains words a
	// naive spam filter flags (TrapWords): it carries no spam, so no
	// paragraph of Body and no span in it may be removed.
	Trap      bool
	TrapWords []string
	// Special is "" for an ordinary page, else "seed", "flaky" or "slow".
	Special string
}

// Line is one injected or furniture line of a page.
type Line struct {
	// Text is exactly as the page shows it.
	Text string
	// Kind is record.KindSpam, KindAd or KindBoilerplate.
	Kind string
	// Field is where a cleaner finds it: record.FieldTitle, FieldBody
	// (inside the article body) or FieldPage (elsewhere on the page).
	Field string
	// Scope is record.ScopeLine, or ScopeSpan for text inside a genuine
	// sentence.
	Scope string
	// Placement says where the line sits (Place* constants).
	Placement string
	// Sentence is, for a span, the whole paragraph as the page shows it
	// (with the span); removing Text from it gives the genuine paragraph.
	Sentence string
}

// Special is a path with a special behaviour.
type Special struct {
	Path string
	// Behavior says what the server does.
	Behavior string
	// Outcome is what a crawler should record (Outcome* constants);
	// Reason the failure or skip reason, "" for articles.
	Outcome, Reason string
}

// Article returns the article at path.
func (m Manifest) Article(path string) (Article, bool) {
	i, ok := slices.BinarySearchFunc(m.Articles, path, func(a Article, p string) int {
		switch {
		case a.Path < p:
			return -1
		case a.Path > p:
			return 1
		}
		return 0
	})
	if !ok {
		return Article{}, false
	}
	return m.Articles[i], true
}

// Count returns the number of article-pattern pages of the given kind.
func (m Manifest) Count(kind string) int {
	n := 0
	for _, a := range m.Articles {
		if a.Kind == kind {
			n++
		}
	}
	return n
}

// Manifest returns the site's exact known content. The result is a copy;
// callers may modify it.
func (s *Site) Manifest() Manifest {
	m := Manifest{
		SiteName:       siteName,
		ArticlePattern: articlePattern,
		CrawlDelay:     max(s.opts.CrawlDelay, 0),
		Robots:         "/robots.txt",
		DisallowPrefix: "/private/",
		Feeds:          []string{"/rss.xml"},
		Sitemaps:       []string{"/sitemap.xml", "/sitemap-news.xml", "/sitemap-archive.xml.gz"},
		Disallowed:     []string{"/private/admin/login.html", "/private/drafts/index.html"},
		Other:          []string{"/about/report.html", "/app/index.html"},
	}
	for _, p := range s.m.pages {
		a := p.m
		a.Authors = slices.Clone(a.Authors)
		a.Body = slices.Clone(a.Body)
		a.Removed = slices.Clone(a.Removed)
		a.TrapWords = slices.Clone(a.TrapWords)
		m.Articles = append(m.Articles, a)
	}
	m.Listings = append(m.Listings, "/")
	for _, sec := range s.m.sections {
		for i := 1; i <= listingPages(len(s.m.bySection[sec.slug])); i++ {
			m.Listings = append(m.Listings, "/news/"+sec.slug+"/"+listingName(i))
		}
	}
	m.Listings = append(m.Listings, PathSpecial)
	for _, p := range s.m.special {
		sp := Special{Path: p.m.Path, Outcome: OutcomeArticle,
			Behavior: fmt.Sprintf("503 with Retry-After: 1 on the first %d requests (per Site; see ResetFlaky), then the article", FlakyFailures)}
		if p.m.Special == "slow" {
			sp.Outcome, sp.Reason = OutcomeArticleOrTimeout, "timeout"
			sp.Behavior = fmt.Sprintf("the article after %s (Options.SlowDelay)", s.opts.SlowDelay)
		}
		m.Special = append(m.Special, sp)
	}
	m.Special = append(m.Special,
		Special{Path: PathMissing, Behavior: "404 Not Found", Outcome: OutcomeFailed, Reason: "http_404"},
		Special{Path: PathLoopA, Behavior: "302 to loop-b.html, which redirects back to loop-a.html", Outcome: OutcomeFailed, Reason: "redirect_loop"},
		Special{Path: PathOversized, Behavior: fmt.Sprintf("%d bytes of HTML, streamed without Content-Length", OversizedBytes), Outcome: OutcomeFailed, Reason: "too_large"},
		Special{Path: PathBomb, Behavior: fmt.Sprintf("Content-Encoding: gzip, %d compressed bytes that inflate to %d", s.BombCompressedBytes(), BombBytes), Outcome: OutcomeFailed, Reason: "too_large"},
	)
	return m
}
