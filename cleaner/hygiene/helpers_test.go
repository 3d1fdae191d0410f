package hygiene

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"winnow/cleaner/normalize"
	"winnow/sink/record"
)

// shared builds the expensive pieces once per test binary.
var shared = sync.OnceValues(func() (*sharedParts, error) {
	sc, err := normalize.NewScripts()
	if err != nil {
		return nil, err
	}
	t2s, err := normalize.New("t2s")
	if err != nil {
		return nil, err
	}
	s2t, err := normalize.New("s2t")
	if err != nil {
		return nil, err
	}
	c, err := New(Options{Scripts: sc, Simplify: t2s.Convert})
	if err != nil {
		return nil, err
	}
	return &sharedParts{scripts: sc, t2s: t2s, s2t: s2t, cleaner: c}, nil
})

type sharedParts struct {
	scripts  *normalize.Scripts
	t2s, s2t *normalize.Converter
	cleaner  *Cleaner
}

func parts(t testing.TB) *sharedParts {
	t.Helper()
	p, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// defaultCleaner returns the shared Cleaner with the embedded rules.
func defaultCleaner(t testing.TB) *Cleaner {
	t.Helper()
	return parts(t).cleaner
}

// newCleaner builds a Cleaner over rs, sharing the script tables.
func newCleaner(t testing.TB, rs *Ruleset) *Cleaner {
	t.Helper()
	p := parts(t)
	c, err := New(Options{Rules: rs, Scripts: p.scripts, Simplify: p.t2s.Convert})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readLines(t testing.TB, name string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(data), "\n"), "\n")
}

// hostDoc is the clean host article of testdata/host.txt with extra
// paragraphs inserted after its second body paragraph.
func hostDoc(t testing.TB, conv func(string) string, extra ...string) Document {
	t.Helper()
	lines := readLines(t, "host.txt")
	if conv == nil {
		conv = func(s string) string { return s }
	}
	var body []string
	for i, l := range lines[1:] {
		body = append(body, conv(l))
		if i == 1 {
			body = append(body, extra...)
		}
	}
	return Document{TitleCandidates: []string{conv(lines[0])}, Body: body}
}

// checkInvariants asserts what must hold for every result: valid record
// fields, valid UTF-8, and idempotence on the kept output.
func checkInvariants(t *testing.T, c *Cleaner, res Result) {
	t.Helper()
	for i, r := range res.Removed {
		if r.Rule == "" || r.Reason == "" || r.Text == "" {
			t.Errorf("removal %d incomplete: %+v", i, r)
		}
		switch r.Kind {
		case record.KindSpam, record.KindAd, record.KindBoilerplate:
		default:
			t.Errorf("removal %d kind %q", i, r.Kind)
		}
	}
	again := c.Clean(Document{TitleCandidates: nonEmpty(res.Title), Body: res.Body})
	if len(again.Removed) != 0 {
		t.Errorf("not idempotent: cleaning the output again removed %+v", again.Removed)
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
