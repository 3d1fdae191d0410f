package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"winnow/cleaner/normalize"
	"winnow/crawler/demosite"
	"winnow/crawler/source"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
)

// TestDemoCrawl runs `winnow demo` as a user would on a fresh clone and
// checks it against the demo site's manifest: every article page becomes
// exactly one record, every whole spam page is flagged, every injected
// spam line is removed, nothing is fetched from the disallowed path, and
// the summary reconciles (fetched = articles + spam pages + not articles
// + failed).
func TestDemoCrawl(t *testing.T) {
	dir := t.TempDir()
	out, summaryPath := filepath.Join(dir, "demo.jsonl"), filepath.Join(dir, "summary.json")
	_, stderr, code := winnow(t, "", "demo", "--data", filepath.Join(dir, "data"), "--out", out, "--summary", summaryPath)
	if code != 0 {
		t.Fatalf("winnow demo: exit %d\n%s", code, stderr)
	}
	recs := readRecords(t, out)

	var sum crawlSummary
	data, err := os.ReadFile(summaryPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if err := sum.reconciles(); err != nil {
		t.Error(err)
	}
	if sum.Articles+sum.SpamPages != len(recs) {
		t.Errorf("summary says %d articles + %d spam pages, %d records written", sum.Articles, sum.SpamPages, len(recs))
	}

	site := demosite.New(demosite.Options{})
	m := site.Manifest()
	conv, err := normalize.New(normalize.Default)
	if err != nil {
		t.Fatal(err)
	}
	// The site the demo crawled is gone; its request log is not needed
	// for the record checks, and robots compliance is asserted from the
	// summary (the disallowed pages end as skipped/robots or are never
	// reached) and from a crawl of a site we observe below.
	r := checkDemo(m, nil, recs, conv)
	if r.missing != 0 || r.duplicates != 0 {
		t.Errorf("%d article pages missing, %d duplicated: %v", r.missing, r.duplicates, r.problems)
	}
	if r.records != len(m.Articles) {
		t.Errorf("%d records for %d article pages", r.records, len(m.Articles))
	}
	if r.spamPagesFound != r.spamPages {
		t.Errorf("%d of %d spam pages flagged spam_page: %v", r.spamPagesFound, r.spamPages, r.problems)
	}
	if r.spamLinesRemoved != r.spamLines || r.spamLines == 0 {
		t.Errorf("%d of %d injected spam lines removed: %v", r.spamLinesRemoved, r.spamLines, r.problems)
	}
	if n := r.articles - r.spamPages; r.titles != n || r.dates != n || r.authors != n || r.bodies != n {
		t.Errorf("extraction vs the manifest: title %d, date %d, authors %d, body %d of %d", r.titles, r.dates, r.authors, r.bodies, n)
	}
	for _, a := range recs {
		if strings.Contains(a.URL, m.DisallowPrefix) {
			t.Errorf("record from a disallowed path: %s", a.URL)
		}
		if a.RawRef == "" || a.FetchedAt == "" || a.Source != "demo" {
			t.Errorf("%s: raw_ref %q fetched_at %q source %q", a.URL, a.RawRef, a.FetchedAt, a.Source)
		}
	}
}

// TestDemoObeysRobots crawls an observed demo site with the demo source
// and asserts from the server's request log that nothing under the
// disallowed prefix was requested.
func TestDemoObeysRobots(t *testing.T) {
	site, base, stop, err := startDemoSite(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	src, err := demoSource(base)
	if err != nil {
		t.Fatal(err)
	}
	var cf crawlFlags
	cf.content = contentFlags{maxBytes: 16 << 20}
	cf.workers, cf.noArchive, cf.quiet = 8, true, true
	sum, err := crawlOnce(context.Background(), stdio{out: io.Discard, err: io.Discard}, t.TempDir(), cf, []*source.Source{src}, loopback, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := site.Manifest()
	for _, q := range site.Requests() {
		if strings.HasPrefix(q.Path, m.DisallowPrefix) {
			t.Errorf("fetched disallowed %s", q.Path)
		}
	}
	if sum.Outcomes["robots"] == 0 && len(m.Disallowed) > 0 {
		t.Errorf("no URL skipped for robots although the site links %d disallowed pages: %v", len(m.Disallowed), sum.Outcomes)
	}
}

func readRecords(t *testing.T, path string) []*record.Article {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []*record.Article
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		recordtest.CheckJSON(t, sc.Bytes())
		var a record.Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestCheckDemoNamesDifferences: records built from the manifest pass
// every check; a wrong title, date or missing author is counted and
// named with its page.
func TestCheckDemoNamesDifferences(t *testing.T) {
	m := demosite.New(demosite.Options{}).Manifest()
	conv, err := normalize.New(normalize.Default)
	if err != nil {
		t.Fatal(err)
	}
	var recs []*record.Article
	var first *record.Article
	for _, a := range m.Articles {
		rec := &record.Article{CanonicalURL: "http://demo.test" + a.Path, Title: a.Title, PublishedAt: a.Published,
			Authors: a.Authors, Body: strings.Join(a.Body, "\n")}
		if a.Kind == demosite.KindSpamPage {
			rec.Hygiene.Verdict = record.VerdictSpamPage
		} else if first == nil {
			first = rec
		}
		recs = append(recs, rec)
	}
	r := checkDemo(m, nil, recs, conv)
	n := r.articles - r.spamPages
	if r.titles != n || r.dates != n || r.authors != n || r.bodies != n || len(r.problems) != 0 {
		t.Fatalf("exact records: title %d date %d authors %d body %d of %d; problems %v", r.titles, r.dates, r.authors, r.bodies, n, r.problems)
	}
	first.Title, first.PublishedAt, first.Authors = "——副标题", "", nil
	r = checkDemo(m, nil, recs, conv)
	if r.titles != n-1 || r.dates != n-1 || r.authors != n-1 || len(r.problems) != 3 {
		t.Fatalf("one record wrong: title %d date %d authors %d of %d; problems %v", r.titles, r.dates, r.authors, n, r.problems)
	}
	u, _ := url.Parse(first.CanonicalURL)
	for _, p := range r.problems {
		if !strings.HasSuffix(p, ": "+u.Path) {
			t.Errorf("problem %q does not name the page %s", p, u.Path)
		}
	}
}
