package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"winnow/crawler/demosite"
	"winnow/sink"
	"winnow/sink/record"
	"winnow/sink/record/recordtest"
	"winnow/sink/sinktest"
)

const (
	postgresEnv = "WINNOW_TEST_POSTGRES"
	natsEnv     = "WINNOW_TEST_NATS_URL"
)

// testPostgres returns the test server's DSN or skips t.
func testPostgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to a PostgreSQL DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run this test", postgresEnv)
	}
	return dsn
}

// testNATS returns the machine's NATS URL or skips t.
func testNATS(t testing.TB) string {
	t.Helper()
	u := os.Getenv(natsEnv)
	if u == "" {
		t.Skipf("set %s to a NATS server with JetStream (e.g. nats://127.0.0.1:4222) to run this test", natsEnv)
	}
	return u
}

// uniqueName returns prefix + 8 random hex digits.
func uniqueName(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// newSchema returns a fresh PostgreSQL schema name, dropped when t ends.
func newSchema(t testing.TB, dsn string) string {
	t.Helper()
	return sinktest.PostgresSchema(t, dsn, "winnow_cmd_")
}

// storedTables is what a store holds, read from its tables directly.
type storedTables struct {
	// paths maps an article's URL path (host dropped) to its rows.
	paths map[string]int
	// rows is the number of rows of articles; removals of removals.
	rows, removals int
	// removedCounts is the sum of the articles' removed_count.
	removedCounts int
	// spamPages counts rows with the spam_page verdict.
	spamPages int
}

// querier runs a query and returns its rows as values.
type querier func(q string) ([][]any, error)

func sqliteQuerier(db *sql.DB) querier {
	return func(q string) ([][]any, error) {
		rows, err := db.Query(q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			out = append(out, vals)
		}
		return out, rows.Err()
	}
}

func pgxQuerier(ctx context.Context, conn *pgx.Conn) querier {
	return func(q string) ([][]any, error) {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][]any
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return nil, err
			}
			out = append(out, vals)
		}
		return out, rows.Err()
	}
}

func toInt(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case int32:
		return int(n)
	case int:
		return n
	}
	return -1
}

// readTables reads the articles and removals tables through q.
func readTables(t testing.TB, q querier) storedTables {
	t.Helper()
	rows, err := q(`SELECT canonical_url, removed_count, hygiene_verdict FROM articles`)
	if err != nil {
		t.Fatalf("read articles: %v", err)
	}
	st := storedTables{paths: map[string]int{}, rows: len(rows)}
	for _, r := range rows {
		u, err := url.Parse(r[0].(string))
		if err != nil {
			t.Fatalf("stored canonical_url %v: %v", r[0], err)
		}
		st.paths[u.Host+u.Path]++
		st.removedCounts += toInt(r[1])
		if r[2].(string) == record.VerdictSpamPage {
			st.spamPages++
		}
	}
	rem, err := q(`SELECT count(*) FROM removals`)
	if err != nil {
		t.Fatalf("read removals: %v", err)
	}
	st.removals = toInt(rem[0][0])
	return st
}

// readSQLite reads a SQLite store's tables, read-only.
func readSQLite(t testing.TB, path string) storedTables {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return readTables(t, sqliteQuerier(db))
}

// countSQLite returns the number of articles rows, 0 before the table
// exists.
func countSQLite(t testing.TB, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM articles`).Scan(&n); err != nil {
		return 0
	}
	return n
}

// withPostgres runs fn on a connection whose search_path is schema.
func withPostgres[T any](t testing.TB, dsn, schema string, fn func(q querier) T) T {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SET search_path TO `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return fn(pgxQuerier(ctx, conn))
}

// readPostgres reads a PostgreSQL store's tables in schema.
func readPostgres(t testing.TB, dsn, schema string) storedTables {
	t.Helper()
	return withPostgres(t, dsn, schema, func(q querier) storedTables { return readTables(t, q) })
}

// countPostgres returns the number of articles rows in schema, 0 before
// the table exists.
func countPostgres(t testing.TB, dsn, schema string) int {
	t.Helper()
	return withPostgres(t, dsn, schema, func(q querier) int {
		rows, err := q(`SELECT count(*) FROM articles`)
		if err != nil {
			return 0
		}
		return toInt(rows[0][0])
	})
}

// wantDemoArticles checks that st holds every article-pattern page of
// the demo manifest exactly once per host (spam pages included), nothing
// else, and one removals row per removal.
func wantDemoArticles(t testing.TB, st storedTables, hosts ...string) {
	t.Helper()
	m := demosite.New(demosite.Options{}).Manifest()
	want := map[string]int{}
	for _, h := range hosts {
		for _, a := range m.Articles {
			want[h+a.Path] = 1
		}
	}
	if diff := cmp.Diff(want, st.paths); diff != "" {
		t.Errorf("stored articles by host+path (-want +got):\n%s", diff)
	}
	if st.rows != len(want) {
		t.Errorf("articles rows = %d, want %d", st.rows, len(want))
	}
	if wantSpam := len(hosts) * m.Count(demosite.KindSpamPage); st.spamPages != wantSpam {
		t.Errorf("spam_page rows = %d, want %d", st.spamPages, wantSpam)
	}
	if st.removals != st.removedCounts || st.removals == 0 {
		t.Errorf("removals rows = %d, want the articles' removed_count sum %d (> 0)", st.removals, st.removedCounts)
	}
}

// seedTitle is the title of the bundled seed article of the demo site.
const seedTitle = "续写更多政法干警“春天的故事”"

// wantSearch runs `winnow search --json` with args and checks that the
// seed article is among the hits.
func wantSearch(t *testing.T, args ...string) {
	t.Helper()
	out, errOut, code := winnow(t, "", append([]string{"search", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("search %v: exit %d: %s", args, code, errOut)
	}
	var titles []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var h sink.Hit
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatalf("search output %q: %v", line, err)
		}
		titles = append(titles, h.Title)
	}
	if !slices.Contains(titles, seedTitle) {
		t.Errorf("search %v found %q, want the seed article %q among them", args, titles, seedTitle)
	}
}

// TestRunDemoUntilIdle is the bundled demo through the whole pipeline in
// one process: embedded NATS, crawl, SQLite. It must store exactly the
// demo manifest's article set, with its removals, and find the seed
// article by a two-character query, in Simplified or Traditional script.
func TestRunDemoUntilIdle(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.json")
	_, errOut, code := winnow(t, "", "run", "--demo", "--until-idle", "--quiet", "--data", dir, "--summary", summary, "--frontier-ack-wait", "5s")
	if code != 0 {
		t.Fatalf("run --demo --until-idle: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "demo check: 164/164 article pages stored exactly once") {
		t.Errorf("no passing demo check in the output:\n%s", errOut)
	}
	st := readSQLite(t, filepath.Join(dir, "winnow.db"))
	var hosts []string
	for p := range st.paths {
		hosts = append(hosts, p[:strings.IndexByte(p, '/')])
	}
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	wantDemoArticles(t, st, hosts...)
	if n := len(hosts); n != 1 {
		t.Errorf("records of %d hosts, want 1", n)
	}

	var sum crawlSummary
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	m := demosite.New(demosite.Options{}).Manifest()
	if got, want := sum.Articles+sum.SpamPages, len(m.Articles)-failingArticles(m); got != want {
		t.Errorf("summary: %d articles + spam pages, want %d", got, want)
	}
	if err := sum.reconciles(); err != nil {
		t.Error(err)
	}

	wantSearch(t, "--data", dir, "政法")
	wantSearch(t, "--data", dir, "幹警") // Traditional: converted to 干警 first
	recordtest.Check(t, recordFromSQLite(t, filepath.Join(dir, "winnow.db"), seedTitle))
}

// failingArticles counts the article-pattern pages a crawl cannot store
// (their special behaviour fails them).
func failingArticles(m demosite.Manifest) int {
	n := 0
	for _, s := range m.Special {
		if _, ok := m.Article(s.Path); ok && s.Outcome == demosite.OutcomeFailed {
			n++
		}
	}
	return n
}

// recordFromSQLite reads back the stored record with the given title.
func recordFromSQLite(t *testing.T, path, title string) *record.Article {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var data, body string
	if err := db.QueryRow(`SELECT record, body FROM articles WHERE title = ?`, title).Scan(&data, &body); err != nil {
		t.Fatal(err)
	}
	var a record.Article
	if err := json.Unmarshal([]byte(data), &a); err != nil {
		t.Fatal(err)
	}
	a.Body = body
	return &a
}

// TestRunDemoPostgres is the demo through the pipeline into PostgreSQL:
// the same article set, and 政法 finds the seed article there too.
func TestRunDemoPostgres(t *testing.T) {
	dsn := testPostgres(t)
	schema := newSchema(t, dsn)
	dir := t.TempDir()
	_, errOut, code := winnow(t, "", "run", "--demo", "--until-idle", "--quiet", "--data", dir,
		"--postgres", dsn, "--postgres-schema", schema, "--frontier-ack-wait", "5s")
	if code != 0 {
		t.Fatalf("run --demo --until-idle --postgres: exit %d\n%s", code, errOut)
	}
	st := readPostgres(t, dsn, schema)
	var host string
	for p := range st.paths {
		host = p[:strings.IndexByte(p, '/')]
	}
	wantDemoArticles(t, st, host)
	wantSearch(t, "--postgres", dsn, "--postgres-schema", schema, "政法")
}
