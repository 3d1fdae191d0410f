package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"winnow/sink"
	"winnow/sink/internal/upsert"
	"winnow/sink/record"
)

// articleColumns are the articles columns in the order articleArgs
// returns their values.
var articleColumns = []string{
	"id", "schema_version", "url", "canonical_url", "source", "site_name", "section",
	"title", "subtitle", "authors", "editor", "origin", "published_at", "published_utc",
	"published_precision", "fetched_at", "lang", "script_in", "script_out", "body",
	"content_hash", "hygiene_verdict", "rules_version", "removed_count", "normalization",
	"raw_ref", "stored_at", "record",
}

// statements are the write statements, prepared once on the writer
// connection.
type statements struct {
	current, insert, update, unqueue, deleteFTS, enqueue, deleteRemovals, insertRemoval *sql.Stmt
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	sets := make([]string, 0, len(articleColumns)-1)
	for _, c := range articleColumns[1:] {
		sets = append(sets, c+" = ?")
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(articleColumns)), ", ")
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&st.current, `SELECT rowid, content_hash, fetched_at FROM articles WHERE id = ?`},
		{&st.insert, `INSERT INTO articles (` + strings.Join(articleColumns, ", ") + `) VALUES (` + marks + `)`},
		{&st.update, `UPDATE articles SET ` + strings.Join(sets, ", ") + ` WHERE id = ?`},
		{&st.unqueue, `DELETE FROM search_pending WHERE article_rowid = ?`},
		{&st.deleteFTS, `DELETE FROM articles_fts WHERE rowid = ?`},
		{&st.enqueue, `INSERT INTO search_pending (article_rowid) VALUES (?)`},
		{&st.deleteRemovals, `DELETE FROM removals WHERE article_id = ?`},
		{&st.insertRemoval, `INSERT INTO removals (article_id, position, text, kind, rule, scope, field, reason, source, stored_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
	} {
		stmt, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			st.close()
			return err
		}
		*p.stmt = stmt
	}
	return nil
}

func (st *statements) close() {
	for _, s := range []*sql.Stmt{st.current, st.insert, st.update, st.unqueue, st.deleteFTS, st.enqueue, st.deleteRemovals, st.insertRemoval} {
		if s != nil {
			s.Close()
		}
	}
}

// Write stores a in its own transaction. An invalid record returns an
// error wrapping sink.ErrRejected; any other error may be retried.
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
// an id in the same batch sees the earlier one). Invalid records are left
// out and listed in Rejected while the others commit; a non-nil error
// means nothing was written and the whole batch may be retried (an error
// wrapping ErrTransient is worth retrying after a delay). When it
// returns nil the batch is durable (fsynced).
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
	if err := s.acquire(); err != nil {
		return sink.BatchResult{}, err
	}
	defer s.mu.RUnlock()
	if len(valid) == 0 {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return sink.BatchResult{}, fmt.Errorf("sqlite: write: %w", err)
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
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("sqlite: begin: %w", classify(err))
	}
	defer tx.Rollback()
	st := statements{
		current:        tx.StmtContext(ctx, s.st.current),
		insert:         tx.StmtContext(ctx, s.st.insert),
		update:         tx.StmtContext(ctx, s.st.update),
		unqueue:        tx.StmtContext(ctx, s.st.unqueue),
		deleteFTS:      tx.StmtContext(ctx, s.st.deleteFTS),
		enqueue:        tx.StmtContext(ctx, s.st.enqueue),
		deleteRemovals: tx.StmtContext(ctx, s.st.deleteRemovals),
		insertRemoval:  tx.StmtContext(ctx, s.st.insertRemoval),
	}
	storedAt := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	for _, a := range recs {
		var (
			rowid int64
			cur   upsert.Stored
			prev  *upsert.Stored
		)
		switch err := st.current.QueryRowContext(ctx, a.ID).Scan(&rowid, &cur.ContentHash, &cur.FetchedAt); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return sink.BatchResult{}, fmt.Errorf("sqlite: read %s: %w", a.ID, classify(err))
		default:
			prev = &cur
		}
		action := upsert.Decide(prev, a)
		switch action {
		case upsert.Unchanged:
			res.Unchanged++
			continue
		case upsert.Stale:
			res.Stale++
			continue
		}
		args, err := articleArgs(a, storedAt)
		if err != nil {
			return sink.BatchResult{}, err
		}
		if action == upsert.Insert {
			r, err := st.insert.ExecContext(ctx, args...)
			if err != nil {
				return sink.BatchResult{}, fmt.Errorf("sqlite: insert %s: %w", a.ID, classify(err))
			}
			if rowid, err = r.LastInsertId(); err != nil {
				return sink.BatchResult{}, fmt.Errorf("sqlite: insert %s: %w", a.ID, err)
			}
			res.Inserted++
		} else {
			if _, err := st.update.ExecContext(ctx, append(args[1:], a.ID)...); err != nil {
				return sink.BatchResult{}, fmt.Errorf("sqlite: update %s: %w", a.ID, classify(err))
			}
			// The old version leaves the search index now: either it is
			// still queued (drop it from the queue) or it is indexed.
			r, err := st.unqueue.ExecContext(ctx, rowid)
			if err != nil {
				return sink.BatchResult{}, fmt.Errorf("sqlite: unqueue %s: %w", a.ID, classify(err))
			}
			if n, err := r.RowsAffected(); err == nil && n == 0 {
				if _, err := st.deleteFTS.ExecContext(ctx, rowid); err != nil {
					return sink.BatchResult{}, fmt.Errorf("sqlite: unindex %s: %w", a.ID, classify(err))
				}
			}
			if _, err := st.deleteRemovals.ExecContext(ctx, a.ID); err != nil {
				return sink.BatchResult{}, fmt.Errorf("sqlite: delete removals of %s: %w", a.ID, classify(err))
			}
			res.Updated++
		}
		if _, err := st.enqueue.ExecContext(ctx, rowid); err != nil {
			return sink.BatchResult{}, fmt.Errorf("sqlite: queue %s for search: %w", a.ID, classify(err))
		}
		for i, r := range a.Hygiene.Removed {
			if _, err := st.insertRemoval.ExecContext(ctx, a.ID, i, r.Text, r.Kind, r.Rule, r.Scope,
				r.Field, r.Reason, a.Source, storedAt); err != nil {
				return sink.BatchResult{}, fmt.Errorf("sqlite: removal %d of %s: %w", i, a.ID, classify(err))
			}
		}
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err := tx.Commit(); err != nil {
		return sink.BatchResult{}, fmt.Errorf("sqlite: commit: %w", classify(err))
	}
	if res.Inserted+res.Updated > 0 {
		s.lastWrite.Store(time.Now().UnixNano())
		s.wakeIndexer()
	}
	return res, nil
}

// articleArgs returns a's column values in articleColumns order.
func articleArgs(a *record.Article, storedAt string) ([]any, error) {
	// The body is stored once, in its column; the record JSON carries ""
	// in its place (half the bytes to write and to JSON-encode).
	shell := *a
	shell.Body = ""
	rec, err := json.Marshal(&shell)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode %s: %w: %w", a.ID, sink.ErrRejected, err)
	}
	authors, err := json.Marshal(nonNil(a.Authors))
	if err != nil {
		return nil, err
	}
	norm := a.Normalization
	if norm == nil {
		norm = map[string]string{}
	}
	normJSON, err := json.Marshal(norm)
	if err != nil {
		return nil, err
	}
	var publishedUTC any // NULL when unknown
	if t, ok := a.Published(); ok {
		publishedUTC = t.UTC().Format("2006-01-02T15:04:05Z")
	}
	return []any{
		a.ID, a.SchemaVersion, a.URL, a.CanonicalURL, a.Source, a.SiteName, a.Section,
		a.Title, a.Subtitle, string(authors), a.Editor, a.Origin, a.PublishedAt, publishedUTC,
		a.PublishedPrecision, a.FetchedAt, a.Lang, a.ScriptIn, a.ScriptOut, a.Body,
		a.ContentHash, a.Hygiene.Verdict, a.Hygiene.RulesVersion, len(a.Hygiene.Removed), string(normJSON),
		a.RawRef, storedAt, string(rec),
	}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
