package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"winnow/sink"
	"winnow/sink/internal/bigram"
	"winnow/sink/internal/rows"
	"winnow/sink/record"
)

// Get returns the stored record with the given id, exactly as written, or
// an error wrapping sink.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*record.Article, error) {
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var (
		data []byte
		body string
	)
	err := s.r.QueryRowContext(ctx, `SELECT record, body FROM articles WHERE id = ?`, id).Scan(&data, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", sink.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, classify(err))
	}
	a, err := rows.Decode(data, body)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, err)
	}
	return a, nil
}

// Search returns the records whose title, subtitle or body contain every
// term of q, best first. It sees every write that completed before it was
// called (it first indexes what is still queued). A CJK word of two or
// more characters must occur as written; a single CJK character or a
// latin word anywhere. q is matched as given: records are stored in
// Simplified script, so convert a Traditional query first. A query with
// no letters, digits or CJK characters returns no hits.
func (s *Store) Search(ctx context.Context, q string, opts sink.SearchOptions) ([]sink.Hit, error) {
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return rows.Search(q, opts, func(query bigram.Query, limit int) ([]sink.Hit, error) {
		if err := s.catchUp(ctx); err != nil {
			return nil, err
		}
		rs, err := s.r.QueryContext(ctx, `
			SELECT a.id, a.title, a.source, a.published_at, a.body, -bm25(articles_fts, 4.0, 1.0) AS score
			FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
			WHERE articles_fts MATCH ? AND (? OR a.hygiene_verdict <> 'spam_page')
			ORDER BY score DESC, a.id
			LIMIT ?`, query.FTS5(), opts.IncludeSpam, limit)
		if err != nil {
			return nil, fmt.Errorf("sqlite: search %q: %w", q, classify(err))
		}
		defer rs.Close()
		hits, err := rows.Hits(rs, query)
		if err != nil {
			return nil, fmt.Errorf("sqlite: search %q: %w", q, classify(err))
		}
		return hits, nil
	})
}
