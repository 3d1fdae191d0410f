package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"winnow/sink/analyst"
	"winnow/sink/record"
)

// Segment is a run of paragraph text; Removed is set when the run was
// removed (a span).
type Segment struct {
	Text    string
	Removed *analyst.Removal
}

// Block is one paragraph of the text before hygiene.
type Block struct {
	// Segments are the paragraph's text in order.
	Segments []Segment
	// Removed is set when the whole paragraph was removed (a line).
	Removed *analyst.Removal
}

type articlePage struct {
	base
	View        *analyst.ArticleView
	A           *record.Article
	InPlace     bool // blocks come from the text before hygiene
	OriginalErr string
	Blocks      []Block
	TitleRemov  []analyst.Removal
	PageRemov   []analyst.Removal
	Unplaced    []analyst.Removal // body removals not found in the text
	RawURL      string
	CanMark     bool
	Marked      string // message after a correction
	MarkErr     string
}

// Place marks removals in the paragraphs of a body before hygiene: a
// paragraph equal to a body line removal is a removed block; a span
// removal is marked at its first occurrence in a paragraph (not
// overlapping another; a span that is not valid UTF-8 is never placed,
// so no cut splits a character). It returns the blocks and the body removals it
// could not place. Removals of other fields are ignored.
func Place(paras []string, rems []analyst.Removal) ([]Block, []analyst.Removal) {
	used := make([]bool, len(rems))
	var blocks []Block
	for _, p := range paras {
		tp := strings.TrimSpace(p)
		line := -1
		for i, r := range rems {
			if !used[i] && r.Field == record.FieldBody && r.Scope == record.ScopeLine && strings.TrimSpace(r.Text) == tp {
				line = i
				break
			}
		}
		if line >= 0 {
			used[line] = true
			blocks = append(blocks, Block{Removed: &rems[line], Segments: []Segment{{Text: p}}})
			continue
		}
		// Spans, left to right, each at its first occurrence after the
		// previous cut.
		type cut struct {
			at, end, rem int
		}
		var cuts []cut
		for i, r := range rems {
			if used[i] || r.Field != record.FieldBody || r.Scope != record.ScopeSpan || r.Text == "" || !utf8.ValidString(r.Text) {
				continue
			}
			from := 0
			for {
				k := strings.Index(p[from:], r.Text)
				if k < 0 {
					break
				}
				at := from + k
				overlap := slices.ContainsFunc(cuts, func(c cut) bool { return at < c.end && c.at < at+len(r.Text) })
				if !overlap {
					cuts = append(cuts, cut{at, at + len(r.Text), i})
					used[i] = true
					break
				}
				from = at + 1
			}
		}
		slices.SortFunc(cuts, func(a, b cut) int { return a.at - b.at })
		var segs []Segment
		pos := 0
		for _, c := range cuts {
			if c.at > pos {
				segs = append(segs, Segment{Text: p[pos:c.at]})
			}
			segs = append(segs, Segment{Text: p[c.at:c.end], Removed: &rems[c.rem]})
			pos = c.end
		}
		if pos < len(p) || len(segs) == 0 {
			segs = append(segs, Segment{Text: p[pos:]})
		}
		blocks = append(blocks, Block{Segments: segs})
	}
	var unplaced []analyst.Removal
	for i, r := range rems {
		if !used[i] && r.Field == record.FieldBody {
			unplaced = append(unplaced, r)
		}
	}
	return blocks, unplaced
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (s *Server) loadArticle(w http.ResponseWriter, r *http.Request) *analyst.ArticleView {
	id := r.PathValue("id")
	if !idPattern.MatchString(id) {
		s.fail(w, r, http.StatusNotFound, "no such article", nil)
		return nil
	}
	v, err := s.opts.Analyst.Article(r.Context(), id)
	if errors.Is(err, analyst.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "no such article", nil)
		return nil
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "the store did not answer", err)
		return nil
	}
	return v
}

func (s *Server) article(w http.ResponseWriter, r *http.Request) {
	v := s.loadArticle(w, r)
	if v == nil {
		return
	}
	s.renderArticle(w, r, http.StatusOK, v, r.URL.Query().Get("marked"), "")
}

func (s *Server) renderArticle(w http.ResponseWriter, r *http.Request, status int, v *analyst.ArticleView, marked, markErr string) {
	a := v.Article
	p := &articlePage{base: s.base(r, a.Title, "removals"), View: v, A: a, CanMark: s.opts.MarkFalsePositive != nil,
		Marked: marked, MarkErr: markErr}
	for _, rm := range v.Removals {
		switch rm.Field {
		case record.FieldTitle:
			p.TitleRemov = append(p.TitleRemov, rm)
		case record.FieldPage:
			p.PageRemov = append(p.PageRemov, rm)
		}
	}
	if a.RawRef != "" && s.opts.RawPage != nil {
		p.RawURL = "/article/" + url.PathEscape(a.ID) + "/raw"
	}
	var orig *Original
	if s.opts.Original != nil && a.RawRef != "" {
		o, err := s.opts.Original(r.Context(), a)
		if err != nil {
			p.OriginalErr = "the archived page could not be read, so removals are listed beside the clean text"
			s.log.Warn("original text", "stage", "dashboard", "article_id", a.ID, "err", err)
		} else {
			orig = o
		}
	}
	if orig != nil {
		p.InPlace = true
		p.Blocks, p.Unplaced = Place(orig.Body, v.Removals)
	} else {
		for _, para := range a.Paragraphs() {
			p.Blocks = append(p.Blocks, Block{Segments: []Segment{{Text: para}}})
		}
		for _, rm := range v.Removals {
			if rm.Field == record.FieldBody {
				p.Unplaced = append(p.Unplaced, rm)
			}
		}
	}
	s.render(w, r, status, "article", p)
}

// raw serves the archived response as plain text: the status line, the
// header and the body, never as a live page.
func (s *Server) raw(w http.ResponseWriter, r *http.Request) {
	v := s.loadArticle(w, r)
	if v == nil {
		return
	}
	if s.opts.RawPage == nil || v.Article.RawRef == "" {
		s.fail(w, r, http.StatusNotFound, "no archived response for this article", nil)
		return
	}
	page, err := s.opts.RawPage(r.Context(), v.Article.RawRef)
	if err != nil {
		s.fail(w, r, http.StatusBadGateway, "the archived response could not be read", err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Type", "text/plain"+charsetParam(page.Header.Get("Content-Type")))
	h.Set("Content-Disposition", `inline; filename="`+v.Article.ID+`.txt"`)
	h.Set("Cache-Control", "no-store")
	var b strings.Builder
	fmt.Fprintf(&b, "# archived response %s\n# %s\nHTTP %d\n", v.Article.RawRef, page.URL, page.StatusCode)
	_ = page.Header.Write(&b)
	b.WriteString("\n")
	_, _ = w.Write([]byte(b.String()))
	_, _ = w.Write(page.Body)
}

var charsetRe = regexp.MustCompile(`(?i)charset\s*=\s*"?([a-z0-9_.:-]{1,40})`)

// charsetParam keeps the archived response's charset label (letters,
// digits and a few punctuation marks only) so the text shows as sent.
func charsetParam(contentType string) string {
	if m := charsetRe.FindStringSubmatch(contentType); m != nil {
		return "; charset=" + m[1]
	}
	return ""
}

func (s *Server) falsePositive(w http.ResponseWriter, r *http.Request) {
	if s.opts.MarkFalsePositive == nil {
		s.fail(w, r, http.StatusNotFound, "corrections are not enabled", nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if !s.checkCSRF(r) {
		s.fail(w, r, http.StatusForbidden, "bad or missing CSRF token: reload the page and try again", nil)
		return
	}
	v := s.loadArticle(w, r)
	if v == nil {
		return
	}
	pos, err := strconv.Atoi(r.PostFormValue("position"))
	if err != nil || !slices.ContainsFunc(v.Removals, func(rm analyst.Removal) bool { return rm.Position == pos }) {
		s.renderArticle(w, r, http.StatusBadRequest, v, "", "no such removal")
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if len(note) > 500 {
		note = note[:500]
	}
	msg, err := s.opts.MarkFalsePositive(r.Context(), FalsePositive{ArticleID: v.Article.ID, Position: pos, Note: note})
	if err != nil {
		s.log.Warn("mark false positive", "stage", "dashboard", "article_id", v.Article.ID, "err", err)
		s.renderArticle(w, r, http.StatusInternalServerError, v, "", "the correction failed: "+err.Error())
		return
	}
	// Post/redirect/get: the message travels in the query, escaped on
	// the page like everything else.
	http.Redirect(w, r, "/article/"+v.Article.ID+"?marked="+url.QueryEscape(msg), http.StatusSeeOther)
}
