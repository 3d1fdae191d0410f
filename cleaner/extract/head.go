package extract

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// headElems picks the elements that carry page-level metadata, in one
// pass over the tree: the selector "html[lang], title, meta[content],
// script[type], link[rel]" as a goquery.Matcher that tests the tag name
// once instead of trying five compiled selectors on every node (a few
// percent of a page's extraction).
type headElems struct{}

// Match matches what the selector above matches: an element of that
// name (in any namespace) with that attribute.
func (headElems) Match(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.Data {
	case "html":
		return hasAttr(n, "lang")
	case "title":
		return true
	case "meta":
		return hasAttr(n, "content")
	case "script":
		return hasAttr(n, "type")
	case "link":
		return hasAttr(n, "rel")
	}
	return false
}

// MatchAll returns n and its descendants that match, in document order
// (walked without recursion).
func (m headElems) MatchAll(n *html.Node) []*html.Node {
	var out []*html.Node
	for d := n; d != nil; {
		if m.Match(d) {
			out = append(out, d)
		}
		if d.FirstChild != nil {
			d = d.FirstChild
			continue
		}
		for d != n && d.NextSibling == nil {
			d = d.Parent
		}
		if d == n {
			break
		}
		d = d.NextSibling
	}
	return out
}

// Filter returns the nodes that match.
func (m headElems) Filter(nodes []*html.Node) []*html.Node {
	var out []*html.Node
	for _, n := range nodes {
		if m.Match(n) {
			out = append(out, n)
		}
	}
	return out
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// readHead fills the page's metadata — <html lang>, the document <title>,
// <meta name|property|itemprop content> in document order, JSON-LD
// scripts and <link rel=canonical> — with goquery over the already parsed
// tree (no second parse).
func readHead(root *html.Node, p *page) {
	goquery.NewDocumentFromNode(root).FindMatcher(headElems{}).Each(func(_ int, s *goquery.Selection) {
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
