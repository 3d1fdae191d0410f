package analyst

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// OutcomeCount is how many crawl tasks of one source ended in one kind
// and reason on one UTC day.
type OutcomeCount struct {
	Source string `json:"source"`
	Day    string `json:"day"`    // YYYY-MM-DD, UTC
	Kind   string `json:"kind"`   // handled, not_article, failed or skipped
	Reason string `json:"reason"` // handled, robots, http_404 …
	Count  int64  `json:"count"`
}

// OutcomeTally adds crawl outcomes up in memory, for RecordOutcomes; the
// zero value is ready. It is not safe for concurrent use.
type OutcomeTally struct {
	counts map[OutcomeCount]int64 // keys with Count 0
}

// Add counts one outcome at time at.
func (t *OutcomeTally) Add(source, kind, reason string, at time.Time) {
	if t.counts == nil {
		t.counts = map[OutcomeCount]int64{}
	}
	t.counts[OutcomeCount{Source: source, Day: Day(at), Kind: kind, Reason: reason}]++
}

// Counts returns the tallied counts, sorted, and empties the tally.
func (t *OutcomeTally) Counts() []OutcomeCount {
	out := make([]OutcomeCount, 0, len(t.counts))
	for k, n := range t.counts {
		k.Count = n
		out = append(out, k)
	}
	t.counts = nil
	sortOutcomes(out)
	return out
}

func sortOutcomes(out []OutcomeCount) {
	slices.SortFunc(out, func(x, y OutcomeCount) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Source, y.Source), cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Reason, y.Reason))
	})
}

// RecordOutcomes adds counts to crawl_outcomes in one transaction (an
// upsert that adds to an existing row). Rows with a count of zero or
// less, or a day that is not YYYY-MM-DD, are refused.
func (a *Analyst) RecordOutcomes(ctx context.Context, counts []OutcomeCount) error {
	for _, c := range counts {
		if c.Count <= 0 {
			return fmt.Errorf("%w: outcome count %d for %s/%s", ErrBadFilter, c.Count, c.Source, c.Reason)
		}
		if _, err := time.Parse(time.DateOnly, c.Day); err != nil {
			return fmt.Errorf("%w: outcome day %q", ErrBadFilter, c.Day)
		}
	}
	if len(counts) == 0 {
		return nil
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("analyst: record outcomes: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, a.rebind(`
		INSERT INTO crawl_outcomes (source, day, kind, reason, count) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (source, day, kind, reason) DO UPDATE SET count = crawl_outcomes.count + excluded.count`))
	if err != nil {
		return fmt.Errorf("analyst: record outcomes: %w", err)
	}
	defer stmt.Close()
	for _, c := range counts {
		if _, err := stmt.ExecContext(ctx, c.Source, c.Day, c.Kind, c.Reason, c.Count); err != nil {
			return fmt.Errorf("analyst: record outcomes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("analyst: record outcomes: %w", err)
	}
	return nil
}

// Outcomes returns crawl_outcomes rows matching f's Source and UTC days
// of Since (inclusive) and Until (exclusive), sorted by day, source, kind
// and reason. Filter.Kind matches the outcome kind here.
func (a *Analyst) Outcomes(ctx context.Context, f Filter) ([]OutcomeCount, error) {
	q := &query{}
	if f.Source != "" {
		q.add("source = ?", f.Source)
	}
	if f.Kind != "" {
		q.add("kind = ?", f.Kind)
	}
	if !f.Since.IsZero() {
		q.add("day >= ?", Day(f.Since))
	}
	if !f.Until.IsZero() {
		q.add("day < ?", Day(f.Until))
	}
	rows, err := a.db.QueryContext(ctx, a.rebind(`SELECT source, day, kind, reason, count FROM crawl_outcomes`+q.clause()), q.args...)
	if err != nil {
		return nil, fmt.Errorf("analyst: outcomes: %w", err)
	}
	defer rows.Close()
	out := []OutcomeCount{}
	for rows.Next() {
		var c OutcomeCount
		if err := rows.Scan(&c.Source, &c.Day, &c.Kind, &c.Reason, &c.Count); err != nil {
			return nil, fmt.Errorf("analyst: outcomes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("analyst: outcomes: %w", err)
	}
	sortOutcomes(out)
	return out, nil
}
