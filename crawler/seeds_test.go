package crawler

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"winnow/crawler/frontier"
	"winnow/crawler/source"
)

func TestSeedTasks(t *testing.T) {
	src := parseSource(t, `id: s
seeds:
  - {url: "HTTP://News.Example.CN/list/?utm_source=x&page=2#top"}
  - {url: "http://news.example.cn/rss.xml", kind: feed}
  - {url: "http://news.example.cn/a/1.html?sid=9", kind: article}
scope: {strip_params: [sid]}
`)
	got, err := SeedTasks(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []frontier.Task{
		{URL: "http://news.example.cn/list/?page=2", Source: "s", Kind: frontier.KindListing},
		{URL: "http://news.example.cn/rss.xml", Source: "s", Kind: frontier.KindFeed},
		{URL: "http://news.example.cn/a/1.html", Source: "s", Kind: frontier.KindArticle},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SeedTasks (-want +got):\n%s", diff)
	}

	for _, bad := range []*source.Source{nil, {}, {ID: "x", Seeds: []source.Seed{{URL: "ftp://x/"}}}} {
		if _, err := SeedTasks(bad); !errors.Is(err, ErrInvalidSource) {
			t.Errorf("SeedTasks(%+v) = %v, want ErrInvalidSource", bad, err)
		}
	}
}

// TestNoSeeds runs a crawl whose frontier someone else seeds: Run adds
// nothing itself, so an unseeded frontier is idle at once and the site
// sees no request; seeded with SeedTasks, the crawl is the same as a run
// that seeds itself.
func TestNoSeeds(t *testing.T) {
	s := newSite(t, "seeds.test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			linkPage(w, "/a.html", "/b.html")
		default:
			linkPage(w)
		}
	}))
	src := parseSource(t, "id: s\nseeds: [{url: %q}]\npoliteness: {min_delay: 1ns, ignore_robots: true}\n", s.URL("/"))

	mem := frontier.NewMemory()
	rec := &recorder{}
	c := newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) { o.Frontier = mem; o.NoSeeds = true })
	sum, err := c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Fetched != 0 || sum.Discovered != 0 || len(s.Hits()) != 0 {
		t.Fatalf("unseeded run: summary %+v, %d requests; want nothing", sum.Counts, len(s.Hits()))
	}

	mem = frontier.NewMemory()
	seeds, err := SeedTasks(src)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := mem.Add(t.Context(), seeds...); err != nil || n != 1 {
		t.Fatalf("Add(seeds) = %d, %v", n, err)
	}
	rec = &recorder{}
	c = newTestCrawler(t, rec, resolverFor(nil, s), func(o *Options) { o.Frontier = mem; o.NoSeeds = true })
	sum, err = c.Run(t.Context(), []*source.Source{src}, rec)
	if err != nil {
		t.Fatal(err)
	}
	checkSummary(t, sum, rec)
	want := map[string]string{"/": "not_article/entry_point", "/a.html": "handled/handled", "/b.html": "handled/handled"}
	if diff := cmp.Diff(want, rec.byURL(t)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if sum.Discovered != 2 {
		t.Errorf("Discovered = %d, want 2 (the seed was added by the caller)", sum.Discovered)
	}
}
