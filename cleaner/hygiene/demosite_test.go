package hygiene

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/demosite"
	"winnow/sink/record"
)

// demoDoc rebuilds, from the demo site's manifest, roughly what the
// extractor hands over for a genuine article: the <title> spam chain and
// the headline as title candidates, header lines as preamble, hidden and
// footer link text as page segments, body lines (spam, ads, boilerplate)
// after the first paragraph, and every in-sentence span put back into its
// sentence (related-article blocks are left out: the extractor drops
// them). It returns the document and the genuine paragraphs in the
// page's script.
func demoDoc(a demosite.Article, toPage func(string) string) (Document, []string) {
	var doc Document
	genuine := make([]string, len(a.Body))
	for i, p := range a.Body {
		genuine[i] = toPage(p)
	}
	body := slices.Clone(genuine)
	var bodyLines []string
	for _, l := range a.Removed {
		switch {
		case l.Placement == demosite.PlaceRelated:
			// a related-articles block: the extractor's business
		case l.Placement == demosite.PlaceTitle:
			doc.TitleCandidates = append(doc.TitleCandidates, l.Text)
		case l.Scope == record.ScopeSpan:
			plain := strings.Replace(l.Sentence, l.Text, "", 1)
			for i, p := range body {
				if p == plain {
					body[i] = l.Sentence
				}
			}
		case l.Field == record.FieldBody:
			bodyLines = append(bodyLines, l.Text)
		case l.Placement == demosite.PlaceHeader:
			doc.Segments = append(doc.Segments, Segment{Text: l.Text, Role: RolePreamble})
		case l.Placement == demosite.PlaceCrumb:
			doc.Segments = append(doc.Segments, Segment{Text: l.Text, Role: RoleBreadcrumb})
		case l.Placement == demosite.PlaceHidden:
			doc.Segments = append(doc.Segments, Segment{Text: l.Text, Role: RoleHidden})
		default:
			doc.Segments = append(doc.Segments, Segment{Text: l.Text, Role: RoleChrome})
		}
	}
	doc.TitleCandidates = append(doc.TitleCandidates, toPage(a.Title))
	at := min(1, len(body))
	doc.Body = slices.Concat(body[:at], bodyLines, body[at:])
	return doc, genuine
}

// TestDemoSiteManifest cleans every genuine article of the demo site
// (crawler/demosite, imported by this test only) rebuilt from its
// manifest: every injected spam line and span must go, no article may be
// judged a spam page, and every body — the trap articles' in particular —
// must come out as the manifest says. The demo's spam was written
// independently of the ruleset; none of its strings is in the vocabulary
// beyond well-known casino brands.
func TestDemoSiteManifest(t *testing.T) {
	site := demosite.New(demosite.Options{})
	if err := site.Err(); err != nil {
		t.Fatal(err)
	}
	p := parts(t)
	c := defaultCleaner(t)
	articles, traps, spans := 0, 0, 0
	for _, a := range site.Manifest().Articles {
		if a.Kind != demosite.KindArticle {
			continue
		}
		articles++
		toPage := func(s string) string { return s }
		if a.Script == record.ScriptHant {
			toPage = p.s2t.Convert
		}
		doc, genuine := demoDoc(a, toPage)
		res := c.Clean(doc)
		checkInvariants(t, c, res)
		if res.Verdict == record.VerdictSpamPage {
			t.Errorf("%s: article judged spam_page (%s)", a.Path, res.PageReason)
		}
		kept := p.t2s.Convert(res.Title + "\n" + strings.Join(res.Body, "\n"))
		for _, l := range a.Removed {
			if l.Kind != record.KindSpam {
				continue
			}
			spans += btoi(l.Scope == record.ScopeSpan)
			if strings.Contains(kept, p.t2s.Convert(strings.TrimSpace(l.Text))) {
				t.Errorf("%s: spam kept: %q", a.Path, l.Text)
			}
		}
		var got []string
		for _, b := range res.Body {
			if strings.TrimSpace(b) != "" {
				got = append(got, p.t2s.Convert(b))
			}
		}
		want := make([]string, len(genuine))
		for i, g := range genuine {
			want[i] = p.t2s.Convert(g)
		}
		if n := len(want); n > 0 && len(got) == n && strings.HasSuffix(want[n-1], ")") && strings.HasPrefix(want[n-1], got[n-1]) {
			got[n-1] = want[n-1] // the seed's author signature may go
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (trap %v): body (-want +got):\n%s", a.Path, a.Trap, diff)
		}
		traps += btoi(a.Trap)
	}
	if articles < 100 || traps == 0 || spans == 0 {
		t.Errorf("manifest too small: %d articles, %d traps, %d spans", articles, traps, spans)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
