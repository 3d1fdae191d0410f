package main

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"winnow/cleaner/normalize"
	"winnow/crawler/demosite"
	"winnow/crawler/source"
	"winnow/sink/record"
)

//go:embed demo-source.yaml
var demoSourceTemplate string

// loopback is what the SSRF guard must let through to reach the
// in-process demo site.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// demoSource returns the bundled demo source pointed at base
// ("http://127.0.0.1:PORT").
func demoSource(base string) (*source.Source, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	text := strings.NewReplacer("{{base}}", base, "{{host}}", u.Host).Replace(demoSourceTemplate)
	return source.Parse("demo-source.yaml", []byte(text), nil)
}

// startDemoSite serves the demo site on a free loopback port until ctx
// ends; stop waits for the server to finish.
func startDemoSite(ctx context.Context) (site *demosite.Site, base string, stop func(), err error) {
	site = demosite.New(demosite.Options{})
	if err := site.Err(); err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = serveUntilDone(ctx, ln, site.Handler())
	}()
	return site, "http://" + ln.Addr().String(), func() { cancel(); wg.Wait() }, nil
}

// runDemo starts the demo site and crawls it with the bundled demo source
// in one command, then checks the records against the site's manifest.
func runDemo(ctx context.Context, std stdio, args []string) error {
	fs, dataDir := flagSet(std, "demo", "[--out FILE] [--summary FILE]")
	var cf crawlFlags
	cf.register(fs)
	cf.content.script = ""
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	site, base, stop, err := startDemoSite(ctx)
	if err != nil {
		return err
	}
	defer stop()
	src, err := demoSource(base)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.err, "demo site on %s/ — crawling it\n", base)

	// Keep the records to check them against the manifest; they go to
	// --out only (the demo prints its report, not 160 records).
	var mu sync.Mutex
	var recs []*record.Article
	keep := func(a *record.Article) { mu.Lock(); recs = append(recs, a); mu.Unlock() }
	quiet := stdio{in: std.in, out: io.Discard, err: std.err}
	sum, err := crawlOnce(ctx, quiet, *dataDir, cf, []*source.Source{src}, loopback, keep)
	if err != nil {
		return err
	}
	if err := sum.reconciles(); err != nil {
		return err
	}
	return reportDemo(site, recs, std.err)
}

// reportDemo checks recs against the demo site's manifest and the
// requests it served, prints the report to w and returns its verdict.
func reportDemo(site *demosite.Site, recs []*record.Article, w io.Writer) error {
	conv, err := normalize.New(normalize.Default)
	if err != nil {
		return err
	}
	report := checkDemo(site.Manifest(), site.Requests(), recs, conv)
	report.print(w)
	return report.err()
}

// demoReport compares a demo crawl with the site's manifest.
type demoReport struct {
	articles, records, duplicates, missing int
	spamPages, spamPagesFound              int
	spamLines, spamLinesRemoved            int
	titles, dates, authors, bodies         int
	disallowedFetched                      int
	problems                               []string
}

func checkDemo(m demosite.Manifest, reqs []demosite.Request, recs []*record.Article, conv *normalize.Converter) demoReport {
	var r demoReport
	byPath := map[string][]*record.Article{}
	for _, a := range recs {
		u, err := url.Parse(a.CanonicalURL)
		if err != nil {
			continue
		}
		byPath[u.Path] = append(byPath[u.Path], a)
	}
	r.records = len(recs)
	for _, want := range m.Articles {
		r.articles++
		got := byPath[want.Path]
		if len(got) == 0 {
			r.missing++
			r.problems = append(r.problems, "no record for "+want.Path)
			continue
		}
		if len(got) > 1 {
			r.duplicates += len(got) - 1
			r.problems = append(r.problems, fmt.Sprintf("%d records for %s", len(got), want.Path))
		}
		a := got[0]
		if want.Kind == demosite.KindSpamPage {
			r.spamPages++
			if a.Hygiene.Verdict == record.VerdictSpamPage {
				r.spamPagesFound++
			} else {
				r.problems = append(r.problems, "spam page not flagged: "+want.Path)
			}
			continue
		}
		r.titles += r.field(want.Path, "title", a.Title, want.Title)
		r.dates += r.field(want.Path, "date", a.PublishedAt, want.Published)
		r.authors += r.field(want.Path, "authors", strings.Join(a.Authors, ","), strings.Join(want.Authors, ","))
		if bodyMatches(a.Paragraphs(), want.Body) {
			r.bodies++
		} else {
			r.problems = append(r.problems, "body differs from the manifest: "+want.Path)
		}
		text := a.Title + "\n" + a.Body
		for _, l := range want.Removed {
			if l.Kind != record.KindSpam {
				continue
			}
			r.spamLines++
			if strings.Contains(text, conv.Convert(strings.TrimSpace(l.Text))) {
				r.problems = append(r.problems, fmt.Sprintf("spam kept in %s: %q", want.Path, l.Text))
			} else {
				r.spamLinesRemoved++
			}
		}
	}
	for _, q := range reqs {
		if strings.HasPrefix(q.Path, m.DisallowPrefix) {
			r.disallowedFetched++
			r.problems = append(r.problems, "fetched disallowed "+q.Path)
		}
	}
	return r
}

// field returns 1 when an extracted field equals the manifest's, and
// otherwise notes the difference as a problem and returns 0.
func (r *demoReport) field(path, name, got, want string) int {
	if got == want {
		return 1
	}
	r.problems = append(r.problems, fmt.Sprintf("%s %q, manifest %q: %s", name, got, want, path))
	return 0
}

// bodyMatches compares paragraphs, allowing the seed's optional trailing
// author signature.
func bodyMatches(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] && !(i == len(got)-1 && strings.HasPrefix(want[i], got[i]) && strings.HasSuffix(want[i], ")")) {
			return false
		}
	}
	return true
}

func (r demoReport) print(w io.Writer) {
	fmt.Fprintf(w, "demo check: %d/%d article pages stored exactly once (%d duplicates, %d missing); %d/%d spam pages flagged; %d/%d injected spam lines removed; %d disallowed fetches\n",
		r.articles-r.missing-r.duplicates, r.articles, r.duplicates, r.missing, r.spamPagesFound, r.spamPages, r.spamLinesRemoved, r.spamLines, r.disallowedFetched)
	n := r.articles - r.spamPages
	fmt.Fprintf(w, "extraction vs the manifest: title %d/%d, date %d/%d, authors %d/%d, body %d/%d\n", r.titles, n, r.dates, n, r.authors, n, r.bodies, n)
	for i, p := range r.problems {
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more\n", len(r.problems)-20)
			break
		}
		fmt.Fprintln(w, "  "+p)
	}
}

// err fails the demo when it lost, duplicated or mis-fetched something.
func (r demoReport) err() error {
	if r.missing > 0 || r.duplicates > 0 || r.disallowedFetched > 0 {
		return fmt.Errorf("demo check failed: %d missing, %d duplicates, %d disallowed fetches", r.missing, r.duplicates, r.disallowedFetched)
	}
	return nil
}
