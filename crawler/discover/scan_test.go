package discover

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// tagOf is one start tag as seen by a scanner: its lower-case name and
// the decoded values of the attributes the crawler reads.
type tagOf struct {
	Name            string
	Href, Rel, Type string
	HasHref         bool
}

// tokenizerTags is the reference: what golang.org/x/net/html's tokenizer
// reports for the tags the crawler reads.
func tokenizerTags(body []byte) []tagOf {
	var out []tagOf
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, more := z.TagName()
		switch string(name) {
		case "a", "area", "base", "link":
		default:
			continue
		}
		t := tagOf{Name: string(name)}
		seen := map[string]bool{}
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			if seen[string(k)] {
				continue
			}
			seen[string(k)] = true
			switch string(k) {
			case "href":
				t.Href, t.HasHref = string(v), true
			case "rel":
				t.Rel = string(v)
			case "type":
				t.Type = string(v)
			}
		}
		out = append(out, t)
	}
}

func scannerTags(body []byte) []tagOf {
	var out []tagOf
	s := tagScanner{b: body}
	for {
		name, ok := s.next()
		if !ok {
			return out
		}
		n := strings.ToLower(string(name))
		switch n {
		case "a", "area", "base", "link":
		default:
			continue
		}
		t := tagOf{Name: n}
		if v, ok := s.attr("href"); ok {
			t.Href, t.HasHref = attrValue(v), true
		}
		if v, ok := s.attr("rel"); ok {
			t.Rel = attrValue(v)
		}
		if v, ok := s.attr("type"); ok {
			t.Type = attrValue(v)
		}
		out = append(out, t)
	}
}

var scanCases = []string{
	`<a href="/x">x</a><A HREF='/y'>y</A><a href=/z>z</a>`,
	`<a href="/x?a=1&amp;b=2&copy=3&copy&lt;&#x41;&#66&notit;&amp">x</a>`,
	`<a href=x&amp;y>`,
	`<!-- <a href="/c1"> --><a href="/after-comment">`,
	`<!--> <a href="/c2"> --> <a href="/c3">`,
	`<!---> <a href="/c4">`,
	`<!-- a --!> <a href="/c5">`,
	`<!DOCTYPE html><!bogus <a href="/c6">> <?pi <a href="/c7"> ?><a href="/c8">`,
	`<script>var a = '<a href="/s1">'; if (a</b) {}</script><a href="/s2">`,
	`<script><!-- <script> </script> <a href="/s3"> --> </script><a href="/s4">`,
	`<script><!-- </script><a href="/s5">`,
	`<script><!--<x </script><a href="/s5b">`,
	`<style>a{} <a href="/st"></style><a href="/st2">`,
	`<textarea><a href="/ta"></textarea ><a href="/ta2">`,
	`<title><a href="/ti"></TITLE><a href="/ti2">`,
	`<noscript><a href="/ns"></noscript><a href="/ns2">`,
	`<plaintext><a href="/pt">`,
	`<a title=">" href="/q1"><a title='a"b' href=/q2 href=/q3><a HREF=/q4 href=/q5>`,
	`<a/href="/sl1"><a / href="/sl2"><a href="/sl3"/>`,
	`<a =href=/eq href=/eq2>`,
	`</a href=">"><a href="/end-tag-attr">`,
	`</ x <a href="/bogus-end">> <a href="/after-bogus-end">`,
	`</><a href="/empty-end">`,
	"<a href=\"/nul\x00x\">",
	"<a href=\"/cr\r\nlf\r\">",
	`<a href="/unterminated`,
	`<a href=/x`,
	`<a href=`,
	`<a`,
	`<<a href="/double-lt">`,
	`< a href="/space-lt">`,
	`<base href="/b/"><link rel="alternate stylesheet" type="application/rss+xml" href="/f.xml"><link rel=Alternate type="application/atom+xml; charset=utf-8" href=/a.xml>`,
	`<a href="&#0;&#x110000;&#xD800;&#128;&#x80;">`,
	`<a href="&AMP;&amp=&Aacute&aacute;&aacutex">`,
	`<script>a<!--b<script>c</script>d-->e</script><a href="/s6">`,
	`<script>x<!--y--></script><a href="/s7">`,
	`<script><!--a<script>b-->c</script><a href="/s8">`,
	`<script></scrip></script ><a href="/s9">`,
	`<SCRIPT>x</Script/><a href="/s10">`,
	`<iframe><a href="/if"></iframe><a href="/if2">`,
	`<xmp><a href="/xmp"></xmp><a href="/xmp2">`,
}

func TestTagScannerMatchesTokenizer(t *testing.T) {
	for _, c := range scanCases {
		want, got := tokenizerTags([]byte(c)), scannerTags([]byte(c))
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%q (-tokenizer +scanner):\n%s", c, d)
		}
	}
}

// FuzzTagScanner checks the scanner against the tokenizer on arbitrary
// input: the same tags, attribute values decoded the same way.
func FuzzTagScanner(f *testing.F) {
	for _, c := range scanCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, got := tokenizerTags(body), scannerTags(body)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%q (-tokenizer +scanner):\n%s", body, d)
		}
	})
}
