package hygiene

import (
	"fmt"
	"strings"
	"testing"

	"winnow/sink/record"
)

type corpusCase struct {
	line   int
	expect string
	text   string
}

func corpusCases(t testing.TB) []corpusCase {
	t.Helper()
	var out []corpusCase
	for i, l := range readLines(t, "corpus.tsv") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		expect, text, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("corpus.tsv:%d: no tab", i+1)
		}
		out = append(out, corpusCase{line: i + 1, expect: expect, text: text})
	}
	return out
}

// TestCorpus judges every hand-written case inside the clean host article,
// in Simplified and converted to Traditional.
func TestCorpus(t *testing.T) {
	p := parts(t)
	c := defaultCleaner(t)
	scripts := []struct {
		name string
		conv func(string) string
	}{{"hans", nil}, {"hant", p.s2t.Convert}}
	for _, sc := range scripts {
		for _, cc := range corpusCases(t) {
			t.Run(fmt.Sprintf("%s/%d", sc.name, cc.line), func(t *testing.T) {
				text := cc.text
				if sc.conv != nil {
					text = sc.conv(text)
				}
				doc := hostDoc(t, sc.conv, text)
				res := c.Clean(doc)
				checkInvariants(t, c, res)
				var mine, host []record.Removal
				for _, r := range res.Removed {
					if strings.Contains(text, r.Text) {
						mine = append(mine, r)
					} else {
						host = append(host, r)
					}
				}
				if len(host) != 1 || host[0].Rule != RuleSignatureRepeat {
					t.Errorf("host article removals: %+v", host)
				}
				got := "keep"
				switch {
				case len(mine) == 0:
				case mine[0].Scope == record.ScopeSpan && mine[0].Kind == record.KindSpam:
					got = "span"
				case mine[0].Text == text:
					got = mine[0].Kind
				default:
					got = "partial-" + mine[0].Kind
				}
				if got != cc.expect {
					t.Errorf("line %d %q: got %s, want %s; removals %+v", cc.line, text, got, cc.expect, mine)
				}
				if cc.expect == "span" && len(mine) > 0 {
					kept := strings.Join(res.Body, "\n")
					rest := text
					for _, r := range mine {
						rest = strings.Replace(rest, r.Text, "", 1)
					}
					if !strings.Contains(kept, strings.TrimSpace(rest)) {
						t.Errorf("the sentence around the span is not kept: %q", rest)
					}
				}
				if res.Verdict == record.VerdictSpamPage {
					t.Errorf("one spam line made a spam page")
				}
			})
		}
	}
}
