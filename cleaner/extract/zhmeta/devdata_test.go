package zhmeta

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// devDataEnv names the file of real page text this test measures on: the
// JSON lines of shared/data/spam-dev/news_pages_clean_dev.jsonl (fields
// "source" and "text"). The pages are not ours to commit, so the test
// runs only when the variable is set.
const devDataEnv = "WINNOW_TEST_ZH_CLEAN_DEV"

// TestDevDataFalseBylines measures false bylines on the visible text of
// real Chinese news pages: no line of running text (see
// analyzer.paragraph, or any line with a sentence-final 。) may parse as
// a byline. It logs every line that does parse, for review.
func TestDevDataFalseBylines(t *testing.T) {
	path := os.Getenv(devDataEnv)
	if path == "" {
		t.Skipf("set %s to the path of news_pages_clean_dev.jsonl to measure false bylines on real pages", devDataEnv)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var docs, lines, running, bylines, titled int
	for sc.Scan() {
		var d struct {
			Source string `json:"source"`
			Text   string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		docs++
		text := strings.Split(d.Text, "\n")
		a := newAnalyzer(text, DefaultLocation(), testNow)
		for i := range text {
			if a.blank(i) {
				continue
			}
			lines++
			isRunning := a.paragraph(i) || strings.Contains(a.text[i], "。")
			if isRunning {
				running++
			}
			if b, ok := ParseBylineAt(text[i], nil, testNow); ok {
				bylines++
				t.Logf("%s:%d byline %q -> %+v", d.Source, i, text[i], b)
				if isRunning {
					t.Errorf("%s:%d running text parsed as a byline: %q", d.Source, i, text[i])
				}
			}
		}
		if l := AnalyzeTextAt(text, nil, testNow); l.Title >= 0 {
			titled++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d documents, %d non-blank lines, %d lines of running text, %d lines parsed as bylines, %d documents with a title",
		docs, lines, running, bylines, titled)
}
