package hygiene

import (
	"os"
	"path/filepath"
	"testing"
)

// benchDoc is the host article with the corpus lines of one expectation:
// "keep" gives a clean news page full of false-positive traps, anything
// else a page with many injected lines.
func benchDoc(b *testing.B, keep bool) Document {
	b.Helper()
	var extra []string
	for _, cc := range corpusCases(b) {
		if (cc.expect == "keep") == keep && (keep || len(extra) < 12) {
			extra = append(extra, cc.text)
		}
	}
	return hostDoc(b, nil, extra...)
}

func docBytes(d Document) int64 {
	n := 0
	for _, s := range d.TitleCandidates {
		n += len(s)
	}
	for _, s := range d.Body {
		n += len(s) + 1
	}
	for _, s := range d.Segments {
		n += len(s.Text)
	}
	return int64(n)
}

// BenchmarkCleanPage cleans a clean news page (~4 KB, 80 paragraphs,
// most of them false-positive traps).
func BenchmarkCleanPage(b *testing.B) {
	c := defaultCleaner(b)
	doc := benchDoc(b, true)
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkCleanSpammyPage cleans a page with 12 injected spam, ad and
// boilerplate lines among 18 (removals cost their reasons).
func BenchmarkCleanSpammyPage(b *testing.B) {
	c := defaultCleaner(b)
	doc := benchDoc(b, false)
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkCleanMB cleans a 1 MB document (the clean page repeated) to
// show the cost is linear in the input.
func BenchmarkCleanMB(b *testing.B) {
	c := defaultCleaner(b)
	page := benchDoc(b, true)
	doc := Document{TitleCandidates: page.TitleCandidates}
	for docBytes(doc) < 1<<20 {
		doc.Body = append(doc.Body, page.Body...)
	}
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkCleanTraditionalPage is the clean page in Traditional script,
// which adds the t2s folding of every line.
func BenchmarkCleanTraditionalPage(b *testing.B) {
	c := defaultCleaner(b)
	p := parts(b)
	doc := benchDoc(b, true)
	for i := range doc.Body {
		doc.Body[i] = p.s2t.Convert(doc.Body[i])
	}
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}

// BenchmarkNew measures building a Cleaner (compiling the ruleset) with
// shared script tables.
func BenchmarkNew(b *testing.B) {
	p := parts(b)
	for b.Loop() {
		if _, err := New(Options{Scripts: p.scripts, Simplify: p.t2s.Convert}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCleanSpamPage cleans a whole gambling page (testdata/golden/
// promo_page.txt): the page judgement re-reads every kept line.
func BenchmarkCleanSpamPage(b *testing.B) {
	c := defaultCleaner(b)
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "promo_page.txt"))
	if err != nil {
		b.Fatal(err)
	}
	doc := textDoc(string(data))
	b.SetBytes(docBytes(doc))
	b.ReportAllocs()
	for b.Loop() {
		c.Clean(doc)
	}
}
