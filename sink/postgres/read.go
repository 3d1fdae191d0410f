package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"winnow/sink"
	"winnow/sink/internal/bigram"
	"winnow/sink/record"
)

// Get returns the stored record with the given id, exactly as written, or
// an error wrapping sink.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*record.Article, error) {
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var data []byte
	var body string
	err := s.pool.QueryRow(ctx, `SELECT record, body FROM articles WHERE id = $1`, id).Scan(&data, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", sink.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get %s: %w", id, classify(err))
	}
	var a record.Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fmt.Errorf("postgres: get %s: decode record: %w", id, err)
	}
	a.Body = body
	return &a, nil
}

// Search returns the records whose title, subtitle or body contain every
// term of q, best first. A CJK word of two or more characters must occur
// as written; a single CJK character or a latin word anywhere. q is
// matched as given: records are stored in Simplified script, so convert
// a Traditional query first. A query with no letters, digits or CJK
// characters returns no hits.
func (s *Store) Search(ctx context.Context, q string, opts sink.SearchOptions) ([]sink.Hit, error) {
	if err := s.acquire(ctx); err != nil {
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
	rows, err := s.pool.Query(ctx, `
		SELECT id, title, source, record->>'published_at', body, ts_rank(search, q) AS score
		FROM articles, CAST($1 AS tsquery) AS q
		WHERE search @@ q AND ($2 OR hygiene_verdict <> 'spam_page')
		ORDER BY score DESC, id
		LIMIT $3`, query.TSQuery(), opts.IncludeSpam, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: search %q: %w", q, classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var (
			h    sink.Hit
			body string
			rank float32
		)
		if err := rows.Scan(&h.ID, &h.Title, &h.Source, &h.PublishedAt, &body, &rank); err != nil {
			return nil, fmt.Errorf("postgres: search %q: %w", q, classify(err))
		}
		h.Score = float64(rank)
		h.Snippet = bigram.Snippet(body, query, 80)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: search %q: %w", q, classify(err))
	}
	return hits, nil
}
