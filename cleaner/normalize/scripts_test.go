package normalize

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite scripts.bin from OpenCC's dictionaries")

// TestScriptsTableUpToDate holds the shipped tables (scripts.bin) to what
// BuildScripts derives from the linked OpenCC dictionaries.
func TestScriptsTableUpToDate(t *testing.T) {
	built, err := BuildScripts()
	if err != nil {
		t.Fatal(err)
	}
	want, err := built.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("scripts.bin", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	loaded, err := NewScripts()
	if err != nil {
		t.Fatal(err)
	}
	got, err := loaded.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("scripts.bin differs from the OpenCC dictionaries: go test ./cleaner/normalize -run ScriptsTable -update")
	}
	// Spot checks that the tables are the right way round.
	for _, tc := range []struct {
		r          rune
		trad, simp bool
	}{{'體', true, false}, {'体', false, true}, {'中', false, false}} {
		if loaded.traditional.has(tc.r) != tc.trad || loaded.simplified.has(tc.r) != tc.simp {
			t.Errorf("%c: traditional %v simplified %v, want %v %v", tc.r,
				loaded.traditional.has(tc.r), loaded.simplified.has(tc.r), tc.trad, tc.simp)
		}
	}
}

func BenchmarkNewScripts(b *testing.B) {
	for b.Loop() {
		if _, err := NewScripts(); err != nil {
			b.Fatal(err)
		}
	}
}
