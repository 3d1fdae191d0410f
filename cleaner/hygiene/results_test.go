package hygiene

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// resultDocs are the documents of TestResultsGolden: every corpus case
// inside the host article (Simplified and Traditional), the benchmark
// pages, and the golden inputs as text and with their lines spread over
// every segment role.
func resultDocs(t testing.TB) (names []string, docs []Document) {
	t.Helper()
	p := parts(t)
	for _, sc := range []struct {
		name string
		conv func(string) string
	}{{"hans", nil}, {"hant", p.s2t.Convert}} {
		for _, cc := range corpusCases(t) {
			text := cc.text
			if sc.conv != nil {
				text = sc.conv(text)
			}
			names = append(names, fmt.Sprintf("corpus/%s/%d", sc.name, cc.line))
			docs = append(docs, hostDoc(t, sc.conv, text))
		}
	}
	names = append(names, "bench/news_page", "bench/link_dense")
	docs = append(docs, pageDoc(t, "news_page.txt"), linkDenseDoc(t, 300))
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	roles := []Role{RoleChrome, RolePreamble, RoleTrailer, RoleHidden, RoleBreadcrumb, RoleTitle}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		names = append(names, "golden/"+filepath.Base(f))
		docs = append(docs, textDoc(text))
		var mixed Document
		for i, l := range strings.Split(text, "\n") {
			switch {
			case i == 0:
				mixed.TitleCandidates = append(mixed.TitleCandidates, l)
			case i%2 == 0:
				mixed.Body = append(mixed.Body, l)
			default:
				mixed.Segments = append(mixed.Segments, Segment{Text: l, Role: roles[(i/2)%len(roles)]})
			}
		}
		names = append(names, "roles/"+filepath.Base(f))
		docs = append(docs, mixed)
	}
	return names, docs
}

// resultLine is one document's result in testdata/results.golden.jsonl:
// everything but the kept body, which is summarized by its hash.
type resultLine struct {
	Doc        string          `json:"doc"`
	Title      string          `json:"title"`
	Verdict    string          `json:"verdict"`
	PageReason string          `json:"page_reason,omitempty"`
	Removed    json.RawMessage `json:"removed"`
	BodySHA    string          `json:"body_sha256"`
}

// TestResultsGolden compares the whole result of every document of
// resultDocs (title, verdict, page reason, every removal with its reason,
// the kept body) with testdata/results.golden.jsonl. The file was
// written by the version of this package before its speed work, so it
// also shows that the faster analysis decides the same; run with
// -update to rewrite it after a deliberate change.
func TestResultsGolden(t *testing.T) {
	c := defaultCleaner(t)
	names, docs := resultDocs(t)
	var got bytes.Buffer
	for i, d := range docs {
		res := c.Clean(d)
		removed, err := json.Marshal(res.Removed)
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		line, err := json.Marshal(resultLine{Doc: names[i], Title: res.Title, Verdict: res.Verdict, PageReason: res.PageReason,
			Removed: removed, BodySHA: hex.EncodeToString(sum[:])})
		if err != nil {
			t.Fatal(err)
		}
		got.Write(line)
		got.WriteByte('\n')
	}
	golden := filepath.Join("testdata", "results.golden.jsonl")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(got.String(), "\n")
	if len(wl) != len(gl) {
		t.Fatalf("%s has %d lines, the documents give %d", golden, len(wl), len(gl))
	}
	for i := range wl {
		if wl[i] != gl[i] {
			t.Errorf("%s line %d differs (-want +got):\n%s", golden, i+1, cmp.Diff(wl[i], gl[i]))
		}
	}
}
