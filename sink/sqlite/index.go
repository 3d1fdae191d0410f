package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"winnow/sink/internal/bigram"
)

// Search indexing runs beside the writes, not inside them: cutting a
// 20 KB body into bigrams and adding them to FTS5 costs ~15x the row
// insert, and a sink must not hold its NATS acks for it. A write queues
// the article in search_pending within its transaction; the indexer (a
// goroutine owned by the Store, woken by writes) moves queued articles
// into articles_fts a few at a time; Search first indexes whatever was
// queued when it was called, so it always sees every completed write. A
// crash loses nothing: the queue is a table, and Open wakes the indexer.
// With Options.IndexIdle the indexer also yields to writes: it waits for
// a pause in the writes (or a long queue), so bursts commit at full speed.

// An indexing transaction adds up to indexBatchDocs articles (or
// indexBatchBytes of their text) to articles_fts. Each transaction ends
// in one FTS5 segment (the pending index may grow to 32 MB, see
// migrations/0003), and fewer, larger segments mean less merging: 512
// articles per transaction index real Chinese news text ~1.6x cheaper
// than 64, at the price of holding the write lock ~0.3 s per
// transaction of 5 KB articles.
const (
	indexBatchDocs  = 512
	indexBatchBytes = 8 << 20
)

// wakeIndexer tells the indexer there is work, without blocking.
func (s *Store) wakeIndexer() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// runIndexer indexes queued articles whenever woken, until ctx ends.
func (s *Store) runIndexer(ctx context.Context) {
	defer close(s.indexerDone)
	backoff := time.Second
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		for {
			if !s.yieldToWrites(ctx) {
				return
			}
			n, err := s.indexBatch(ctx, -1)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				s.log.Warn("sqlite: search indexing failed; retrying", "err", err, "retry_in", backoff)
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, time.Minute)
				continue
			}
			backoff = time.Second
			if n == 0 {
				break
			}
		}
	}
}

// yieldToWrites waits, with Options.IndexIdle, until no write has
// committed for IndexIdle or the queue holds IndexBacklog articles. It
// reports false when ctx ended.
func (s *Store) yieldToWrites(ctx context.Context) bool {
	if s.indexIdle <= 0 {
		return ctx.Err() == nil
	}
	for {
		quiet := time.Duration(time.Now().UnixNano()-s.lastWrite.Load()) - s.indexIdle
		if quiet >= 0 {
			return ctx.Err() == nil
		}
		var queued int64
		if err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(seq) - min(seq) + 1, 0) FROM search_pending`).Scan(&queued); err == nil && queued >= s.backlog {
			return true
		}
		// Wait for the pause, or for the next write (which may bring the
		// queue to the backlog limit).
		t := time.NewTimer(-quiet)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		case <-s.wake:
			t.Stop()
		}
	}
}

// catchUp indexes everything queued when it was called (at most; the
// indexer may take some first). Search calls it.
func (s *Store) catchUp(ctx context.Context) error {
	var upTo int64
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM search_pending`).Scan(&upTo); err != nil {
		return fmt.Errorf("sqlite: search queue: %w", classify(err))
	}
	for upTo > 0 {
		n, err := s.indexBatch(ctx, upTo)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// pendingDoc is one queued article with its text cut into tokens.
type pendingDoc struct {
	seq, rowid  int64
	title, body string // index tokens
}

// indexBatch indexes the oldest queued articles (only those with seq <=
// upTo unless upTo < 0) and returns how many queue entries it consumed.
// The tokens are computed before the write transaction, which then
// indexes only the entries still queued (a write in between replaced
// some).
func (s *Store) indexBatch(ctx context.Context, upTo int64) (int, error) {
	if upTo < 0 {
		upTo = 1<<63 - 1
	}
	rows, err := s.r.QueryContext(ctx, `
		SELECT p.seq, p.article_rowid, coalesce(a.title, ''), coalesce(a.subtitle, ''), coalesce(a.body, '')
		FROM search_pending p LEFT JOIN articles a ON a.rowid = p.article_rowid
		WHERE p.seq <= ? ORDER BY p.seq LIMIT ?`, upTo, indexBatchDocs)
	if err != nil {
		return 0, fmt.Errorf("sqlite: read search queue: %w", classify(err))
	}
	var (
		docs  []pendingDoc
		bytes int
	)
	for rows.Next() && bytes < indexBatchBytes {
		var (
			d                     pendingDoc
			title, subtitle, body string
		)
		if err := rows.Scan(&d.seq, &d.rowid, &title, &subtitle, &body); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: read search queue: %w", err)
		}
		bytes += len(title) + len(subtitle) + len(body)
		d.title, d.body = bigram.Index(title+"\n"+subtitle), bigram.Index(body)
		docs = append(docs, d)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("sqlite: read search queue: %w", classify(err))
	}
	if len(docs) == 0 {
		return 0, nil
	}
	// FTS5 flushes its in-memory index whenever a rowid is lower than
	// the one before (an updated article is queued under its old rowid),
	// and many small flushes cost many merges: insert in rowid order.
	slices.SortFunc(docs, func(x, y pendingDoc) int { return cmp.Compare(x.rowid, y.rowid) })

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: index: %w", classify(err))
	}
	defer tx.Rollback()
	unqueue, err := tx.PrepareContext(ctx, `DELETE FROM search_pending WHERE seq = ?`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: index: %w", classify(err))
	}
	insert, err := tx.PrepareContext(ctx, `INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: index: %w", classify(err))
	}
	for _, d := range docs {
		r, err := unqueue.ExecContext(ctx, d.seq)
		if err != nil {
			return 0, fmt.Errorf("sqlite: index: %w", classify(err))
		}
		if n, err := r.RowsAffected(); err != nil || n == 0 {
			continue // replaced by a newer version, queued under a new seq
		}
		if _, err := insert.ExecContext(ctx, d.rowid, d.title, d.body); err != nil {
			return 0, fmt.Errorf("sqlite: index article rowid %d: %w", d.rowid, classify(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: index: %w", classify(err))
	}
	return len(docs), nil
}

// Pending returns how many written articles are not yet in the search
// index (Search indexes them before it answers).
func (s *Store) Pending(ctx context.Context) (int, error) {
	if err := s.acquire(); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM search_pending`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: search queue: %w", classify(err))
	}
	return n, nil
}
