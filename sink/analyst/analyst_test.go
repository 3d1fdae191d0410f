package analyst_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/stdlib"

	"winnow/sink"
	"winnow/sink/analyst"
	"winnow/sink/postgres"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
	"winnow/sink/sinktest"
	"winnow/sink/sqlite"
)

// backend is one store with an Analyst over its tables.
type backend struct {
	name  string
	an    *analyst.Analyst
	write func(ctx context.Context, a *record.Article) error
	batch func(ctx context.Context, recs []*record.Article) (sink.BatchResult, error)
	db    *sql.DB
}

// backends returns SQLite always and PostgreSQL when WINNOW_TEST_POSTGRES
// is set.
func backends(t *testing.T) []backend {
	t.Helper()
	out := []backend{openSQLite(t)}
	if dsn := os.Getenv("WINNOW_TEST_POSTGRES"); dsn != "" {
		out = append(out, openPostgres(t, dsn))
	} else {
		t.Log("PostgreSQL skipped: set WINNOW_TEST_POSTGRES to a DSN to run these tests on it too")
	}
	return out
}

func openSQLite(t testing.TB) backend {
	t.Helper()
	path := filepath.Join(t.TempDir(), "winnow.db")
	st, err := sqlite.Open(t.Context(), sqlite.Options{Path: path})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	an, err := analyst.New(t.Context(), analyst.Options{DB: db, Dialect: analyst.SQLite, Search: func(ctx context.Context, q string, limit int) ([]analyst.Hit, error) {
		hits, err := st.Search(ctx, q, sink.SearchOptions{Limit: limit})
		var out []analyst.Hit
		for _, h := range hits {
			out = append(out, analyst.Hit{ID: h.ID, Title: h.Title, Source: h.Source, Snippet: h.Snippet, Score: h.Score})
		}
		return out, err
	}})
	if err != nil {
		t.Fatalf("analyst.New: %v", err)
	}
	return backend{name: "sqlite", an: an, write: st.Write, batch: st.WriteBatch, db: db}
}

func openPostgres(t *testing.T, dsn string) backend {
	t.Helper()
	schema := sinktest.PostgresSchema(t, dsn, "winnow_analyst_")
	st, err := postgres.Open(t.Context(), postgres.Options{DSN: dsn, Schema: schema})
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	db := stdlib.OpenDBFromPool(st.Pool())
	t.Cleanup(func() { db.Close() })
	an, err := analyst.New(t.Context(), analyst.Options{DB: db, Dialect: analyst.Postgres})
	if err != nil {
		t.Fatalf("analyst.New: %v", err)
	}
	return backend{name: "postgres", an: an, write: st.Write, batch: st.WriteBatch, db: db}
}

// fixtures returns six valid records over two sources, one a spam page.
func fixtures(t *testing.T) []*record.Article {
	t.Helper()
	var out []*record.Article
	for i := range 6 {
		a := sinktest.Article(i)
		if i%2 == 1 {
			a.Source = "other"
		}
		if i == 3 {
			a.Hygiene.Verdict = record.VerdictSpamPage
		}
		recordtest.Check(t, a)
		out = append(out, a)
	}
	return out
}

func fill(t *testing.T, b backend) []*record.Article {
	t.Helper()
	recs := fixtures(t)
	for _, a := range recs {
		if err := b.write(t.Context(), a); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	return recs
}

// wantRemovals counts the fixtures' removals matching keep.
func wantRemovals(recs []*record.Article, keep func(a *record.Article, r record.Removal) bool) int {
	n := 0
	for _, a := range recs {
		for _, r := range a.Hygiene.Removed {
			if keep(a, r) {
				n++
			}
		}
	}
	return n
}

func TestRemovals(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			recs := fill(t, b)
			rule := recs[0].Hygiene.Removed[0].Rule
			kind := recs[0].Hygiene.Removed[1].Kind
			tests := []struct {
				name string
				f    analyst.Filter
				keep func(a *record.Article, r record.Removal) bool
			}{
				{"all", analyst.Filter{}, func(*record.Article, record.Removal) bool { return true }},
				{"source", analyst.Filter{Source: "other"}, func(a *record.Article, _ record.Removal) bool { return a.Source == "other" }},
				{"rule", analyst.Filter{Rule: rule}, func(_ *record.Article, r record.Removal) bool { return r.Rule == rule }},
				{"kind and source", analyst.Filter{Kind: kind, Source: "example-news"}, func(a *record.Article, r record.Removal) bool {
					return r.Kind == kind && a.Source == "example-news"
				}},
				{"article", analyst.Filter{ArticleID: recs[2].ID}, func(a *record.Article, _ record.Removal) bool { return a.ID == recs[2].ID }},
				{"since tomorrow", analyst.Filter{Since: time.Now().Add(24 * time.Hour)}, func(*record.Article, record.Removal) bool { return false }},
				{"until yesterday", analyst.Filter{Until: time.Now().Add(-24 * time.Hour)}, func(*record.Article, record.Removal) bool { return false }},
				{"since yesterday", analyst.Filter{Since: time.Now().Add(-24 * time.Hour)}, func(*record.Article, record.Removal) bool { return true }},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					page, err := b.an.Removals(t.Context(), tt.f)
					if err != nil {
						t.Fatal(err)
					}
					want := wantRemovals(recs, tt.keep)
					if page.Total != want || len(page.Rows) != want {
						t.Fatalf("total %d, rows %d, want %d", page.Total, len(page.Rows), want)
					}
					for _, r := range page.Rows {
						if tt.f.Source != "" && r.Source != tt.f.Source || tt.f.Rule != "" && r.Rule != tt.f.Rule {
							t.Errorf("row %+v does not match %+v", r, tt.f)
						}
					}
				})
			}
		})
	}
}

func TestRemovalsPagination(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			recs := fill(t, b)
			total := wantRemovals(recs, func(*record.Article, record.Removal) bool { return true })
			seen := map[string]bool{}
			for off := 0; off < total; off += 4 {
				page, err := b.an.Removals(t.Context(), analyst.Filter{Limit: 4, Offset: off})
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != total {
					t.Fatalf("total %d, want %d", page.Total, total)
				}
				for _, r := range page.Rows {
					key := fmt.Sprintf("%s#%d", r.ArticleID, r.Position)
					if seen[key] {
						t.Errorf("%s on two pages", key)
					}
					seen[key] = true
				}
			}
			if len(seen) != total {
				t.Fatalf("pages held %d removals, want %d", len(seen), total)
			}
			for _, f := range []analyst.Filter{{Limit: -1}, {Limit: analyst.MaxLimit + 1}, {Offset: -1}} {
				if _, err := b.an.Removals(t.Context(), f); !errors.Is(err, analyst.ErrBadFilter) {
					t.Errorf("Removals(%+v) = %v, want ErrBadFilter", f, err)
				}
			}
		})
	}
}

func TestStats(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			recs := fill(t, b)
			st, err := b.an.Stats(t.Context(), analyst.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			wantRule := map[string]int{}
			for _, a := range recs {
				for _, r := range a.Hygiene.Removed {
					wantRule[r.Rule]++
				}
			}
			gotRule := map[string]int{}
			for _, tot := range st.RemovalsBy(func(c analyst.RemovalCount) string { return c.Rule }) {
				gotRule[tot.Key] = tot.Count
			}
			if d := cmp.Diff(wantRule, gotRule); d != "" {
				t.Errorf("removals by rule (-want +got):\n%s", d)
			}
			today := analyst.Day(time.Now())
			for _, c := range st.Removals {
				if c.Day != today && c.Day != analyst.Day(time.Now().Add(-time.Minute)) {
					t.Errorf("removal count on day %q, want %s", c.Day, today)
				}
			}
			want := []analyst.PageCount{
				{Source: "example-news", Articles: 3},
				{Source: "other", Articles: 3, SpamPages: 1},
			}
			if d := cmp.Diff(want, st.PagesBySource()); d != "" {
				t.Errorf("pages by source (-want +got):\n%s", d)
			}
			if r := st.PagesBySource()[1].SpamRate(); r < 0.33 || r > 0.34 {
				t.Errorf("spam rate %v, want 1/3", r)
			}
			st, err = b.an.Stats(t.Context(), analyst.Filter{Source: "other", Rule: recs[0].Hygiene.Removed[0].Rule})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range st.Removals {
				if c.Source != "other" || c.Rule != recs[0].Hygiene.Removed[0].Rule {
					t.Errorf("filtered stats hold %+v", c)
				}
			}
			if len(st.Pages) != 1 || st.Pages[0].Source != "other" {
				t.Errorf("filtered pages %+v", st.Pages)
			}
			all, err := b.an.Stats(t.Context(), analyst.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if got := all.Since("9999-01-01"); len(got.Removals)+len(got.Pages) != 0 {
				t.Errorf("Since(future) kept %+v", got)
			}
			if got := all.Since("2000-01-01"); !cmp.Equal(got, all) {
				t.Errorf("Since(past) dropped rows")
			}
			facets, err := b.an.Facets(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var rules, kinds []string
			for _, a := range recs {
				for _, r := range a.Hygiene.Removed {
					rules, kinds = append(rules, r.Rule), append(kinds, r.Kind)
				}
			}
			slices.Sort(rules)
			slices.Sort(kinds)
			wantFacets := analyst.Facets{Sources: []string{"example-news", "other"}, Rules: slices.Compact(rules), Kinds: slices.Compact(kinds)}
			if d := cmp.Diff(wantFacets, facets); d != "" {
				t.Errorf("facets (-want +got):\n%s", d)
			}
		})
	}
}

func TestArticle(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			recs := fill(t, b)
			v, err := b.an.Article(t.Context(), recs[1].ID)
			if err != nil {
				t.Fatal(err)
			}
			recordtest.Check(t, v.Article)
			if d := cmp.Diff(recs[1], v.Article); d != "" {
				t.Errorf("article (-want +got):\n%s", d)
			}
			var got []record.Removal
			for i, r := range v.Removals {
				if r.Position != i || r.ArticleID != recs[1].ID {
					t.Errorf("removal %d: position %d, article %s", i, r.Position, r.ArticleID)
				}
				got = append(got, record.Removal{Text: r.Text, Kind: r.Kind, Rule: r.Rule, Scope: r.Scope, Field: r.Field, Reason: r.Reason})
			}
			if d := cmp.Diff(recs[1].Hygiene.Removed, got); d != "" {
				t.Errorf("removals (-want +got):\n%s", d)
			}
			if time.Since(v.StoredAt) > time.Hour || v.StoredAt.After(time.Now().Add(time.Minute)) {
				t.Errorf("stored_at %v is not now", v.StoredAt)
			}
			r, err := b.an.Removal(t.Context(), recs[1].ID, 1)
			if err != nil || r.Text != recs[1].Hygiene.Removed[1].Text {
				t.Errorf("Removal(1) = %+v, %v", r, err)
			}
			if _, err := b.an.Removal(t.Context(), recs[1].ID, 99); !errors.Is(err, analyst.ErrNotFound) {
				t.Errorf("Removal(99) error %v, want ErrNotFound", err)
			}
			if _, err := b.an.Article(t.Context(), "0123456789abcdef0123456789abcdef"); !errors.Is(err, analyst.ErrNotFound) {
				t.Errorf("missing article error %v, want ErrNotFound", err)
			}
		})
	}
}

func TestRefs(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			recs := fill(t, b)
			refs, err := b.an.Refs(t.Context(), analyst.Filter{Source: "other"})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, a := range recs {
				if a.Source == "other" {
					want = append(want, a.ID+" "+a.RawRef)
				}
			}
			var got []string
			for _, r := range refs {
				got = append(got, r.ID+" "+r.RawRef)
			}
			slices.Sort(want)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("refs (-want +got):\n%s", d)
			}
			fetched, _ := time.Parse(time.RFC3339, recs[0].FetchedAt)
			refs, err = b.an.Refs(t.Context(), analyst.Filter{Since: fetched.Add(time.Second)})
			if err != nil || len(refs) != 0 {
				t.Errorf("refs since after the fetch: %v, %v", refs, err)
			}
		})
	}
}

func TestOutcomes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			// A second New on the same database applies the idempotent
			// migration again.
			if _, err := analyst.New(t.Context(), analyst.Options{DB: b.db, Dialect: b.an.Dialect()}); err != nil {
				t.Fatalf("second New: %v", err)
			}
			d1 := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
			d2 := d1.Add(2 * time.Hour) // next UTC day
			var tally analyst.OutcomeTally
			tally.Add("demo", "handled", "handled", d1)
			tally.Add("demo", "handled", "handled", d1)
			tally.Add("demo", "skipped", "robots", d1)
			tally.Add("demo", "handled", "handled", d2)
			tally.Add("other", "failed", "http_404", d2)
			if err := b.an.RecordOutcomes(t.Context(), tally.Counts()); err != nil {
				t.Fatal(err)
			}
			if got := tally.Counts(); len(got) != 0 {
				t.Fatalf("tally not emptied: %v", got)
			}
			tally.Add("demo", "handled", "handled", d1)
			if err := b.an.RecordOutcomes(t.Context(), tally.Counts()); err != nil {
				t.Fatal(err)
			}
			got, err := b.an.Outcomes(t.Context(), analyst.Filter{Source: "demo"})
			if err != nil {
				t.Fatal(err)
			}
			want := []analyst.OutcomeCount{
				{Source: "demo", Day: "2026-03-01", Kind: "handled", Reason: "handled", Count: 3},
				{Source: "demo", Day: "2026-03-01", Kind: "skipped", Reason: "robots", Count: 1},
				{Source: "demo", Day: "2026-03-02", Kind: "handled", Reason: "handled", Count: 1},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("outcomes (-want +got):\n%s", d)
			}
			got, err = b.an.Outcomes(t.Context(), analyst.Filter{Since: d2})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Day != "2026-03-02" {
				t.Errorf("outcomes since %v: %v", d2, got)
			}
			for _, bad := range [][]analyst.OutcomeCount{
				{{Source: "demo", Day: "2026-03-01", Kind: "handled", Reason: "handled", Count: 0}},
				{{Source: "demo", Day: "March 1", Kind: "handled", Reason: "handled", Count: 1}},
			} {
				if err := b.an.RecordOutcomes(t.Context(), bad); !errors.Is(err, analyst.ErrBadFilter) {
					t.Errorf("RecordOutcomes(%v) = %v, want ErrBadFilter", bad, err)
				}
			}
		})
	}
}

func TestSearch(t *testing.T) {
	b := openSQLite(t)
	seed := sinktest.SeedLike()
	if err := b.write(t.Context(), seed); err != nil {
		t.Fatal(err)
	}
	hits, err := b.an.Search(t.Context(), "政法", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != seed.ID {
		t.Fatalf("search 政法 = %+v, want the seed", hits)
	}
	an, err := analyst.New(t.Context(), analyst.Options{DB: b.db, Dialect: analyst.SQLite})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := an.Search(t.Context(), "政法", 5); !errors.Is(err, analyst.ErrNoSearch) {
		t.Errorf("Search without Options.Search = %v, want ErrNoSearch", err)
	}
}

func TestNewOptions(t *testing.T) {
	b := openSQLite(t)
	for _, o := range []analyst.Options{{}, {DB: b.db}, {DB: b.db, Dialect: 9}} {
		if _, err := analyst.New(t.Context(), o); !errors.Is(err, analyst.ErrOptions) {
			t.Errorf("New(%+v) = %v, want ErrOptions", o, err)
		}
	}
}
