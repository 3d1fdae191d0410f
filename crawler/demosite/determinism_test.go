package demosite_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/demosite"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// allPaths lists every path the manifest names, special failures aside.
func allPaths(m demosite.Manifest) []string {
	paths := []string{m.Robots}
	for _, l := range [][]string{m.Listings, m.Feeds, m.Sitemaps, m.Disallowed, m.Other} {
		paths = append(paths, l...)
	}
	for _, a := range m.Articles {
		paths = append(paths, a.Path)
	}
	return append(paths, demosite.PathMissing, demosite.PathLoopA)
}

func render(t *testing.T, s *demosite.Site, path string) []byte {
	t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), "GET", path, nil)
	req.Host = "demo.test:8080"
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	var b bytes.Buffer
	b.WriteString(rec.Result().Status + "\n")
	for _, k := range []string{"Content-Type", "Content-Encoding", "ETag", "Last-Modified", "Location", "Retry-After"} {
		b.WriteString(k + ": " + rec.Header().Get(k) + "\n")
	}
	b.Write(rec.Body.Bytes())
	return b.Bytes()
}

// TestDeterministic renders every page of two independent sites and
// compares the bytes (and headers); the manifests must be equal too.
func TestDeterministic(t *testing.T) {
	a := demosite.New(demosite.Options{SlowDelay: time.Millisecond})
	b := demosite.New(demosite.Options{SlowDelay: time.Millisecond})
	if diff := cmp.Diff(a.Manifest(), b.Manifest()); diff != "" {
		t.Fatalf("manifests differ:\n%s", diff)
	}
	for _, p := range allPaths(a.Manifest()) {
		ra, rb := render(t, a, p), render(t, b, p)
		if !bytes.Equal(ra, rb) {
			t.Errorf("%s renders differently", p)
		}
		if again := render(t, a, p); !bytes.Equal(ra, again) && !strings.HasSuffix(p, "/flaky.html") {
			t.Errorf("%s renders differently the second time", p)
		}
	}
}

// goldenArticle is the manifest entry as the golden file keeps it.
type goldenArticle struct {
	Path, Kind, Template, Charset, Declared, Script, Title, Subtitle string
	Published, Precision, Editor, Origin, Section                    string
	Authors                                                          []string
	Paragraphs                                                       int
	BodySHA256                                                       string
	Removed                                                          []string
	Trap                                                             bool   `json:",omitempty"`
	Special                                                          string `json:",omitempty"`
}

// TestManifestGolden pins the generated content: a change to the corpus,
// the templates or the generator shows up as a diff of
// testdata/manifest.golden.json (rewrite it with -update).
func TestManifestGolden(t *testing.T) {
	m := demosite.New(demosite.Options{}).Manifest()
	var got []goldenArticle
	for _, a := range m.Articles {
		sum := sha256.Sum256([]byte(strings.Join(a.Body, "\n")))
		g := goldenArticle{Path: a.Path, Kind: a.Kind, Template: a.Template, Charset: a.Charset, Declared: a.CharsetDeclared,
			Script: a.Script, Title: a.Title, Subtitle: a.Subtitle, Published: a.Published, Precision: a.PublishedPrecision,
			Editor: a.Editor, Origin: a.Origin, Section: a.SectionName, Authors: a.Authors, Paragraphs: len(a.Body),
			BodySHA256: hex.EncodeToString(sum[:8]), Trap: a.Trap, Special: a.Special}
		for _, l := range a.Removed {
			g.Removed = append(g.Removed, l.Kind+"/"+l.Field+"/"+l.Scope+"/"+l.Placement+": "+l.Text)
		}
		got = append(got, g)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	file := filepath.Join("testdata", "manifest.golden.json")
	if *update {
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -run TestManifestGolden -update)", err)
	}
	if diff := cmp.Diff(string(want), string(out)); diff != "" {
		t.Errorf("manifest changed (-golden +got); if intended, rerun with -update:\n%s", diff)
	}
}
