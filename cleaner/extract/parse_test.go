package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// fullDump renders a tree with everything the extractor could read:
// elements (namespace, name, atom, the attributes stripRaw keeps) and
// text. Doctype and comment nodes, which it never reads, are left out.
func fullDump(n *html.Node) []string {
	var out []string
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			ind := strings.Repeat(" ", depth)
			switch c.Type {
			case html.TextNode:
				out = append(out, ind+"text "+c.Data)
			case html.ElementNode:
				line := ind + c.Namespace + ":" + c.Data + ":" + c.DataAtom.String()
				for _, a := range c.Attr {
					if keptAttrs[a.Key] || a.Namespace != "" {
						line += " " + a.Namespace + ":" + a.Key + "=" + a.Val
					}
				}
				out = append(out, line)
				walk(c, depth+1)
			}
		}
	}
	walk(n, 0)
	return out
}

// checkQuickParse compares quickParse(s) with html.Parse(stripRaw(s)),
// when the fast path answers. It reports whether it did.
func checkQuickParse(t testing.TB, s string) bool {
	t.Helper()
	got, _, ok := quickParse(s)
	if !ok {
		return false
	}
	want, err := html.Parse(strings.NewReader(stripRaw(s)))
	if err != nil {
		t.Errorf("quickParse read %.200q, which html.Parse refuses: %v", s, err)
		return true
	}
	if d := cmp.Diff(fullDump(want), fullDump(got)); d != "" {
		t.Errorf("quickParse tree differs from html.Parse for %.300q (-html.Parse +quickParse):\n%s", s, d)
	}
	return true
}

func TestQuickParseMatchesParser(t *testing.T) {
	tests := []struct {
		s    string
		fast bool // quickParse must answer
	}{
		{`<!DOCTYPE html><html lang=zh><head><meta charset=utf-8><title>T &amp; t</title></head><body><p>a<p>b</body></html>`, true},
		{`<div><p>one<div>two</div><ul><li>a<li>b</ul><dl><dt>x<dd>y<dt>z</dl>`, true},
		{"<pre>\nkeep\n</pre><textarea>\nt</textarea><listing>\n\nx</listing>", true},
		{`<h1>a<h2>b</h1>c</h2><span>d</div>e</span></p>f`, true},
		{`<p>x<span>y</p>z<br/></br><hr><form><form><input type=hidden></form>`, true},
		{`<a href="/x?a=1&copy=2&amp;b">l</a><a href=y>m</a><b><i>n</i></b>`, true},
		{"<title>x</title>  \n<meta name=a content=b> text<script>1</script>", true},
		{`<body class=b><svg class=i viewBox="0 0 1 1"><path d="M0"/></svg><button><p>x<button>y</button>`, true},
		{`<p>a<!-- c --><!-->b<!--->c<!-- x --!>d<script src=x>var a = "<p>";</script><style>p{}</style>e`, true},
		{`<script type="application/ld+json">{"a":"<b>"}</script><script data-x="a>b">x</script>`, false},
		{`<p>a</p x="<b>"><?x <b> ?>`, false},
		{`<noscript><p>n</p></noscript><iframe><b>i</b></iframe><xmp><a></xmp>`, true},
		{"<div\tid=a\nclass='c d' =e f=\"g&lt;h\" id=dup>x</div><option>1<option>2<optgroup>3", true},
		{"a\r\nb\rc<p title=\"x\r\ny\">&#10;&#x41;&nbsp;&notit;</p>", true},
		{`<caption>c</caption><td>t</td><tr>r<head>h<frame>`, true},
		{`<p><b>x<div>y</div></b>`, false},            // formatting reconstruction
		{`<table><tr><td>x</td></tr></table>`, false}, // tables go to html.Parse
		{`<a>1<a>2</a>`, false}, // adoption agency
		{`<b><span>x</b>y`, false},
		{`<select><option>x<optgroup><option>y</select><p><select><option>a<select>b<input>c`, true},
		{"<head></head><script>s</script><style>t</style><wb:follow-button a=b>f</wb:follow-button>", true},
		{`<svg/>x`, false}, // no </svg>: stripRaw leaves the rest to the tokenizer
	}
	for _, tc := range tests {
		if fast := checkQuickParse(t, tc.s); fast != tc.fast {
			t.Errorf("quickParse answered %v, want %v, for %q", fast, tc.fast, tc.s)
		}
	}
	files, _ := filepath.Glob("testdata/*.html")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !checkQuickParse(t, string(data)) {
			t.Logf("%s: left to html.Parse", f)
		}
	}
}

// FuzzQuickParse holds quickParse to html.Parse wherever it answers.
func FuzzQuickParse(f *testing.F) {
	for _, s := range []string{
		`<p>a<p>b<div>c</div>`, `<ul><li>x<li>y</ul>`, `<h1>a<h2>b</h1>`, "<pre>\nx</pre>",
		`<a href=x&amp;y>l</a>`, `<title>a</title><meta a=b>text`, `<b>x</b><i>y</p>`, `<form><form></form>`,
		`<svg></svg>`, "<textarea>\nx</textarea>", `<dl><dt>a<dd>b</dl>`, `<button>a<button>b`,
		`<select><option>a<optgroup>b</select>`, `a<!-- x -->b<!--->c`, `<script>a<b>c</script>d<style>x</style>`,
		`<svg a=b><g/></svg>x</svg>`, `<script type=application/ld+json>{"<p>":1}</script>`, `<head></head><script>x</script>y`, `<p><select><hr><input></select>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkQuickParse(t, s)
	})
}

// TestUnescapeAttrFastPath checks the values unescapeAttr decodes without
// a tokenizer against what the tokenizer makes of them, and that
// references whose decoding differs in attributes take the slow path.
func TestUnescapeAttrFastPath(t *testing.T) {
	for _, v := range []string{
		"/a?x=1&amp;y=2", "&lt;b&gt; &quot;q&quot; &apos;s&apos;&nbsp;", "&#38;&#x26;&#X3C;",
		"a\r\nb&amp;", "&#0;", "&#xD800;", "&#99999999999;", "&#128;", "'&amp;'",
	} {
		if !plainRefs(v) {
			t.Errorf("plainRefs(%q) = false", v)
			continue
		}
		z := html.NewTokenizer(strings.NewReader(`<a v="` + strings.ReplaceAll(v, `"`, "&quot;") + `">`))
		z.Next()
		_, want, _ := z.TagAttr()
		if got, ok := unescapeAttr(v); !ok || got != string(want) {
			t.Errorf("unescapeAttr(%q) = %q, %v; want %q", v, got, ok, want)
		}
	}
	for _, v := range []string{"?a=1&copy=2", "&amp", "&notin;", "&ampx;", "&#;", "&#x;", "&#1a;", "& amp;"} {
		if plainRefs(v) {
			t.Errorf("plainRefs(%q) = true", v)
		}
	}
}
