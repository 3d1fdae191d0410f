package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// treeDump renders the parse of s as lines the extractor could tell
// apart: elements with the attributes it keeps (keptAttrs), text (runs
// merged, as removing a comment merges them) and nothing inside script,
// style and svg or comments, which stripRaw empties.
func treeDump(t testing.TB, s string) []string {
	t.Helper()
	root, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			out = append(out, "text "+text.String())
			text.Reset()
		}
	}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				text.WriteString(c.Data)
				continue
			case html.CommentNode:
				continue
			}
			flush()
			line := strings.Repeat(" ", depth) + c.Data
			if c.Namespace != "" {
				line = c.Namespace + ":" + line
			}
			for _, a := range c.Attr {
				if keptAttrs[a.Key] {
					line += " " + a.Key + "=" + a.Val
				}
			}
			out = append(out, line)
			raw := c.Type == html.ElementNode && (c.DataAtom == atom.Script && !isLDJSON(c) || c.DataAtom == atom.Style || c.DataAtom == atom.Svg)
			if !raw {
				walk(c, depth+1)
			}
			flush()
			out = append(out, strings.Repeat(" ", depth)+"/"+c.Data)
		}
	}
	walk(root, 0)
	flush()
	return out
}

func checkStripRaw(t *testing.T, s string) {
	t.Helper()
	if d := cmp.Diff(treeDump(t, s), treeDump(t, stripRaw(s))); d != "" {
		t.Errorf("stripRaw changed the tree of %.200q (-original +stripped):\n%s", s, d)
	}
}

func TestStripRawKeepsTree(t *testing.T) {
	tests := []string{
		`<div id=a data-x="1" onclick='f("<b>")' class="body">text<img src=x.png alt="a > b"></div>`,
		`<p a=/>x</p><br data-x=1/><br/><input type=hidden value=1><img src=x />`,
		`<div =a b = "c" d= e f>x</div><a href="/n/1.html" title="t" target=_blank>link</a>`,
		`<title>a <b class=x data-y=1> c</title><textarea><img src=1></textarea><p data-z=2>p</p>`,
		`<noscript><img src="t.gif" data-a=1></noscript><iframe src=x><p data-q=1></iframe>`,
		`<script type="application/ld+json">{"a":"<p data-x=1>"}</script><p data-x=1>after</p>`,
		`<script>var s = "<div data-x=1>";</script><style>p{}</style><svg><path d="M0"/></svg>ok`,
		`<!-- <div data-x=1> -->x<!doctype html><?xml x?><p DATA-X=1 CLASS=Up ID=Q>y</p>`,
		`<xmp><a data-x=1></xmp><plaintext><p data-x=1>rest</plaintext><p data-y=2>`,
		`<table><tr data-x=1><td colspan=2 data-y=2>c</td></tr></table><math><mi data-x=1>x</mi></math>`,
		`<font color=red face=x size=3 data-x=1>f</font><div data-unterminated="x>`,
		`<div data-a=1 data-a=2 class=a class=b>dup</div><p	data-tab=1
		id=n>ws</p><a href=x/>y</a>`,
	}
	for _, s := range tests {
		checkStripRaw(t, s)
	}
	files, _ := filepath.Glob("testdata/*.html")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkStripRaw(t, string(data))
	}
}

func TestStripRawDropsAttributes(t *testing.T) {
	got := stripRaw(`<div id=a data-x="1" onclick='f()' class="b"><img src=x.png alt="a > b"></div>`)
	want := `<div id=a   class="b"><img  ></div>`
	if got != want {
		t.Errorf("stripRaw = %q, want %q", got, want)
	}
}

// FuzzStripRaw parses documents with and without stripRaw and compares
// what the extractor can see of the two trees.
func FuzzStripRaw(f *testing.F) {
	for _, s := range []string{
		`<div id=a data-x="1">t<img src=x></div>`, `<p a=/>x`, `<title>a<b x=1></title>`,
		`<script type=application/ld+json>{}</script>`, `<a b='c"d'>`, `<!-- x --><p =x>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkStripRaw(t, s)
	})
}

func TestTextBuilderStats(t *testing.T) {
	tests := []struct {
		in                  string
		text                string
		chars, wlen, commas int32
	}{
		{"中文标题", "中文标题", 4, 12, 0},
		{"  北京，上海、广州。 end ", "北京，上海、广州。 end", 12, 31, 3},
		{"换行的\n句子", "换行的句子", 5, 15, 0},
		{"䷀卦象 a", "䷀卦象 a", 4, 9, 0}, // U+4DC0 is not an ideograph: one column
		{"\u3000\u3000正文\u200b内容", "正文内容", 4, 12, 0},
		// Runs of printable ASCII (copied whole) next to the other cases.
		{" Hello,  world,\t\n(ok)!\x7f~ ", "Hello, world, (ok)!~", 18, 20, 2},
		{"中文\nASCII,run 中\n文", "中文 ASCII,run 中文", 13, 23, 1},
		{"a\u00a0b\u200bc\u3000d", "a bc\u3000d", 5, 8, 0},
	}
	for _, tc := range tests {
		var tb textBuilder
		var c chunk
		tb.write(tc.in, &c)
		got := []any{tb.finish(), c.chars, c.wlen, c.commas}
		if d := cmp.Diff([]any{tc.text, tc.chars, tc.wlen, tc.commas}, got); d != "" {
			t.Errorf("write(%q): text, chars, wlen, commas (-want +got):\n%s", tc.in, d)
		}
	}
}
