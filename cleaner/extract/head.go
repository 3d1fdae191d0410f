package extract

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// headSelector picks the elements that carry page-level metadata, in one
// pass over the tree.
const headSelector = "html[lang], title, meta[content], script[type], link[rel]"

// readHead fills the page's metadata — <html lang>, the document <title>,
// <meta name|property|itemprop content> in document order, JSON-LD
// scripts and <link rel=canonical> — with goquery over the already parsed
// tree (no second parse).
func readHead(root *html.Node, p *page) {
	goquery.NewDocumentFromNode(root).Find(headSelector).Each(func(_ int, s *goquery.Selection) {
		n := s.Nodes[0]
		switch n.DataAtom {
		case atom.Html:
			if p.lang == "" {
				p.lang = attr(n, "lang")
			}
		case atom.Title:
			// The document title, not an SVG or body <title>.
			if p.title == "" && s.ParentsFiltered("body, svg").Length() == 0 {
				p.title = textOf(n)
			}
		case atom.Meta:
			if key := metaKey(n); key != "" {
				if content := strings.TrimSpace(attr(n, "content")); content != "" {
					p.metas = append(p.metas, metaTag{key: key, content: content})
				}
			}
		case atom.Script:
			if isLDJSON(n) && n.FirstChild != nil {
				p.ldjson = append(p.ldjson, n.FirstChild.Data)
			}
		case atom.Link:
			if p.canonical == "" && strings.EqualFold(attr(n, "rel"), "canonical") {
				p.canonical = attr(n, "href")
			}
		}
	})
}

// metaKey is a <meta>'s name, property or itemprop (the first non-empty),
// lower-cased.
func metaKey(n *html.Node) string {
	for _, a := range n.Attr {
		switch a.Key {
		case "name", "property", "itemprop":
			if k := strings.ToLower(strings.TrimSpace(a.Val)); k != "" {
				return k
			}
		}
	}
	return ""
}
