// Package analyst answers the questions analysts ask of a winnow store:
// what was removed, by which rule, from which source and when; how much
// of each source is spam; what one article looked like with its removals;
// and how crawls went, day by day. It reads the documented tables
// articles and removals (see sink/sqlite and sink/postgres, migrations
// 0001_init.sql) through database/sql, with one implementation and
// dialect-specific SQL for SQLite and PostgreSQL.
//
// It also owns one table of its own, crawl_outcomes (source, day, kind,
// reason, count), created by an embedded, idempotent migration
// (CREATE TABLE IF NOT EXISTS) when New runs: RecordOutcomes adds to it,
// Outcomes reads it back for the "crawl outcomes per source over time"
// chart.
//
// The caller opens the *sql.DB: for SQLite with the modernc driver
// ("sqlite", a read-write connection, since New creates crawl_outcomes
// and RecordOutcomes writes), for PostgreSQL through pgx's stdlib
// adapter (stdlib.OpenDBFromPool(store.Pool()), which keeps the store's
// search_path). Full-text search is delegated to the store's Search
// through Options.Search.
//
// Days are UTC calendar days of the time a version was stored
// (articles.stored_at and removals.stored_at); Filter.Since and
// Filter.Until bound the same column.
//
// Caveats: statistics count the stored version of each article: a record
// that was re-stored (a re-fetch, a replay) counts on the day of its
// latest version, and its earlier removals are gone. crawl_outcomes is
// written only by whoever calls RecordOutcomes; counts are added, so
// recording the same batch twice counts it twice. Page text in the
// results is hostile: escape it wherever it is shown.
package analyst

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

//go:embed schema/sqlite.sql
var sqliteSchema string

//go:embed schema/postgres.sql
var postgresSchema string

// Errors.
var (
	// ErrOptions is wrapped by New when Options are unusable.
	ErrOptions = errors.New("analyst: invalid options")
	// ErrNotFound is wrapped when no article or removal has the id.
	ErrNotFound = errors.New("analyst: not found")
	// ErrNoSearch is returned by Search when Options.Search is nil.
	ErrNoSearch = errors.New("analyst: no search configured")
	// ErrBadFilter is wrapped when a Filter field is out of range.
	ErrBadFilter = errors.New("analyst: bad filter")
)

// Dialect selects the SQL flavour of the database.
type Dialect int

// Dialects.
const (
	// SQLite is modernc.org/sqlite (sink/sqlite's schema).
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL through pgx's database/sql adapter
	// (sink/postgres's schema).
	Postgres
)

// String names the dialect.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// DefaultLimit is the page size when Filter.Limit is zero; MaxLimit is
// the largest accepted.
const (
	DefaultLimit = 50
	MaxLimit     = 10000
)

// Hit is one full-text search result.
type Hit struct {
	ID          string
	Title       string
	Source      string
	PublishedAt string  // as in the record, "" if unknown
	Snippet     string  // body text around the first match
	Score       float64 // larger is better
}

// SearchFunc runs a full-text search in the store (the store's Search,
// adapted); limit is at least 1.
type SearchFunc func(ctx context.Context, q string, limit int) ([]Hit, error)

// Options configure an Analyst.
type Options struct {
	// DB is the database holding the store's tables. Required. The
	// Analyst does not close it.
	DB *sql.DB
	// Dialect is SQLite or Postgres. Required.
	Dialect Dialect
	// Search runs full-text searches; nil means Search returns
	// ErrNoSearch.
	Search SearchFunc
	// SkipMigrate leaves crawl_outcomes alone (a read-only role); zero
	// creates it if missing. Outcomes returns nothing when it is absent.
	SkipMigrate bool
	// Logger receives debug events; nil discards.
	Logger *slog.Logger
}

// Analyst runs analyst queries; safe for concurrent use.
type Analyst struct {
	db      *sql.DB
	dialect Dialect
	search  SearchFunc
	log     *slog.Logger
}

// New validates opts and applies the crawl_outcomes migration.
func New(ctx context.Context, opts Options) (*Analyst, error) {
	if opts.DB == nil {
		return nil, fmt.Errorf("%w: DB is nil", ErrOptions)
	}
	if opts.Dialect != SQLite && opts.Dialect != Postgres {
		return nil, fmt.Errorf("%w: unknown dialect %d", ErrOptions, opts.Dialect)
	}
	a := &Analyst{db: opts.DB, dialect: opts.Dialect, search: opts.Search, log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if !opts.SkipMigrate {
		if err := a.migrate(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Dialect returns the SQL dialect in use.
func (a *Analyst) Dialect() Dialect { return a.dialect }

func (a *Analyst) migrate(ctx context.Context) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("analyst: migrate: %w", err)
	}
	defer tx.Rollback()
	schema := sqliteSchema
	if a.dialect == Postgres {
		schema = postgresSchema
		// Two processes creating the table at once would race on the
		// catalog; the lock makes them take turns.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7283940112)`); err != nil {
			return fmt.Errorf("analyst: migrate: %w", err)
		}
	}
	for _, stmt := range strings.Split(schema, ";") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("analyst: migrate: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("analyst: migrate: %w", err)
	}
	return nil
}

func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
	}
	return b.String()
}

// Filter narrows a query. The zero value matches everything (the first
// DefaultLimit rows where rows are listed).
type Filter struct {
	// Source, Rule, Kind and Field match exactly when not "".
	Source string
	Rule   string
	Kind   string
	Field  string
	// ArticleID limits removals to one article when not "".
	ArticleID string
	// Since and Until bound stored_at (Since inclusive, Until
	// exclusive); zero means unbounded. Outcomes compare UTC days.
	Since, Until time.Time
	// Limit is the page size (zero: DefaultLimit; at most MaxLimit) and
	// Offset the rows skipped, for Removals.
	Limit, Offset int
}

func (f Filter) limit() (int, error) {
	switch {
	case f.Limit < 0 || f.Limit > MaxLimit:
		return 0, fmt.Errorf("%w: limit %d is outside 0..%d", ErrBadFilter, f.Limit, MaxLimit)
	case f.Offset < 0:
		return 0, fmt.Errorf("%w: negative offset %d", ErrBadFilter, f.Offset)
	case f.Limit == 0:
		return DefaultLimit, nil
	}
	return f.Limit, nil
}

// query builds SQL with "?" placeholders, rebound for PostgreSQL.
type query struct {
	where []string
	args  []any
}

func (q *query) add(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

func (q *query) clause() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// rebind turns "?" placeholders into "$1", "$2" … for PostgreSQL. The
// package's SQL has no "?" inside literals.
func (a *Analyst) rebind(s string) string {
	if a.dialect != Postgres {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sqliteTime is the layout of stored_at in SQLite (UTC, microseconds),
// which sorts as text.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// timeArg returns t as the stored_at column's type.
func (a *Analyst) timeArg(t time.Time) any {
	if a.dialect == SQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t.UTC()
}

// dayExpr is the UTC day of a stored_at column as YYYY-MM-DD.
func (a *Analyst) dayExpr(col string) string {
	if a.dialect == SQLite {
		return "substr(" + col + ", 1, 10)"
	}
	return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
}

// dbTime scans a time stored as text (SQLite) or timestamptz.
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.t = time.Time{}
	case time.Time:
		d.t = x
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	default:
		return fmt.Errorf("analyst: cannot scan %T as a time", v)
	}
	return nil
}

func (d *dbTime) parse(s string) error {
	if s == "" {
		d.t = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("analyst: bad time %q: %w", s, err)
	}
	d.t = t
	return nil
}

// Day formats t's UTC calendar day as YYYY-MM-DD.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
