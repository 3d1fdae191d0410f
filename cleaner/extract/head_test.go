package extract

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// TestHeadElemsMatchesSelector holds headElems to the selector it stands
// for, on every fixture and on edge cases (attributes without values,
// upper case, SVG titles, body metadata).
func TestHeadElemsMatchesSelector(t *testing.T) {
	const selector = "html[lang], title, meta[content], script[type], link[rel]"
	pages := map[string]string{
		"edge": `<!DOCTYPE html><HTML LANG><head><TITLE>t</TITLE><meta name=a><meta CONTENT="">` +
			`<script>x</script><script type="application/ld+json">{}</script><link href=/c><link rel=canonical href=/c></head>` +
			`<body><svg><title>icon</title></svg><div itemprop=x><meta itemprop=datePublished content=2020></div>` +
			`<p>text<script type=text/javascript></script></p></body></html>`,
		"no lang": `<html><body><p>only text</p></body></html>`,
	}
	files, _ := filepath.Glob("testdata/*.html")
	for _, f := range files {
		pages[f] = string(readFixture(t, filepath.Base(f)))
	}
	for name, src := range pages {
		root, err := html.Parse(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		doc := goquery.NewDocumentFromNode(root)
		want := doc.Find(selector).Nodes
		got := doc.FindMatcher(headElems{}).Nodes
		if len(got) != len(want) {
			t.Errorf("%s: %d nodes, want %d", name, len(got), len(want))
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: node %d is <%s>, want <%s>", name, i, got[i].Data, want[i].Data)
			}
		}
		if sel := doc.Find("*"); len(headElems{}.Filter(sel.Nodes)) != sel.Filter(selector).Length() {
			t.Errorf("%s: Filter differs from the selector's", name)
		}
	}
}
