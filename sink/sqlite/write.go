package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"winnow/sink"
	"winnow/sink/internal/rows"
	"winnow/sink/internal/upsert"
	"winnow/sink/record"
)

// articleColumns are the articles columns a write sets (the shared ones
// and published_utc), in the order of articleArgs' values.
var articleColumns = append(slices.Clip(rows.ArticleColumns), "published_utc")

// maxRowsLog2 bounds the multi-row INSERTs: a batch's new articles and
// its removal rows go in statements of 1, 2, 4, … 1<<maxRowsLog2 rows,
// so a batch of 256 articles costs a few dozen statements, not a
// thousand (each statement has a fixed cost in database/sql and the
// driver that the row values do not).
const maxRowsLog2 = 5

// statements are the write statements, prepared once on the writer
// connection.
type statements struct {
	// lookup selects (id, rowid, content_hash, fetched_at) of the stored
	// ids among a JSON array of ids; enqueue queues the articles of a
	// JSON array of ids for search indexing.
	lookup, enqueue                            *sql.Stmt
	update, unqueue, deleteFTS, deleteRemovals *sql.Stmt
	insertArticles, insertRemovals             multiInsert
	prepared                                   []*sql.Stmt // every statement, to close
}

// multiInsert is one table's INSERT of 1<<k rows, for k = 0 … maxRowsLog2.
type multiInsert struct {
	cols  int
	stmts [maxRowsLog2 + 1]*sql.Stmt
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	prep := func(dst **sql.Stmt, query string) error {
		stmt, err := db.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		st.prepared = append(st.prepared, stmt)
		*dst = stmt
		return nil
	}
	multi := func(m *multiInsert, table string, cols []string) error {
		m.cols = len(cols)
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for k := range m.stmts {
			values := strings.TrimSuffix(strings.Repeat(row+", ", 1<<k), ", ")
			if err := prep(&m.stmts[k], `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES `+values); err != nil {
				return err
			}
		}
		return nil
	}
	sets := make([]string, 0, len(articleColumns)-1)
	for _, c := range articleColumns[1:] {
		sets = append(sets, c+" = ?")
	}
	err := firstErr(
		func() error {
			return prep(&st.lookup, `SELECT id, rowid, content_hash, fetched_at FROM articles
				WHERE id IN (SELECT value FROM json_each(?))`)
		},
		func() error {
			return prep(&st.enqueue, `INSERT INTO search_pending (article_rowid)
				SELECT rowid FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY rowid`)
		},
		func() error {
			return prep(&st.update, `UPDATE articles SET `+strings.Join(sets, ", ")+` WHERE id = ?`)
		},
		func() error { return prep(&st.unqueue, `DELETE FROM search_pending WHERE article_rowid = ?`) },
		func() error { return prep(&st.deleteFTS, `DELETE FROM articles_fts WHERE rowid = ?`) },
		func() error { return prep(&st.deleteRemovals, `DELETE FROM removals WHERE article_id = ?`) },
		func() error { return multi(&st.insertArticles, "articles", articleColumns) },
		func() error { return multi(&st.insertRemovals, "removals", rows.RemovalColumns) },
	)
	if err != nil {
		st.close()
	}
	return err
}

// firstErr runs fns in order until one fails.
func firstErr(fns ...func() error) error {
	for _, fn := range fns {
		if err := fn(); err != nil {
			return err
		}
	}
	return nil
}

func (st *statements) close() {
	for _, s := range st.prepared {
		s.Close()
	}
	st.prepared = nil
}

// Write stores a in its own transaction. An invalid record returns an
// error wrapping sink.ErrRejected; any other error may be retried.
func (s *Store) Write(ctx context.Context, a *record.Article) error {
	return upsert.One(ctx, s, a)
}

// WriteBatch writes recs in one transaction, in order (a later version of
// an id in the same batch counts against the earlier one). Invalid
// records are left out and listed in Rejected while the others commit; a
// non-nil error means nothing was written and the whole batch may be
// retried (an error wrapping ErrTransient is worth retrying after a
// delay). When it returns nil the batch is durable (fsynced).
func (s *Store) WriteBatch(ctx context.Context, recs []*record.Article) (sink.BatchResult, error) {
	valid, res := upsert.Split(recs)
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
	if err := s.writeTx(ctx, valid, &res); err != nil {
		return sink.BatchResult{}, err
	}
	return res, nil
}

// writeTx looks up the stored versions of recs, plans the batch and writes
// the plan, in one transaction; it counts into res.
func (s *Store) writeTx(ctx context.Context, recs []*record.Article, res *sink.BatchResult) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", classify(err))
	}
	defer tx.Rollback()
	t := &txStmts{tx: tx, ctx: ctx}

	ids := make([]string, 0, len(recs))
	for _, a := range recs {
		ids = append(ids, a.ID)
	}
	stored, rowids, err := s.lookup(t, ids)
	if err != nil {
		return err
	}
	writes := upsert.Plan(recs, func(id string) *upsert.Stored { return stored[id] }, res)
	if len(writes) == 0 {
		return nil
	}

	storedAt := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	var (
		inserts  []any // articles values of the new ids
		removals []any // removals values of every write
		written  = make([]string, 0, len(writes))
	)
	for _, w := range writes {
		a := w.Article
		args, err := articleArgs(a, storedAt)
		if err != nil {
			return err
		}
		if w.Replaces == nil {
			inserts = append(inserts, args...)
		} else if err := s.replace(t, a.ID, rowids[a.ID], args); err != nil {
			return err
		}
		for i := range a.Hygiene.Removed {
			removals = rows.AppendRemoval(removals, a, i, storedAt)
		}
		written = append(written, a.ID)
	}
	if err := t.insert(&s.st.insertArticles, inserts); err != nil {
		return fmt.Errorf("sqlite: insert articles: %w", classify(err))
	}
	if err := t.insert(&s.st.insertRemovals, removals); err != nil {
		return fmt.Errorf("sqlite: insert removals: %w", classify(err))
	}
	idsJSON, err := json.Marshal(written)
	if err != nil {
		return fmt.Errorf("sqlite: queue for search: %w", err)
	}
	if _, err := t.stmt(s.st.enqueue).ExecContext(ctx, string(idsJSON)); err != nil {
		return fmt.Errorf("sqlite: queue for search: %w", classify(err))
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", classify(err))
	}
	s.lastWrite.Store(time.Now().UnixNano())
	s.wakeIndexer()
	return nil
}

// lookup returns the stored versions among ids and their rowids.
func (s *Store) lookup(t *txStmts, ids []string) (map[string]*upsert.Stored, map[string]int64, error) {
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: read stored versions: %w", err)
	}
	rs, err := t.stmt(s.st.lookup).QueryContext(t.ctx, string(idsJSON))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: read stored versions: %w", classify(err))
	}
	defer rs.Close()
	stored := make(map[string]*upsert.Stored)
	rowids := make(map[string]int64)
	for rs.Next() {
		var (
			id    string
			rowid int64
			cur   upsert.Stored
		)
		if err := rs.Scan(&id, &rowid, &cur.ContentHash, &cur.FetchedAt); err != nil {
			return nil, nil, fmt.Errorf("sqlite: read stored versions: %w", classify(err))
		}
		stored[id], rowids[id] = &cur, rowid
	}
	if err := rs.Err(); err != nil {
		return nil, nil, fmt.Errorf("sqlite: read stored versions: %w", classify(err))
	}
	return stored, rowids, nil
}

// replace overwrites the article row of id (at rowid) with args and
// takes its old version out of search and its old removal rows out of
// removals; the caller queues the new version and inserts its removals.
func (s *Store) replace(t *txStmts, id string, rowid int64, args []any) error {
	if _, err := t.stmt(s.st.update).ExecContext(t.ctx, append(args[1:len(args):len(args)], id)...); err != nil {
		return fmt.Errorf("sqlite: update %s: %w", id, classify(err))
	}
	// The old version leaves the search index now: either it is still
	// queued (drop it from the queue) or it is indexed.
	r, err := t.stmt(s.st.unqueue).ExecContext(t.ctx, rowid)
	if err != nil {
		return fmt.Errorf("sqlite: unqueue %s: %w", id, classify(err))
	}
	if n, err := r.RowsAffected(); err == nil && n == 0 {
		if _, err := t.stmt(s.st.deleteFTS).ExecContext(t.ctx, rowid); err != nil {
			return fmt.Errorf("sqlite: unindex %s: %w", id, classify(err))
		}
	}
	if _, err := t.stmt(s.st.deleteRemovals).ExecContext(t.ctx, id); err != nil {
		return fmt.Errorf("sqlite: delete removals of %s: %w", id, classify(err))
	}
	return nil
}

// txStmts are the writer's prepared statements bound to one transaction.
type txStmts struct {
	ctx   context.Context
	tx    *sql.Tx
	bound map[*sql.Stmt]*sql.Stmt
}

// stmt returns st bound to the transaction.
func (t *txStmts) stmt(st *sql.Stmt) *sql.Stmt {
	if b, ok := t.bound[st]; ok {
		return b
	}
	if t.bound == nil {
		t.bound = make(map[*sql.Stmt]*sql.Stmt)
	}
	b := t.tx.StmtContext(t.ctx, st)
	t.bound[st] = b
	return b
}

// insert inserts the rows whose values args holds, m.cols per row, in
// as few of m's statements as it can.
func (t *txStmts) insert(m *multiInsert, args []any) error {
	for len(args) > 0 {
		k := min(maxRowsLog2, log2(len(args)/m.cols))
		n := (1 << k) * m.cols
		if _, err := t.stmt(m.stmts[k]).ExecContext(t.ctx, args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// log2 returns the largest k with 1<<k <= n, for n >= 1.
func log2(n int) int {
	k := 0
	for n > 1 {
		n >>= 1
		k++
	}
	return k
}

// articleArgs returns a's column values in articleColumns order.
func articleArgs(a *record.Article, storedAt string) ([]any, error) {
	args, err := rows.ArticleValues(a, storedAt, func(t string) any { return t })
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	var publishedUTC any // NULL when unknown
	if t, ok := a.Published(); ok {
		publishedUTC = t.UTC().Format("2006-01-02T15:04:05Z")
	}
	return append(args, publishedUTC), nil
}
