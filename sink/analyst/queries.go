package analyst

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"winnow/sink/record"
)

// Removal is one row of the removals table with its article's title, URL
// and verdict.
type Removal struct {
	ArticleID string    `json:"article_id"`
	Position  int       `json:"position"`
	Text      string    `json:"text"`
	Kind      string    `json:"kind"`
	Rule      string    `json:"rule"`
	Scope     string    `json:"scope"`
	Field     string    `json:"field"`
	Reason    string    `json:"reason"`
	Source    string    `json:"source"`
	StoredAt  time.Time `json:"stored_at"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	Verdict   string    `json:"verdict"`
}

// RemovalPage is one page of removals and the number matching in all.
type RemovalPage struct {
	Rows  []Removal `json:"rows"`
	Total int       `json:"total"`
}

func (a *Analyst) removalFilter(f Filter) *query {
	q := &query{}
	if f.Source != "" {
		q.add("r.source = ?", f.Source)
	}
	if f.Rule != "" {
		q.add("r.rule = ?", f.Rule)
	}
	if f.Kind != "" {
		q.add("r.kind = ?", f.Kind)
	}
	if f.Field != "" {
		q.add("r.field = ?", f.Field)
	}
	if f.ArticleID != "" {
		q.add("r.article_id = ?", f.ArticleID)
	}
	if !f.Since.IsZero() {
		q.add("r.stored_at >= ?", a.timeArg(f.Since))
	}
	if !f.Until.IsZero() {
		q.add("r.stored_at < ?", a.timeArg(f.Until))
	}
	return q
}

// Removals lists removals matching f, newest first (then by article and
// position), one page at a time, with the total count.
func (a *Analyst) Removals(ctx context.Context, f Filter) (RemovalPage, error) {
	limit, err := f.limit()
	if err != nil {
		return RemovalPage{}, err
	}
	q := a.removalFilter(f)
	page := RemovalPage{Rows: []Removal{}}
	if err := a.db.QueryRowContext(ctx, a.rebind(`SELECT count(*) FROM removals r`+q.clause()), q.args...).Scan(&page.Total); err != nil {
		return RemovalPage{}, fmt.Errorf("analyst: count removals: %w", err)
	}
	rows, err := a.db.QueryContext(ctx, a.rebind(`
		SELECT r.article_id, r.position, r.text, r.kind, r.rule, r.scope, r.field, r.reason, r.source, r.stored_at,
		       a.title, a.url, a.hygiene_verdict
		FROM removals r JOIN articles a ON a.id = r.article_id`+q.clause()+`
		ORDER BY r.stored_at DESC, r.article_id, r.position
		LIMIT ? OFFSET ?`), append(q.args, limit, f.Offset)...)
	if err != nil {
		return RemovalPage{}, fmt.Errorf("analyst: removals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r  Removal
			at dbTime
		)
		if err := rows.Scan(&r.ArticleID, &r.Position, &r.Text, &r.Kind, &r.Rule, &r.Scope, &r.Field, &r.Reason,
			&r.Source, &at, &r.Title, &r.URL, &r.Verdict); err != nil {
			return RemovalPage{}, fmt.Errorf("analyst: removals: %w", err)
		}
		r.StoredAt = at.t
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return RemovalPage{}, fmt.Errorf("analyst: removals: %w", err)
	}
	return page, nil
}

// RemovalCount counts removals of one rule (and kind) from one source on
// one day.
type RemovalCount struct {
	Day    string `json:"day"`
	Source string `json:"source"`
	Rule   string `json:"rule"`
	Kind   string `json:"kind"`
	Count  int    `json:"count"`
}

// PageCount counts the stored articles of one source on one day and how
// many of them are spam pages.
type PageCount struct {
	Day       string `json:"day"`
	Source    string `json:"source"`
	Articles  int    `json:"articles"` // every stored record, spam pages included
	SpamPages int    `json:"spam_pages"`
}

// SpamRate is SpamPages / Articles (0 when there are none).
func (p PageCount) SpamRate() float64 {
	if p.Articles == 0 {
		return 0
	}
	return float64(p.SpamPages) / float64(p.Articles)
}

// Stats are removal and page counts per day, source and rule, sorted by
// day, source, then rule.
type Stats struct {
	Removals []RemovalCount `json:"removals"`
	Pages    []PageCount    `json:"pages"`
}

// Stats counts removals (per day, source, rule and kind) and pages (per
// day and source, with spam pages) matching f. Rule, Kind and Field
// narrow the removal counts only; Limit and Offset are ignored.
func (a *Analyst) Stats(ctx context.Context, f Filter) (Stats, error) {
	st := Stats{Removals: []RemovalCount{}, Pages: []PageCount{}}
	q := a.removalFilter(f)
	day := a.dayExpr("r.stored_at")
	rows, err := a.db.QueryContext(ctx, a.rebind(`
		SELECT `+day+`, r.source, r.rule, r.kind, count(*)
		FROM removals r`+q.clause()+`
		GROUP BY `+day+`, r.source, r.rule, r.kind`), q.args...)
	if err != nil {
		return Stats{}, fmt.Errorf("analyst: removal stats: %w", err)
	}
	for rows.Next() {
		var c RemovalCount
		if err := rows.Scan(&c.Day, &c.Source, &c.Rule, &c.Kind, &c.Count); err != nil {
			rows.Close()
			return Stats{}, fmt.Errorf("analyst: removal stats: %w", err)
		}
		st.Removals = append(st.Removals, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("analyst: removal stats: %w", err)
	}

	pq := &query{}
	if f.Source != "" {
		pq.add("a.source = ?", f.Source)
	}
	if f.ArticleID != "" {
		pq.add("a.id = ?", f.ArticleID)
	}
	if !f.Since.IsZero() {
		pq.add("a.stored_at >= ?", a.timeArg(f.Since))
	}
	if !f.Until.IsZero() {
		pq.add("a.stored_at < ?", a.timeArg(f.Until))
	}
	day = a.dayExpr("a.stored_at")
	rows, err = a.db.QueryContext(ctx, a.rebind(`
		SELECT `+day+`, a.source, count(*), sum(CASE WHEN a.hygiene_verdict = 'spam_page' THEN 1 ELSE 0 END)
		FROM articles a`+pq.clause()+`
		GROUP BY `+day+`, a.source`), pq.args...)
	if err != nil {
		return Stats{}, fmt.Errorf("analyst: page stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c PageCount
		if err := rows.Scan(&c.Day, &c.Source, &c.Articles, &c.SpamPages); err != nil {
			return Stats{}, fmt.Errorf("analyst: page stats: %w", err)
		}
		st.Pages = append(st.Pages, c)
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("analyst: page stats: %w", err)
	}
	slices.SortFunc(st.Removals, func(x, y RemovalCount) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Source, y.Source), cmp.Compare(x.Rule, y.Rule), cmp.Compare(x.Kind, y.Kind))
	})
	slices.SortFunc(st.Pages, func(x, y PageCount) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Source, y.Source))
	})
	return st, nil
}

// Total is one key's total in a Stats roll-up.
type Total struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// RemovalsBy sums removal counts by key (for example
// func(c RemovalCount) string { return c.Rule }), largest first, then by
// key.
func (s Stats) RemovalsBy(key func(RemovalCount) string) []Total {
	sums := map[string]int{}
	for _, c := range s.Removals {
		sums[key(c)] += c.Count
	}
	out := make([]Total, 0, len(sums))
	for _, k := range slices.Sorted(maps.Keys(sums)) {
		out = append(out, Total{Key: k, Count: sums[k]})
	}
	slices.SortStableFunc(out, func(x, y Total) int { return cmp.Compare(y.Count, x.Count) })
	return out
}

// PagesBySource sums page counts per source, sorted by source.
func (s Stats) PagesBySource() []PageCount {
	sums := map[string]*PageCount{}
	for _, c := range s.Pages {
		p := sums[c.Source]
		if p == nil {
			p = &PageCount{Source: c.Source}
			sums[c.Source] = p
		}
		p.Articles += c.Articles
		p.SpamPages += c.SpamPages
	}
	out := make([]PageCount, 0, len(sums))
	for _, k := range slices.Sorted(maps.Keys(sums)) {
		out = append(out, *sums[k])
	}
	return out
}

// ArticleView is one stored article with its removal rows.
type ArticleView struct {
	// Article is the record as stored.
	Article *record.Article `json:"article"`
	// StoredAt is when this version was written.
	StoredAt time.Time `json:"stored_at"`
	// Removals are the removals table's rows, by position (the same
	// removals as Article.Hygiene.Removed).
	Removals []Removal `json:"removals"`
}

// Article returns the stored article with id, or an error wrapping
// ErrNotFound.
func (a *Analyst) Article(ctx context.Context, id string) (*ArticleView, error) {
	var (
		data, body []byte
		at         dbTime
	)
	// record::text: jsonb comes back as text through the stdlib adapter
	// either way; the cast keeps it explicit.
	col := "record"
	if a.dialect == Postgres {
		col = "record::text"
	}
	err := a.db.QueryRowContext(ctx, a.rebind(`SELECT `+col+`, body, stored_at FROM articles WHERE id = ?`), id).Scan(&data, &body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: article %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("analyst: article %s: %w", id, err)
	}
	var rec record.Article
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("analyst: article %s: decode record: %w", id, err)
	}
	rec.Body = string(body)
	page, err := a.Removals(ctx, Filter{ArticleID: id, Limit: MaxLimit})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(page.Rows, func(x, y Removal) int { return cmp.Compare(x.Position, y.Position) })
	return &ArticleView{Article: &rec, StoredAt: at.t, Removals: page.Rows}, nil
}

// Removal returns one removal row by article id and position, or an
// error wrapping ErrNotFound.
func (a *Analyst) Removal(ctx context.Context, articleID string, position int) (Removal, error) {
	v, err := a.Article(ctx, articleID)
	if err != nil {
		return Removal{}, err
	}
	for _, r := range v.Removals {
		if r.Position == position {
			return r, nil
		}
	}
	return Removal{}, fmt.Errorf("%w: removal %d of article %s", ErrNotFound, position, articleID)
}

// StoredRef is what replay needs to find a stored record from its
// archived response.
type StoredRef struct {
	ID        string
	Source    string
	RawRef    string
	FetchedAt time.Time // zero if unknown
}

// Refs lists the stored articles that have a raw_ref, filtered by Source
// and by fetch time (Since, Until), sorted by id.
func (a *Analyst) Refs(ctx context.Context, f Filter) ([]StoredRef, error) {
	q := &query{}
	q.add("raw_ref <> ''")
	if f.Source != "" {
		q.add("source = ?", f.Source)
	}
	rows, err := a.db.QueryContext(ctx, a.rebind(`SELECT id, source, raw_ref, fetched_at FROM articles`+q.clause()+` ORDER BY id`), q.args...)
	if err != nil {
		return nil, fmt.Errorf("analyst: refs: %w", err)
	}
	defer rows.Close()
	var out []StoredRef
	for rows.Next() {
		var (
			r  StoredRef
			at dbTime
		)
		if err := rows.Scan(&r.ID, &r.Source, &r.RawRef, &at); err != nil {
			return nil, fmt.Errorf("analyst: refs: %w", err)
		}
		r.FetchedAt = at.t
		if !f.Since.IsZero() && (r.FetchedAt.IsZero() || r.FetchedAt.Before(f.Since)) {
			continue
		}
		if !f.Until.IsZero() && (r.FetchedAt.IsZero() || !r.FetchedAt.Before(f.Until)) {
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Search runs a full-text search through Options.Search; limit <= 0
// means 20.
func (a *Analyst) Search(ctx context.Context, q string, limit int) ([]Hit, error) {
	if a.search == nil {
		return nil, ErrNoSearch
	}
	if limit <= 0 {
		limit = 20
	}
	hits, err := a.search(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("analyst: search: %w", err)
	}
	if hits == nil {
		hits = []Hit{}
	}
	return hits, nil
}

// Ping checks that the database answers.
func (a *Analyst) Ping(ctx context.Context) error {
	if err := a.db.PingContext(ctx); err != nil {
		return fmt.Errorf("analyst: ping: %w", err)
	}
	return nil
}

// Facets are the distinct values the removals table can be filtered by.
type Facets struct {
	Sources []string `json:"sources"`
	Rules   []string `json:"rules"`
	Kinds   []string `json:"kinds"`
}

// Facets lists the distinct sources, rules and kinds of the stored
// removals, sorted (each read from its index).
func (a *Analyst) Facets(ctx context.Context) (Facets, error) {
	var f Facets
	for _, c := range []struct {
		col string
		dst *[]string
	}{{"source", &f.Sources}, {"rule", &f.Rules}, {"kind", &f.Kinds}} {
		rows, err := a.db.QueryContext(ctx, `SELECT DISTINCT `+c.col+` FROM removals ORDER BY `+c.col)
		if err != nil {
			return Facets{}, fmt.Errorf("analyst: facets: %w", err)
		}
		*c.dst = []string{}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return Facets{}, fmt.Errorf("analyst: facets: %w", err)
			}
			*c.dst = append(*c.dst, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Facets{}, fmt.Errorf("analyst: facets: %w", err)
		}
	}
	return f, nil
}

// Since returns the counts of s on or after day (YYYY-MM-DD).
func (s Stats) Since(day string) Stats {
	out := Stats{Removals: []RemovalCount{}, Pages: []PageCount{}}
	for _, c := range s.Removals {
		if c.Day >= day {
			out.Removals = append(out.Removals, c)
		}
	}
	for _, c := range s.Pages {
		if c.Day >= day {
			out.Pages = append(out.Pages, c)
		}
	}
	return out
}
