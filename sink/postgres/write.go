package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"winnow/sink"
	"winnow/sink/internal/upsert"
	"winnow/sink/record"
)

// articleColumns are the articles columns set from a record, in the order
// articleArgs returns them; the search vector follows them.
var articleColumns = []string{
	"id", "schema_version", "url", "canonical_url", "source", "site_name", "section",
	"title", "subtitle", "authors", "editor", "origin", "published_at", "published_precision",
	"fetched_at", "lang", "script_in", "script_out", "body", "content_hash", "hygiene_verdict",
	"rules_version", "removed_count", "normalization", "raw_ref", "stored_at", "record",
}

// upsertSQL inserts one article or replaces the stored one when the hash
// differs and the incoming version is not older; it returns the id only
// when it wrote.
var upsertSQL = func() string {
	n := len(articleColumns)
	marks := make([]string, n)
	sets := make([]string, 0, n)
	for i, c := range articleColumns {
		marks[i] = fmt.Sprintf("$%d", i+1)
		if c != "id" {
			sets = append(sets, c+" = EXCLUDED."+c)
		}
	}
	return `INSERT INTO articles (` + strings.Join(articleColumns, ", ") + `, search)
		VALUES (` + strings.Join(marks, ", ") + fmt.Sprintf(", $%d)", n+1) + `
		ON CONFLICT (id) DO UPDATE SET ` + strings.Join(sets, ", ") + `, search = EXCLUDED.search
		WHERE articles.content_hash <> EXCLUDED.content_hash
		  AND NOT (articles.fetched_at IS NOT NULL AND EXCLUDED.fetched_at IS NOT NULL
		           AND EXCLUDED.fetched_at < articles.fetched_at)
		RETURNING id`
}()

// Write stores a in its own transaction. An invalid record returns an
// error wrapping sink.ErrRejected; any other error may be retried (one
// wrapping ErrTransient after a delay).
func (s *Store) Write(ctx context.Context, a *record.Article) error {
	res, err := s.WriteBatch(ctx, []*record.Article{a})
	if err != nil {
		return err
	}
	if len(res.Rejected) > 0 {
		return res.Rejected[0].Err
	}
	return nil
}

// WriteBatch writes recs in one transaction, in order (a later version of
// an id in the same batch counts against the earlier one). Invalid
// records are left out and listed in Rejected while the others commit; a
// non-nil error means nothing was written and the whole batch may be
// retried. When it returns nil the batch is committed.
func (s *Store) WriteBatch(ctx context.Context, recs []*record.Article) (sink.BatchResult, error) {
	var res sink.BatchResult
	valid := make([]*record.Article, 0, len(recs))
	for i, a := range recs {
		if err := upsert.Check(a); err != nil {
			id := ""
			if a != nil {
				id = a.ID
			}
			res.Rejected = append(res.Rejected, sink.Rejection{Index: i, ID: id, Err: err})
			continue
		}
		valid = append(valid, a)
	}
	if err := ctx.Err(); err != nil {
		return sink.BatchResult{}, fmt.Errorf("postgres: write: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return sink.BatchResult{}, ErrClosed
	}
	if len(valid) == 0 {
		return res, nil
	}
	if err := s.ensureMigrated(ctx); err != nil {
		return sink.BatchResult{}, err
	}
	counts, err := s.writeTx(ctx, valid)
	if err != nil {
		return sink.BatchResult{}, err
	}
	counts.Rejected = res.Rejected
	return counts, nil
}

func (s *Store) writeTx(ctx context.Context, recs []*record.Article) (sink.BatchResult, error) {
	var res sink.BatchResult
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("postgres: begin: %w", classify(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	// Lock the stored versions, in id order.
	ids := make([]string, 0, len(recs))
	for _, a := range recs {
		ids = append(ids, a.ID)
	}
	stored := make(map[string]*upsert.Stored, len(recs))
	rows, err := tx.Query(ctx, `SELECT id, content_hash, fetched_at FROM articles
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return res, fmt.Errorf("postgres: lock: %w", classify(err))
	}
	for rows.Next() {
		var (
			id, hash string
			fetched  *time.Time
		)
		if err := rows.Scan(&id, &hash, &fetched); err != nil {
			rows.Close()
			return res, fmt.Errorf("postgres: lock: %w", classify(err))
		}
		st := &upsert.Stored{ContentHash: hash}
		if fetched != nil {
			st.FetchedAt = fetched.Format(time.RFC3339Nano)
		}
		stored[id] = st
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("postgres: lock: %w", classify(err))
	}

	// Decide record by record; the last version written per id is the one
	// to store.
	final := make(map[string]*record.Article)
	for _, a := range recs {
		switch upsert.Decide(stored[a.ID], a) {
		case upsert.Unchanged:
			res.Unchanged++
			continue
		case upsert.Stale:
			res.Stale++
			continue
		case upsert.Insert:
			res.Inserted++
		case upsert.Update:
			res.Updated++
		}
		stored[a.ID] = &upsert.Stored{ContentHash: a.ContentHash, FetchedAt: a.FetchedAt}
		final[a.ID] = a
	}
	if len(final) == 0 {
		return res, nil
	}
	order := make([]string, 0, len(final))
	for id := range final {
		order = append(order, id)
	}
	slices.Sort(order) // insert new ids in a fixed order too

	storedAt := time.Now().UTC()
	batch := &pgx.Batch{}
	for _, id := range order {
		a := final[id]
		args, err := articleArgs(a, storedAt)
		if err != nil {
			return sink.BatchResult{}, err
		}
		batch.Queue(upsertSQL, append(args, searchVector(a.Title+"\n"+a.Subtitle, a.Body))...)
	}
	br := tx.SendBatch(ctx, batch)
	var written []string
	for _, id := range order {
		var got string
		switch err := br.QueryRow().Scan(&got); {
		case errors.Is(err, pgx.ErrNoRows):
			// Only a new id can get here (stored ones are locked): another
			// writer inserted it after our lock, with the same or a newer
			// version. Nothing written.
			res.Unchanged++
			res.Inserted = max(res.Inserted-1, 0)
		case err != nil:
			br.Close()
			return sink.BatchResult{}, fmt.Errorf("postgres: upsert %s: %w", id, classify(err))
		default:
			written = append(written, id)
		}
	}
	if err := br.Close(); err != nil {
		return sink.BatchResult{}, fmt.Errorf("postgres: upsert: %w", classify(err))
	}

	// Replace the removal rows of what was written.
	if len(written) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM removals WHERE article_id = ANY($1)`, written); err != nil {
			return sink.BatchResult{}, fmt.Errorf("postgres: delete removals: %w", classify(err))
		}
		var rows [][]any
		for _, id := range written {
			a := final[id]
			for i, r := range a.Hygiene.Removed {
				rows = append(rows, []any{a.ID, int32(i), r.Text, r.Kind, r.Rule, r.Scope, r.Field, r.Reason, a.Source, storedAt})
			}
		}
		if len(rows) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"removals"},
				[]string{"article_id", "position", "text", "kind", "rule", "scope", "field", "reason", "source", "stored_at"},
				pgx.CopyFromRows(rows)); err != nil {
				return sink.BatchResult{}, fmt.Errorf("postgres: copy removals: %w", classify(err))
			}
		}
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err := tx.Commit(ctx); err != nil {
		return sink.BatchResult{}, fmt.Errorf("postgres: commit: %w", classify(err))
	}
	return res, nil
}

// articleArgs returns a's column values in articleColumns order.
func articleArgs(a *record.Article, storedAt time.Time) ([]any, error) {
	// The body is stored once, in its column; the record JSON carries ""
	// in its place.
	shell := *a
	shell.Body = ""
	rec, err := json.Marshal(&shell)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode %s: %w: %w", a.ID, sink.ErrRejected, err)
	}
	authors := a.Authors
	if authors == nil {
		authors = []string{}
	}
	norm := a.Normalization
	if norm == nil {
		norm = map[string]string{}
	}
	authorsJSON, err := json.Marshal(authors)
	if err != nil {
		return nil, err
	}
	normJSON, err := json.Marshal(norm)
	if err != nil {
		return nil, err
	}
	return []any{
		a.ID, int32(a.SchemaVersion), a.URL, a.CanonicalURL, a.Source, a.SiteName, a.Section,
		a.Title, a.Subtitle, string(authorsJSON), a.Editor, a.Origin, timeOrNil(a.PublishedAt), a.PublishedPrecision,
		timeOrNil(a.FetchedAt), a.Lang, a.ScriptIn, a.ScriptOut, a.Body, a.ContentHash, a.Hygiene.Verdict,
		a.Hygiene.RulesVersion, int32(len(a.Hygiene.Removed)), string(normJSON), a.RawRef, storedAt, string(rec),
	}, nil
}

// timeOrNil parses an RFC 3339 record time; "" (or, after Validate,
// nothing else) is NULL.
func timeOrNil(s string) any {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return t
}
