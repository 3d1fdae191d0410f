package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"winnow/sink"
	"winnow/sink/internal/rows"
	"winnow/sink/internal/upsert"
	"winnow/sink/record"
)

// upsertSQL inserts one article or replaces the stored one when the hash
// differs and the incoming version is not older; it returns the id only
// when it wrote.
var upsertSQL = func() string {
	n := len(rows.ArticleColumns)
	marks := make([]string, n)
	sets := make([]string, 0, n)
	for i, c := range rows.ArticleColumns {
		marks[i] = fmt.Sprintf("$%d", i+1)
		if c != "id" {
			sets = append(sets, c+" = EXCLUDED."+c)
		}
	}
	return `INSERT INTO articles (` + strings.Join(rows.ArticleColumns, ", ") + `, search)
		VALUES (` + strings.Join(marks, ", ") + fmt.Sprintf(", $%d)", n+1) + `
		ON CONFLICT (id) DO UPDATE SET ` + strings.Join(sets, ", ") + `, search = EXCLUDED.search
		WHERE articles.content_hash <> EXCLUDED.content_hash
		  AND NOT (articles.fetched_at IS NOT NULL AND EXCLUDED.fetched_at IS NOT NULL
		           AND EXCLUDED.fetched_at < articles.fetched_at)
		RETURNING id`
}()

// cleanupWorkMem is the work_mem of a write transaction. The insert that
// fills the search index's pending list merges the list into the index
// (most of a write's server CPU), gathering entries in work_mem between
// flushes: 64 MB instead of the usual default 4 MB takes ~10% off the
// merge's CPU (more gains nothing).
const cleanupWorkMem = "64MB"

// Write stores a in its own transaction. An invalid record returns an
// error wrapping sink.ErrRejected; any other error may be retried (one
// wrapping ErrTransient after a delay).
func (s *Store) Write(ctx context.Context, a *record.Article) error {
	return upsert.One(ctx, s, a)
}

// WriteBatch writes recs in one transaction, in order (a later version of
// an id in the same batch counts against the earlier one). Invalid
// records are left out and listed in Rejected while the others commit; a
// non-nil error means nothing was written and the whole batch may be
// retried. When it returns nil the batch is committed.
func (s *Store) WriteBatch(ctx context.Context, recs []*record.Article) (sink.BatchResult, error) {
	valid, res := upsert.Split(recs)
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
	if err := s.writeTx(ctx, valid, &res); err != nil {
		return sink.BatchResult{}, err
	}
	return res, nil
}

// writeTx locks the stored versions of recs, plans the batch and writes
// the plan, in one transaction; it counts into res.
func (s *Store) writeTx(ctx context.Context, recs []*record.Article, res *sink.BatchResult) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", classify(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	stored, err := lockStored(ctx, tx, recs)
	if err != nil {
		return err
	}
	writes := upsert.Plan(recs, func(id string) *upsert.Stored { return stored[id] }, res)
	if len(writes) == 0 {
		return nil
	}
	// Upsert in id order too (new ids are not locked yet).
	slices.SortFunc(writes, func(x, y upsert.Write) int { return strings.Compare(x.Article.ID, y.Article.ID) })

	storedAt := time.Now().UTC()
	batch := &pgx.Batch{}
	batch.Queue(`SELECT set_config('work_mem', $1, true)`, cleanupWorkMem)
	for _, w := range writes {
		a := w.Article
		args, err := articleArgs(a, storedAt)
		if err != nil {
			return err
		}
		batch.Queue(upsertSQL, append(args, searchVector(a.Title+"\n"+a.Subtitle, a.Body))...)
	}
	br := tx.SendBatch(ctx, batch)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return fmt.Errorf("postgres: set work_mem: %w", classify(err))
	}
	var (
		written  []string
		removals [][]any
	)
	for _, w := range writes {
		a := w.Article
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
			return fmt.Errorf("postgres: upsert %s: %w", a.ID, classify(err))
		default:
			written = append(written, a.ID)
			for i := range a.Hygiene.Removed {
				removals = append(removals, rows.AppendRemoval(nil, a, i, storedAt))
			}
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("postgres: upsert: %w", classify(err))
	}

	// Replace the removal rows of what was written.
	if len(written) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM removals WHERE article_id = ANY($1)`, written); err != nil {
			return fmt.Errorf("postgres: delete removals: %w", classify(err))
		}
	}
	if len(removals) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"removals"}, rows.RemovalColumns, pgx.CopyFromRows(removals)); err != nil {
			return fmt.Errorf("postgres: copy removals: %w", classify(err))
		}
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", classify(err))
	}
	return nil
}

// lockStored locks the stored versions of recs' ids (in id order, so
// concurrent batches cannot deadlock) and returns them by id.
func lockStored(ctx context.Context, tx pgx.Tx, recs []*record.Article) (map[string]*upsert.Stored, error) {
	ids := make([]string, 0, len(recs))
	for _, a := range recs {
		ids = append(ids, a.ID)
	}
	rs, err := tx.Query(ctx, `SELECT id, content_hash, fetched_at FROM articles
		WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock: %w", classify(err))
	}
	defer rs.Close()
	stored := make(map[string]*upsert.Stored, len(recs))
	for rs.Next() {
		var (
			id, hash string
			fetched  *time.Time
		)
		if err := rs.Scan(&id, &hash, &fetched); err != nil {
			return nil, fmt.Errorf("postgres: lock: %w", classify(err))
		}
		st := &upsert.Stored{ContentHash: hash}
		if fetched != nil {
			st.FetchedAt = fetched.Format(time.RFC3339Nano)
		}
		stored[id] = st
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("postgres: lock: %w", classify(err))
	}
	return stored, nil
}

// articleArgs returns a's column values in rows.ArticleColumns order.
func articleArgs(a *record.Article, storedAt time.Time) ([]any, error) {
	args, err := rows.ArticleValues(a, storedAt, timeOrNil)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return args, nil
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
