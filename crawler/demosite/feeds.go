package demosite

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	rssItems      = 30 // items in /rss.xml
	newsSitemapN  = 50 // newest articles in the news sitemap
	trackingQuery = "?utm_source=rss&utm_medium=feed"
)

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // writing to a Builder cannot fail
	return b.String()
}

func (s *Site) robots(base string) []byte {
	var b strings.Builder
	b.WriteString("# robots.txt of the winnow demo site\nUser-agent: *\nDisallow: /private/\n")
	if s.opts.CrawlDelay > 0 {
		b.WriteString("Crawl-delay: " + strconv.FormatFloat(s.opts.CrawlDelay.Seconds(), 'f', -1, 64) + "\n")
	}
	b.WriteString("\nUser-agent: BadBot\nDisallow: /\n\nSitemap: " + base + "/sitemap.xml\n")
	return []byte(b.String())
}

func (s *Site) sitemapIndex(base string) []byte {
	mod := s.newest().Format(time.RFC3339)
	var b strings.Builder
	b.WriteString(xml.Header + `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	for _, p := range []string{"/sitemap-news.xml", "/sitemap-archive.xml.gz"} {
		fmt.Fprintf(&b, "<sitemap><loc>%s</loc><lastmod>%s</lastmod></sitemap>\n", xmlText(base+p), mod)
	}
	b.WriteString("</sitemapindex>\n")
	return []byte(b.String())
}

// newsSitemap is a Google News sitemap of the newest articles.
func (s *Site) newsSitemap(base string) []byte {
	var b strings.Builder
	b.WriteString(xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">` + "\n")
	for _, p := range s.m.latest[:min(newsSitemapN, len(s.m.latest))] {
		lang := "zh-cn"
		if p.script() == scriptHant {
			lang = "zh-tw"
		}
		fmt.Fprintf(&b, "<url><loc>%s</loc><news:news><news:publication><news:name>%s</news:name><news:language>%s</news:language></news:publication>"+
			"<news:publication_date>%s</news:publication_date><news:title>%s</news:title></news:news></url>\n",
			xmlText(base+p.m.Path), siteName, lang, p.published.Format(time.RFC3339), xmlText(p.title.in(p.script())))
	}
	b.WriteString("</urlset>\n")
	return []byte(b.String())
}

// archiveSitemap is a gzip-compressed sitemap of the older articles and,
// as on a hacked site, the spam pages.
func (s *Site) archiveSitemap(base string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	var list []*page
	if len(s.m.latest) > newsSitemapN {
		list = append(list, s.m.latest[newsSitemapN:]...)
	}
	list = append(list, s.m.spam...)
	for _, p := range list {
		fmt.Fprintf(&b, "<url><loc>%s</loc><lastmod>%s</lastmod></url>\n", xmlText(base+p.m.Path), p.published.Format("2006-01-02"))
	}
	b.WriteString("</urlset>\n")
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.Name = "sitemap-archive.xml"
	if _, err := zw.Write([]byte(b.String())); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// rss is an RSS 2.0 feed of the newest articles; item links carry
// tracking parameters, as real feeds' often do.
func (s *Site) rss(base string) []byte {
	var b strings.Builder
	b.WriteString(xml.Header + `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">` + "\n<channel>\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<link>%s/</link>\n<description>%s</description>\n<language>zh-cn</language>\n", siteName, xmlText(base), "梧州本地新闻")
	fmt.Fprintf(&b, "<atom:link href=\"%s/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n", xmlText(base))
	fmt.Fprintf(&b, "<lastBuildDate>%s</lastBuildDate>\n", s.newest().Format(time.RFC1123Z))
	for _, p := range s.m.latest[:min(rssItems, len(s.m.latest))] {
		sc := p.script()
		desc := []rune(p.body[0].t.in(sc))
		fmt.Fprintf(&b, "<item>\n<title>%s</title>\n<link>%s</link>\n<guid isPermaLink=\"false\">%s</guid>\n<pubDate>%s</pubDate>\n<category>%s</category>\n<description>%s</description>\n</item>\n",
			xmlText(p.title.in(sc)), xmlText(base+p.m.Path+trackingQuery), xmlText(p.id), p.published.Format(time.RFC1123Z),
			xmlText(p.sec.name), xmlText(string(desc[:min(len(desc), 80)])))
	}
	b.WriteString("</channel>\n</rss>\n")
	return []byte(b.String())
}
