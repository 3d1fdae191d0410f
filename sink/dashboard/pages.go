package dashboard

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"winnow/sink/analyst"
)

// base is what every page's layout needs.
type base struct {
	Title  string
	Nav    string
	CSRF   string
	Auth   bool
	Notice string
}

func (s *Server) base(r *http.Request, title, nav string) base {
	return base{Title: title, Nav: nav, CSRF: s.csrfToken(r), Auth: s.opts.Token != ""}
}

type loginPage struct {
	base
	Failed bool
}

var funcs = template.FuncMap{
	"short": func(s string, n int) string {
		if utf8.RuneCountInString(s) <= n {
			return s
		}
		r := []rune(s)
		return string(r[:n]) + "…"
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"pct":     func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" },
	"plotEnd": func(c *chart) float64 { return c.PlotX + c.PlotW },
}

func parseTemplates() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, name := range []string{"dashboard", "removals", "article", "search", "login", "error"} {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: templates: %w", err)
		}
		out[name] = t
	}
	return out, nil
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl[name].ExecuteTemplate(&buf, "layout.html", data); err != nil {
		s.log.Error("render page", "stage", "dashboard", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	base
	Message string
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if err != nil {
		s.log.Warn("request failed", "stage", "dashboard", "path", r.URL.Path, "err", err)
	}
	s.render(w, r, status, "error", &errorPage{base: s.base(r, http.StatusText(status), ""), Message: msg})
}

// --- dashboard ---------------------------------------------------------

type boardRow struct {
	SourceStatus
	Articles, SpamPages, Removals int
	SpamRate                      float64
}

type dashboardPage struct {
	base
	Days                        int
	RemovalsChart, SpamChart    *chart
	OutcomeCharts               []*chart
	Board                       []boardRow
	TotalRemovals, TotalRecords int
	SourcesErr                  string
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.opts.Now().UTC()
	since := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1-s.opts.Days)
	// One aggregate query: the board counts all time, the charts the
	// window.
	all, err := s.opts.Analyst.Stats(ctx, analyst.Filter{})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the store did not answer", err)
		return
	}
	st := all.Since(analyst.Day(since))
	outcomes, err := s.opts.Analyst.Outcomes(ctx, analyst.Filter{Since: since})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the store did not answer", err)
		return
	}
	p := &dashboardPage{base: s.base(r, "Dashboard", "dashboard"), Days: s.opts.Days}
	p.RemovalsChart = removalsChart(st)
	p.SpamChart = spamChart(st)
	p.OutcomeCharts = outcomeCharts(outcomes)
	for _, c := range st.Removals {
		p.TotalRemovals += c.Count
	}
	for _, c := range st.Pages {
		p.TotalRecords += c.Articles
	}
	// The board: every source the store or the scheduler knows.
	rows := map[string]*boardRow{}
	row := func(id string) *boardRow {
		if rows[id] == nil {
			rows[id] = &boardRow{SourceStatus: SourceStatus{ID: id}}
		}
		return rows[id]
	}
	for _, c := range all.PagesBySource() {
		b := row(c.Source)
		b.Articles, b.SpamPages, b.SpamRate = c.Articles, c.SpamPages, c.SpamRate()
	}
	for _, t := range all.RemovalsBy(func(c analyst.RemovalCount) string { return c.Source }) {
		row(t.Key).Removals = t.Count
	}
	if s.opts.Sources != nil {
		states, err := s.opts.Sources(ctx)
		if err != nil {
			p.SourcesErr = "scheduler state unavailable"
			s.log.Warn("sources board", "stage", "dashboard", "err", err)
		}
		for _, st := range states {
			b := row(st.ID)
			b.SourceStatus = st
		}
	}
	for _, k := range slices.Sorted(maps.Keys(rows)) {
		p.Board = append(p.Board, *rows[k])
	}
	s.render(w, r, http.StatusOK, "dashboard", p)
}

// --- removals ----------------------------------------------------------

type option struct {
	Value    string
	Selected bool
}

type removalsPage struct {
	base
	Rows                                 []analyst.Removal
	Total, From, To                      int
	Sources, Rules, Kinds                []option
	Since                                string
	PrevURL, NextURL                     string
	FilterSource, FilterRule, FilterKind string
}

func options(values []string, selected string) []option {
	out := make([]option, 0, len(values))
	for _, v := range values {
		out = append(out, option{Value: v, Selected: v == selected})
	}
	return out
}

func (s *Server) removals(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := analyst.Filter{Source: q.Get("source"), Rule: q.Get("rule"), Kind: q.Get("kind"), Limit: s.opts.PageSize}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			s.fail(w, r, http.StatusBadRequest, "since must be a date (YYYY-MM-DD)", nil)
			return
		}
		f.Since = t
	}
	page := 0
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			s.fail(w, r, http.StatusBadRequest, "bad page number", nil)
			return
		}
		page = n
	}
	f.Offset = page * s.opts.PageSize
	res, err := s.opts.Analyst.Removals(ctx, f)
	if errors.Is(err, analyst.ErrBadFilter) {
		s.fail(w, r, http.StatusBadRequest, "bad filter", nil)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the store did not answer", err)
		return
	}
	facets, err := s.opts.Analyst.Facets(ctx)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the store did not answer", err)
		return
	}
	p := &removalsPage{base: s.base(r, "Removals", "removals"), Rows: res.Rows, Total: res.Total,
		Sources: options(facets.Sources, f.Source), Rules: options(facets.Rules, f.Rule), Kinds: options(facets.Kinds, f.Kind),
		Since: q.Get("since"), FilterSource: f.Source, FilterRule: f.Rule, FilterKind: f.Kind}
	if len(res.Rows) > 0 {
		p.From, p.To = f.Offset+1, f.Offset+len(res.Rows)
	}
	link := func(n int) string {
		v := url.Values{}
		for _, k := range []string{"source", "rule", "kind", "since"} {
			if q.Get(k) != "" {
				v.Set(k, q.Get(k))
			}
		}
		if n > 0 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/removals"
		}
		return "/removals?" + v.Encode()
	}
	if page > 0 {
		p.PrevURL = link(page - 1)
	}
	if f.Offset+len(res.Rows) < res.Total {
		p.NextURL = link(page + 1)
	}
	s.render(w, r, http.StatusOK, "removals", p)
}

// --- search ------------------------------------------------------------

type searchPage struct {
	base
	Query, Searched string
	Hits            []analyst.Hit
	Done            bool
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := &searchPage{base: s.base(r, "Search", "search"), Query: q}
	if q != "" {
		if utf8.RuneCountInString(q) > 200 {
			s.fail(w, r, http.StatusBadRequest, "the query is too long", nil)
			return
		}
		p.Searched = s.opts.Simplify(q)
		hits, err := s.opts.Analyst.Search(r.Context(), p.Searched, 50)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "search failed", err)
			return
		}
		p.Hits, p.Done = hits, true
	}
	s.render(w, r, http.StatusOK, "search", p)
}
