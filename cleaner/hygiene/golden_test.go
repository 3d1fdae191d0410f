package hygiene

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden.json")

// textDoc is how a plain-text document reaches the cleaner when nothing
// is known of its layout: every line a body paragraph, the first
// non-empty line also the title candidate.
func textDoc(text string) Document {
	lines := strings.Split(text, "\n")
	doc := Document{Body: lines}
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			doc.TitleCandidates = []string{l}
			break
		}
	}
	return doc
}

type goldenResult struct {
	Title      string          `json:"title"`
	Verdict    string          `json:"verdict"`
	PageReason string          `json:"page_reason,omitempty"`
	Removed    json.RawMessage `json:"removed"`
	Body       []string        `json:"body"`
}

// TestGolden cleans the composed documents of testdata/golden and compares
// title, verdict, removals (with reasons) and kept body with the golden
// files; run with -update to rewrite them after a deliberate change.
func TestGolden(t *testing.T) {
	c := defaultCleaner(t)
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := c.Clean(textDoc(string(data)))
			checkInvariants(t, c, res)
			checkRecord(t, c, res)
			removed, err := json.MarshalIndent(res.Removed, "  ", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(goldenResult{Title: res.Title, Verdict: res.Verdict, PageReason: res.PageReason, Removed: removed, Body: res.Body}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".txt") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs (-want +got):\n%s", golden, cmp.Diff(string(want), string(got)))
			}
		})
	}
}
