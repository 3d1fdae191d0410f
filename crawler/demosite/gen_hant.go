//go:build ignore

// gen_hant writes data/hant.tsv, the Traditional form of every corpus
// string of the demo site, with the reference OpenCC dictionaries (s2tw: Taiwan variants such as 啟 and 裡, which Big5 can encode),
// and checks that OpenCC t2s turns each form back into the original; it
// exits 1 and names the strings that do not round-trip. The demo site
// itself does not link OpenCC: it reads the table. It also writes
// data/seed.hans.txt, the t2s form of the seed article (data/seed.txt).
//
// Run from crawler/demosite after editing data/*.txt:
//
//	go run gen_hant.go
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/longbridgeapp/opencc"
)

func main() {
	s2t, err := opencc.New("s2tw")
	check(err)
	t2s, err := opencc.New("t2s")
	check(err)
	seen := map[string]bool{}
	var all []string
	for _, name := range []string{"vocab.txt", "spam.txt", "topics.txt", "spampage.txt"} {
		f, err := os.Open("data/" + name)
		check(err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), " \t\r")
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
				continue
			}
			if name == "topics.txt" || name == "spampage.txt" {
				line = line[2:]
			}
			if !seen[line] {
				seen[line] = true
				all = append(all, line)
			}
		}
		f.Close()
	}
	sort.Strings(all)
	var out strings.Builder
	bad := 0
	for _, s := range all {
		t, err := s2t.Convert(s)
		check(err)
		back, err := t2s.Convert(t)
		check(err)
		if back != s {
			fmt.Fprintf(os.Stderr, "no round trip:\n  %s\n  %s\n  %s\n", s, t, back)
			bad++
		}
		fmt.Fprintf(&out, "%s\t%s\n", s, t)
	}
	check(os.WriteFile("data/hant.tsv", []byte(out.String()), 0o644))
	seed, err := os.ReadFile("data/seed.txt")
	check(err)
	hans, err := t2s.Convert(string(seed))
	check(err)
	check(os.WriteFile("data/seed.hans.txt", []byte(hans), 0o644))
	fmt.Printf("wrote %d entries to data/hant.tsv\n", len(all))
	if bad > 0 {
		fmt.Fprintf(os.Stderr, "%d strings do not round-trip; reword them\n", bad)
		os.Exit(1)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
