package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"winnow/sink"
	"winnow/sink/internal/bigram"
	"winnow/sink/internal/rows"
	"winnow/sink/record"
)

// Get returns the stored record with the given id, exactly as written, or
// an error wrapping sink.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*record.Article, error) {
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var (
		data []byte
		body string
	)
	err := s.pool.QueryRow(ctx, `SELECT record, body FROM articles WHERE id = $1`, id).Scan(&data, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s", sink.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get %s: %w", id, classify(err))
	}
	a, err := rows.Decode(data, body)
	if err != nil {
		return nil, fmt.Errorf("postgres: get %s: %w", id, err)
	}
	return a, nil
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
	return rows.Search(q, opts, func(query bigram.Query, limit int) ([]sink.Hit, error) {
		rs, err := s.pool.Query(ctx, `
			SELECT id, title, source, record->>'published_at', body, ts_rank(search, q)::float8 AS score
			FROM articles, CAST($1 AS tsquery) AS q
			WHERE search @@ q AND ($2 OR hygiene_verdict <> 'spam_page')
			ORDER BY score DESC, id
			LIMIT $3`, query.TSQuery(), opts.IncludeSpam, limit)
		if err != nil {
			return nil, fmt.Errorf("postgres: search %q: %w", q, classify(err))
		}
		defer rs.Close()
		hits, err := rows.Hits(rs, query)
		if err != nil {
			return nil, fmt.Errorf("postgres: search %q: %w", q, classify(err))
		}
		return hits, nil
	})
}
