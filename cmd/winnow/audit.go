package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/stdlib"

	"winnow/cleaner/extract"
	"winnow/cleaner/hygiene"
	"winnow/cleaner/normalize"
	"winnow/crawler/warc"
	"winnow/sink"
	"winnow/sink/analyst"
	"winnow/sink/dashboard"
	"winnow/sink/postgres"
	"winnow/sink/record"
	"winnow/sink/sqlite"
)

// analystFlags select the store the analyst commands read: SQLite in
// --data by default, PostgreSQL with --postgres.
type analystFlags struct {
	postgres, schema string
}

func (f *analystFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.postgres, "postgres", "", "PostgreSQL DSN (read the store there instead of SQLite in --data)")
	fs.StringVar(&f.schema, "postgres-schema", "", "PostgreSQL schema of the tables (default: the server's search_path)")
}

// analystStore is an opened store with the analyst queries over it.
type analystStore struct {
	an      *analyst.Analyst
	store   sink.Store
	warcDir string
	ping    func(ctx context.Context) error
	closers []func() error
}

func (s *analystStore) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	return errors.Join(errs...)
}

// openAnalystStore opens the store in dataDir (SQLite, winnow.db) or at
// f.postgres. mustExist refuses to create an empty SQLite store.
func openAnalystStore(ctx context.Context, dataDir string, f analystFlags, mustExist bool, log *slog.Logger) (*analystStore, error) {
	out := &analystStore{warcDir: filepath.Join(dataDir, "warc")}
	var (
		db      *sql.DB
		dialect analyst.Dialect
	)
	if f.postgres != "" {
		st, err := postgres.Open(ctx, postgres.Options{DSN: f.postgres, Schema: f.schema, Logger: log})
		if err != nil {
			return nil, err
		}
		out.closers = append(out.closers, st.Close)
		if err := st.Migrate(ctx); err != nil {
			out.Close()
			return nil, err
		}
		out.store, out.ping = st, func(ctx context.Context) error { return st.Pool().Ping(ctx) }
		db, dialect = stdlib.OpenDBFromPool(st.Pool()), analyst.Postgres
	} else {
		path := filepath.Join(dataDir, "winnow.db")
		if _, err := os.Stat(path); err != nil && mustExist {
			return nil, fmt.Errorf("no store at %s (crawl into --data first, or pass --postgres): %w", path, err)
		}
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, err
		}
		st, err := sqlite.Open(ctx, sqlite.Options{Path: path, Logger: log})
		if err != nil {
			return nil, err
		}
		out.closers = append(out.closers, st.Close)
		out.store, out.ping = st, st.DB().PingContext
		if db, err = openSQLiteReader(path); err != nil {
			out.Close()
			return nil, err
		}
		dialect = analyst.SQLite
	}
	if err := out.attachQueries(ctx, db, dialect, log); err != nil {
		return nil, err
	}
	return out, nil
}

// openSQLiteReader opens a second, small connection pool on the SQLite
// store at path for the analyst queries.
func openSQLiteReader(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	return db, nil
}

// attachQueries gives s (its store set) the analyst queries over db, the
// store's database, and takes db over (s.Close closes it). On error s is
// closed.
func (s *analystStore) attachQueries(ctx context.Context, db *sql.DB, dialect analyst.Dialect, log *slog.Logger) error {
	s.closers = append(s.closers, db.Close)
	search := func(ctx context.Context, q string, limit int) ([]analyst.Hit, error) {
		hits, err := s.store.Search(ctx, q, sink.SearchOptions{Limit: limit})
		res := make([]analyst.Hit, 0, len(hits))
		for _, h := range hits {
			res = append(res, analyst.Hit{ID: h.ID, Title: h.Title, Source: h.Source, PublishedAt: h.PublishedAt, Snippet: h.Snippet, Score: h.Score})
		}
		return res, err
	}
	an, err := analyst.New(ctx, analyst.Options{DB: db, Dialect: dialect, Search: search, Logger: log})
	if err != nil {
		s.Close()
		return err
	}
	s.an = an
	return nil
}

// rawPage reads an archived response for the page and the CLI.
func (s *analystStore) rawPage(_ context.Context, ref string) (*dashboard.RawPage, error) {
	r, err := warc.Open(s.warcDir, ref)
	if err != nil {
		return nil, err
	}
	return &dashboard.RawPage{URL: r.URL, StatusCode: r.StatusCode, Header: r.Header, Body: r.Body}, nil
}

// original rebuilds the text before hygiene from the archived response.
func (s *analystStore) original(ctx context.Context, a *record.Article) (*dashboard.Original, error) {
	r, err := s.rawPage(ctx, a.RawRef)
	if err != nil {
		return nil, err
	}
	x, err := extract.New(extract.Options{})
	if err != nil {
		return nil, err
	}
	d, err := x.Extract(extract.Input{URL: r.URL, ContentType: r.Header.Get("Content-Type"), Body: r.Body})
	if err != nil {
		return nil, err
	}
	o := &dashboard.Original{Titles: d.TitleCandidates, Body: d.Paragraphs}
	for _, seg := range d.Segments {
		o.Page = append(o.Page, seg.Text)
	}
	return o, nil
}

// defaultOverride is the rules override file corrections go to when
// --rules is not given.
func defaultOverride(dataDir string) string { return filepath.Join(dataDir, "rules-override.yaml") }

// overrideLock serializes corrections within the process (the web form
// and a CLI call in the same process); AddAllow itself does not lock.
var overrideLock = make(chan struct{}, 1)

// markFalsePositive writes the allow entry that keeps one removal's text:
// the exact line for a line removal, a pattern over the folded text of
// the lines holding a span, for every rule ("*": the text is not spam,
// whichever rule scored it). It returns the entry and the file's new
// version.
func markFalsePositive(ctx context.Context, an *analyst.Analyst, rulesFile string, simplify func(string) string, id string, pos int, note string) (hygiene.AllowEntry, string, error) {
	r, err := an.Removal(ctx, id, pos)
	if err != nil {
		return hygiene.AllowEntry{}, "", err
	}
	e := hygiene.AllowEntry{Rule: "*", Note: strings.TrimSpace(fmt.Sprintf("false positive: article %s removal %d (%s) %s %s", id, pos, r.Rule, time.Now().UTC().Format(time.DateOnly), note))}
	if r.Scope == record.ScopeSpan {
		e.Pattern = hygiene.SpanAllowPattern(r.Text, simplify)
	} else {
		e.Text = r.Text
	}
	select {
	case overrideLock <- struct{}{}:
	case <-ctx.Done():
		return e, "", ctx.Err()
	}
	defer func() { <-overrideLock }()
	v, err := hygiene.AddAllow(rulesFile, e)
	return e, v, err
}

// parseDay reads a --since/--until value: YYYY-MM-DD (UTC), an RFC 3339
// time, or a duration before now ("24h", "7d").
func parseDay(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d > 0 {
			return now.AddDate(0, 0, -d), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usagef("bad date %q: want YYYY-MM-DD, an RFC 3339 time or a duration (24h, 7d)", s)
}

// termSafe makes page text safe for a terminal: control characters
// (escape sequences included) become visible escapes.
func termSafe(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == 0x2028 || r == 0x2029 || r == '\uFFFD' }) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || r == 0x2028 || r == 0x2029 {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// output writes rows as a table, JSON or CSV.
type output struct {
	format string
	w      io.Writer
}

func newOutput(w io.Writer, format string) (output, error) {
	switch format {
	case "table", "json", "csv":
		return output{format: format, w: w}, nil
	}
	return output{}, usagef("--format %q: want table, json or csv", format)
}

// rows writes a header and rows (table or CSV); JSON writes v instead.
func (o output) rows(v any, header []string, rows [][]string) error {
	switch o.format {
	case "json":
		enc := json.NewEncoder(o.w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "csv":
		cw := csv.NewWriter(o.w)
		_ = cw.Write(header)
		_ = cw.WriteAll(rows) // flushes
		return cw.Error()
	}
	tw := tabwriter.NewWriter(o.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(header, "\t")))
	for _, r := range rows {
		for i := range r {
			r[i] = termSafe(r[i])
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func runAudit(ctx context.Context, std stdio, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(std.err, "usage: winnow audit removals|stats|show|allow [flags] (winnow audit SUB -h for flags)")
		if len(args) == 0 {
			return usagef("audit needs a subcommand: removals, stats, show or allow")
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "removals":
		return runAuditRemovals(ctx, std, args[1:])
	case "stats":
		return runAuditStats(ctx, std, args[1:])
	case "show":
		return runAuditShow(ctx, std, args[1:])
	case "allow":
		return runAuditAllow(ctx, std, args[1:])
	}
	return usagef("unknown audit subcommand %q (removals, stats, show or allow)", args[0])
}

// auditCommon parses the flags every audit subcommand shares.
type auditCommon struct {
	fs     *flag.FlagSet
	data   *string
	store  analystFlags
	format *string
	source *string
	since  *string
	until  *string
}

func newAuditFlags(std stdio, name, usage string) *auditCommon {
	fs, data := flagSet(std, "audit "+name, usage)
	c := &auditCommon{fs: fs, data: data}
	c.store.register(fs)
	c.format = fs.String("format", "table", "output format: table, json or csv")
	c.source = fs.String("source", "", "only this source id")
	c.since = fs.String("since", "", "only versions stored since DATE (YYYY-MM-DD UTC, RFC 3339, or a duration such as 7d)")
	c.until = fs.String("until", "", "only versions stored before DATE")
	return c
}

func (c *auditCommon) open(ctx context.Context, std stdio) (*analystStore, analyst.Filter, output, error) {
	out, err := newOutput(std.out, *c.format)
	if err != nil {
		return nil, analyst.Filter{}, out, err
	}
	now := time.Now()
	f := analyst.Filter{Source: *c.source}
	if f.Since, err = parseDay(*c.since, now); err != nil {
		return nil, f, out, err
	}
	if f.Until, err = parseDay(*c.until, now); err != nil {
		return nil, f, out, err
	}
	st, err := openAnalystStore(ctx, *c.data, c.store, true, newLogger(std.err, slog.LevelWarn))
	return st, f, out, err
}

func runAuditRemovals(ctx context.Context, std stdio, args []string) error {
	c := newAuditFlags(std, "removals", "[--source ID] [--rule RULE] [--kind KIND] [--since DATE] [--limit N] [--format table|json|csv]")
	rule := c.fs.String("rule", "", "only this rule id (e.g. spam.keyword_chain)")
	kind := c.fs.String("kind", "", "only this kind: spam, ad or boilerplate")
	field := c.fs.String("field", "", "only this field: title, body or page")
	limit := c.fs.Int("limit", 100, "most rows to list (at most 10000)")
	offset := c.fs.Int("offset", 0, "rows to skip")
	if err := parseFlags(c.fs, args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return usagef("unexpected argument %q", c.fs.Arg(0))
	}
	if *limit < 1 || *limit > analyst.MaxLimit || *offset < 0 {
		return usagef("--limit must be 1..%d and --offset not negative", analyst.MaxLimit)
	}
	st, f, out, err := c.open(ctx, std)
	if err != nil {
		return err
	}
	defer st.Close()
	f.Rule, f.Kind, f.Field, f.Limit, f.Offset = *rule, *kind, *field, *limit, *offset
	page, err := st.an.Removals(ctx, f)
	if err != nil {
		return err
	}
	header := []string{"stored_at", "source", "article_id", "position", "rule", "kind", "scope", "field", "text", "reason"}
	var rows [][]string
	for _, r := range page.Rows {
		text, reason := r.Text, r.Reason
		if out.format == "table" {
			text, reason = shorten(text, 40), shorten(reason, 60)
		}
		rows = append(rows, []string{r.StoredAt.UTC().Format(time.RFC3339), r.Source, r.ArticleID, strconv.Itoa(r.Position),
			r.Rule, r.Kind, r.Scope, r.Field, text, reason})
	}
	if err := out.rows(page, header, rows); err != nil {
		return err
	}
	if out.format == "table" {
		fmt.Fprintf(std.err, "%d of %d removals\n", len(page.Rows), page.Total)
	}
	return nil
}

// statsReport is `winnow audit stats --format json`.
type statsReport struct {
	RemovalsByRule []analyst.Total        `json:"removals_by_rule"`
	Sources        []sourceStats          `json:"sources"`
	Days           []dayStats             `json:"days"`
	Removals       []analyst.RemovalCount `json:"removals"`
	Pages          []analyst.PageCount    `json:"pages"`
}

type sourceStats struct {
	Source    string  `json:"source"`
	Records   int     `json:"records"`
	SpamPages int     `json:"spam_pages"`
	SpamRate  float64 `json:"spam_rate"`
	Removals  int     `json:"removals"`
}

type dayStats struct {
	Day string `json:"day"`
	sourceStats
}

func buildStats(st analyst.Stats) statsReport {
	rep := statsReport{RemovalsByRule: st.RemovalsBy(func(c analyst.RemovalCount) string { return c.Rule }), Removals: st.Removals, Pages: st.Pages,
		Sources: []sourceStats{}, Days: []dayStats{}}
	bySource := map[string]int{}
	byDay := map[[2]string]int{}
	for _, c := range st.Removals {
		bySource[c.Source] += c.Count
		byDay[[2]string{c.Day, c.Source}] += c.Count
	}
	for _, p := range st.PagesBySource() {
		rep.Sources = append(rep.Sources, sourceStats{Source: p.Source, Records: p.Articles, SpamPages: p.SpamPages, SpamRate: p.SpamRate(), Removals: bySource[p.Source]})
	}
	for _, p := range st.Pages {
		rep.Days = append(rep.Days, dayStats{Day: p.Day, sourceStats: sourceStats{Source: p.Source, Records: p.Articles, SpamPages: p.SpamPages,
			SpamRate: p.SpamRate(), Removals: byDay[[2]string{p.Day, p.Source}]}})
	}
	return rep
}

func runAuditStats(ctx context.Context, std stdio, args []string) error {
	c := newAuditFlags(std, "stats", "[--source ID] [--since DATE] [--by rule|source|day|detail] [--format table|json|csv]")
	by := c.fs.String("by", "", "one table: rule, source, day or detail (day, source, rule, kind); default: rule, source and day tables (CSV: detail)")
	if err := parseFlags(c.fs, args); err != nil {
		return err
	}
	if c.fs.NArg() > 0 {
		return usagef("unexpected argument %q", c.fs.Arg(0))
	}
	switch *by {
	case "", "rule", "source", "day", "detail":
	default:
		return usagef("--by %q: want rule, source, day or detail", *by)
	}
	st, f, out, err := c.open(ctx, std)
	if err != nil {
		return err
	}
	defer st.Close()
	stats, err := st.an.Stats(ctx, f)
	if err != nil {
		return err
	}
	rep := buildStats(stats)
	pct := func(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }
	tables := map[string]func() ([]string, [][]string, any){
		"rule": func() ([]string, [][]string, any) {
			var rows [][]string
			for _, t := range rep.RemovalsByRule {
				rows = append(rows, []string{t.Key, strconv.Itoa(t.Count)})
			}
			return []string{"rule", "removals"}, rows, rep.RemovalsByRule
		},
		"source": func() ([]string, [][]string, any) {
			var rows [][]string
			for _, s := range rep.Sources {
				rows = append(rows, []string{s.Source, strconv.Itoa(s.Records), strconv.Itoa(s.SpamPages), pct(s.SpamRate), strconv.Itoa(s.Removals)})
			}
			return []string{"source", "records", "spam_pages", "spam_rate", "removals"}, rows, rep.Sources
		},
		"day": func() ([]string, [][]string, any) {
			var rows [][]string
			for _, d := range rep.Days {
				rows = append(rows, []string{d.Day, d.Source, strconv.Itoa(d.Records), strconv.Itoa(d.SpamPages), pct(d.SpamRate), strconv.Itoa(d.Removals)})
			}
			return []string{"day", "source", "records", "spam_pages", "spam_rate", "removals"}, rows, rep.Days
		},
		"detail": func() ([]string, [][]string, any) {
			var rows [][]string
			for _, r := range rep.Removals {
				rows = append(rows, []string{r.Day, r.Source, r.Rule, r.Kind, strconv.Itoa(r.Count)})
			}
			return []string{"day", "source", "rule", "kind", "removals"}, rows, rep.Removals
		},
	}
	switch {
	case *by != "":
		h, rows, v := tables[*by]()
		return out.rows(v, h, rows)
	case out.format == "json":
		return out.rows(rep, nil, nil)
	case out.format == "csv":
		h, rows, v := tables["detail"]()
		return out.rows(v, h, rows)
	}
	for i, name := range []string{"rule", "source", "day"} {
		if i > 0 {
			fmt.Fprintln(std.out)
		}
		fmt.Fprintf(std.out, "# by %s\n", name)
		h, rows, v := tables[name]()
		if err := out.rows(v, h, rows); err != nil {
			return err
		}
	}
	return nil
}

// showReport is `winnow audit show --format json`.
type showReport struct {
	*analyst.ArticleView
	InPlace  bool              `json:"in_place"`
	Blocks   []dashboard.Block `json:"blocks"`
	Unplaced []analyst.Removal `json:"unplaced"`
}

func runAuditShow(ctx context.Context, std stdio, args []string) error {
	c := newAuditFlags(std, "show", "[--format table|json|csv] ARTICLE_ID")
	if err := parseFlags(c.fs, args); err != nil {
		return err
	}
	if c.fs.NArg() != 1 {
		return usagef("show needs one ARTICLE_ID")
	}
	st, _, out, err := c.open(ctx, std)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.an.Article(ctx, c.fs.Arg(0))
	if err != nil {
		return err
	}
	rep := showReport{ArticleView: v, Unplaced: []analyst.Removal{}}
	if v.Article.RawRef != "" {
		if o, err := st.original(ctx, v.Article); err == nil {
			rep.InPlace = true
			rep.Blocks, rep.Unplaced = dashboard.Place(o.Body, v.Removals)
		} else {
			fmt.Fprintf(std.err, "archived page unavailable (%v): showing the clean text\n", err)
		}
	}
	if !rep.InPlace {
		for _, p := range v.Article.Paragraphs() {
			rep.Blocks = append(rep.Blocks, dashboard.Block{Segments: []dashboard.Segment{{Text: p}}})
		}
		for _, r := range v.Removals {
			if r.Field == record.FieldBody {
				rep.Unplaced = append(rep.Unplaced, r)
			}
		}
	}
	switch out.format {
	case "json":
		return out.rows(rep, nil, nil)
	case "csv":
		var rows [][]string
		for _, r := range v.Removals {
			rows = append(rows, []string{strconv.Itoa(r.Position), r.Field, r.Scope, r.Kind, r.Rule, r.Text, r.Reason})
		}
		return out.rows(nil, []string{"position", "field", "scope", "kind", "rule", "text", "reason"}, rows)
	}
	printShow(std.out, rep)
	return nil
}

// printShow prints an article for people: the text with each removal
// marked in place ([-removed-]{#N}) and the reasons below.
func printShow(w io.Writer, rep showReport) {
	a := rep.Article
	fmt.Fprintf(w, "%s\n", termSafe(a.Title))
	fmt.Fprintf(w, "id %s · source %s · verdict %s · rules %s\n%s\n", a.ID, termSafe(a.Source), a.Hygiene.Verdict, termSafe(a.Hygiene.RulesVersion), termSafe(a.URL))
	if a.RawRef != "" {
		fmt.Fprintf(w, "raw %s\n", termSafe(a.RawRef))
	}
	for _, r := range rep.Removals {
		if r.Field == record.FieldTitle {
			fmt.Fprintf(w, "  title candidate removed {#%d}: [-%s-]\n", r.Position, termSafe(r.Text))
		}
	}
	if rep.InPlace {
		fmt.Fprintln(w, "\n--- text as archived; [-removed-]{#N} marks each removal ---")
	} else {
		fmt.Fprintln(w, "\n--- clean text (archived page unavailable; removals listed below) ---")
	}
	for _, b := range rep.Blocks {
		if b.Removed != nil {
			fmt.Fprintf(w, "[-%s-]{#%d}\n", termSafe(b.Segments[0].Text), b.Removed.Position)
			continue
		}
		for _, s := range b.Segments {
			if s.Removed != nil {
				fmt.Fprintf(w, "[-%s-]{#%d}", termSafe(s.Text), s.Removed.Position)
				continue
			}
			fmt.Fprint(w, termSafe(s.Text))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\n--- removals ---")
	for _, r := range rep.Removals {
		where := r.Field + "/" + r.Scope
		fmt.Fprintf(w, "#%d %s %s %s: %s\n    reason: %s\n", r.Position, where, r.Kind, r.Rule, termSafe(r.Text), termSafe(r.Reason))
	}
}

func runAuditAllow(ctx context.Context, std stdio, args []string) error {
	fs, data := flagSet(std, "audit allow", "[--rules FILE] [--note TEXT] ARTICLE_ID POSITION")
	var sf analystFlags
	sf.register(fs)
	rules := fs.String("rules", "", "rules override file to write the allow entry to (default DATA/rules-override.yaml)")
	note := fs.String("note", "", "why (a ticket, a name); kept in the entry")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("allow needs ARTICLE_ID and POSITION (see winnow audit show ARTICLE_ID)")
	}
	pos, err := strconv.Atoi(fs.Arg(1))
	if err != nil || pos < 0 {
		return usagef("POSITION %q is not a removal number", fs.Arg(1))
	}
	if *rules == "" {
		*rules = defaultOverride(*data)
	}
	st, err := openAnalystStore(ctx, *data, sf, true, newLogger(std.err, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer st.Close()
	conv, err := normalize.New(normalize.Default)
	if err != nil {
		return err
	}
	e, v, err := markFalsePositive(ctx, st.an, *rules, conv.Convert, fs.Arg(0), pos, *note)
	if err != nil {
		return err
	}
	what := "text " + strconv.Quote(e.Text)
	if e.Pattern != "" {
		what = "pattern " + strconv.Quote(e.Pattern)
	}
	fmt.Fprintf(std.out, "allowed %s for rule %s in %s (version %s)\nreplay with: winnow replay --rules %s\n", termSafe(what), e.Rule, *rules, v, *rules)
	return nil
}
