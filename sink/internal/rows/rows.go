// Package rows maps article records to the rows of the SQL stores'
// tables (sink/sqlite and sink/postgres: articles, removals) and back, and
// search result rows to hits: the parts of a row that do not depend on
// the SQL dialect.
//
// An articles row keeps the record twice over, as columns for analysts'
// SQL and as JSON for an exact read-back; to halve the bytes, the JSON
// (column record) carries "body": "" and the body lives only in its
// column. Decode puts it back.
//
// Caveats: ArticleColumns are the columns the stores share; each adds
// its own (SQLite's published_utc, PostgreSQL's search vector) and picks
// the type of the time columns.
package rows

import (
	"encoding/json"
	"fmt"

	"winnow/sink"
	"winnow/sink/internal/bigram"
	"winnow/sink/record"
)

// ArticleColumns are the articles columns that both SQL stores set from
// a record, in the order of ArticleValues.
var ArticleColumns = []string{
	"id", "schema_version", "url", "canonical_url", "source", "site_name", "section",
	"title", "subtitle", "authors", "editor", "origin", "published_at", "published_precision",
	"fetched_at", "lang", "script_in", "script_out", "body", "content_hash", "hygiene_verdict",
	"rules_version", "removed_count", "normalization", "raw_ref", "stored_at", "record",
}

// ArticleValues returns a's values for ArticleColumns. timeValue converts
// the record's RFC 3339 times (published_at, fetched_at; "" if unknown)
// to the store's column type; storedAt is of that type already. The
// error wraps sink.ErrRejected: a record that cannot be encoded never
// will be.
func ArticleValues(a *record.Article, storedAt any, timeValue func(string) any) ([]any, error) {
	enc, err := encode(a)
	if err != nil {
		return nil, err
	}
	return []any{
		a.ID, a.SchemaVersion, a.URL, a.CanonicalURL, a.Source, a.SiteName, a.Section,
		a.Title, a.Subtitle, enc.authors, a.Editor, a.Origin, timeValue(a.PublishedAt), a.PublishedPrecision,
		timeValue(a.FetchedAt), a.Lang, a.ScriptIn, a.ScriptOut, a.Body, a.ContentHash, a.Hygiene.Verdict,
		a.Hygiene.RulesVersion, len(a.Hygiene.Removed), enc.normalization, a.RawRef, storedAt, enc.record,
	}, nil
}

// encoded are the JSON columns of an articles row.
type encoded struct {
	record        string // the record as JSON with "body": ""
	authors       string // a JSON array of names, [] when none
	normalization string // a JSON object, {} when none
}

func encode(a *record.Article) (encoded, error) {
	shell := *a
	shell.Body = ""
	rec, err := json.Marshal(&shell)
	if err != nil {
		return encoded{}, fmt.Errorf("encode %s: %w: %w", a.ID, sink.ErrRejected, err)
	}
	authors := a.Authors
	if authors == nil {
		authors = []string{}
	}
	authorsJSON, err := json.Marshal(authors)
	if err != nil {
		return encoded{}, fmt.Errorf("encode %s: %w: %w", a.ID, sink.ErrRejected, err)
	}
	norm := a.Normalization
	if norm == nil {
		norm = map[string]string{}
	}
	normJSON, err := json.Marshal(norm)
	if err != nil {
		return encoded{}, fmt.Errorf("encode %s: %w: %w", a.ID, sink.ErrRejected, err)
	}
	return encoded{record: string(rec), authors: string(authorsJSON), normalization: string(normJSON)}, nil
}

// Decode rebuilds the record from an articles row's record JSON and body
// column.
func Decode(recordJSON []byte, body string) (*record.Article, error) {
	var a record.Article
	if err := json.Unmarshal(recordJSON, &a); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	a.Body = body
	return &a, nil
}

// RemovalColumns are the columns of the removals table that a write sets,
// in the order of AppendRemoval's values.
var RemovalColumns = []string{"article_id", "position", "text", "kind", "rule", "scope", "field", "reason", "source", "stored_at"}

// AppendRemoval appends the values of removal i of a (RemovalColumns
// order) to dst; storedAt is the store's time value.
func AppendRemoval(dst []any, a *record.Article, i int, storedAt any) []any {
	r := &a.Hygiene.Removed[i]
	return append(dst, a.ID, i, r.Text, r.Kind, r.Rule, r.Scope, r.Field, r.Reason, a.Source, storedAt)
}

// Scanner is a result set: database/sql's *sql.Rows and pgx.Rows fit.
type Scanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Hits reads search result rows of (id, title, source, published_at,
// body, score) in the order the query gave them, each with a snippet of
// its body around the first match of q. The caller closes rs.
func Hits(rs Scanner, q bigram.Query) ([]sink.Hit, error) {
	hits := []sink.Hit{}
	for rs.Next() {
		var (
			h    sink.Hit
			body string
		)
		if err := rs.Scan(&h.ID, &h.Title, &h.Source, &h.PublishedAt, &body, &h.Score); err != nil {
			return nil, err
		}
		h.Snippet = bigram.Snippet(body, q, 80)
		hits = append(hits, h)
	}
	return hits, rs.Err()
}

// Search is the part of a store's Search before its SQL: it parses q and
// returns no hits for a query without terms; otherwise it calls query
// with the parsed terms and the hit limit (opts.Limit, 20 if zero).
func Search(q string, opts sink.SearchOptions, query func(q bigram.Query, limit int) ([]sink.Hit, error)) ([]sink.Hit, error) {
	parsed := bigram.Parse(q)
	if parsed.Empty() {
		return []sink.Hit{}, nil
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 20
	}
	return query(parsed, limit)
}
