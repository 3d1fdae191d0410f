package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"winnow/sink"
	"winnow/sink/internal/bigram"
	"winnow/sink/record"
)

// Get returns the stored record with the given id, exactly as written, or
// an error wrapping sink.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*record.Article, error) {
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var data, body string
	err := s.r.QueryRowContext(ctx, `SELECT record, body FROM articles WHERE id = ?`, id).Scan(&data, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", sink.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s: %w", id, classify(err))
	}
	var a record.Article
	if err := json.Unmarshal([]byte(data), &a); err != nil {
		return nil, fmt.Errorf("sqlite: get %s: decode record: %w", id, err)
	}
	a.Body = body
	return &a, nil
}

// Search returns the records whose title, subtitle or body contain every
// term of q, best first. It sees every write that completed before it was
// called (it first indexes what is still queued). A CJK word of two or more characters must occur
// as written; a single CJK character or a latin word anywhere. q is
// matched as given: records are stored in Simplified script, so convert
// a Traditional query first. A query with no letters, digits or CJK
// characters returns no hits.
func (s *Store) Search(ctx context.Context, q string, opts sink.SearchOptions) ([]sink.Hit, error) {
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	query := bigram.Parse(q)
	hits := []sink.Hit{}
	if query.Empty() {
		return hits, nil
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 20
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `
		SELECT a.id, a.title, a.source, a.published_at, a.body, bm25(articles_fts, 4.0, 1.0) AS rank
		FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid
		WHERE articles_fts MATCH ? AND (? OR a.hygiene_verdict <> 'spam_page')
		ORDER BY rank, a.id
		LIMIT ?`, query.FTS5(), opts.IncludeSpam, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search %q: %w", q, classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			h    sink.Hit
			body string
			rank float64
		)
		if err := rows.Scan(&h.ID, &h.Title, &h.Source, &h.PublishedAt, &body, &rank); err != nil {
			return nil, fmt.Errorf("sqlite: search %q: %w", q, err)
		}
		h.Score = -rank
		h.Snippet = bigram.Snippet(body, query, 80)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: search %q: %w", q, classify(err))
	}
	return hits, nil
}
