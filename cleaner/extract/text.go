package extract

import (
	"fmt"
	"strings"
	"time"

	"winnow/cleaner/extract/zhmeta"
	"winnow/sink/record"
)

// Plain-text documents: lines in, zhmeta.AnalyzeText decides the layout.

const (
	// maxTitleRunes: a first line longer than this is a paragraph, not a
	// title.
	maxTitleRunes = 100
	// extraTitleCands: how many short lines after a fallback title are
	// offered as further title candidates.
	extraTitleCands = 3
)

func (x *Extractor) extractText(in *Input, text string, d *Draft) error {
	return x.extractLines(in, splitLines(text), "", d)
}

// splitLines splits on \n, \r\n and \r and collapses whitespace in each
// line; blank lines stay as "" so that indexes are preserved.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	raw := strings.Split(s, "\n")
	lines := make([]string, len(raw))
	for i, l := range raw {
		lines[i] = collapse(l)
	}
	return lines
}

// extractLines builds a draft from text lines. htmlTitle is the <title>
// of an HTML document read as text (tokenizer fallback), "" otherwise.
func (x *Extractor) extractLines(in *Input, lines []string, htmlTitle string, d *Draft) error {
	nonBlank := 0
	for _, l := range lines {
		if l != "" {
			nonBlank++
		}
	}
	if nonBlank == 0 && htmlTitle == "" {
		return fmt.Errorf("%w: no text in %s", ErrEmpty, describe(in))
	}
	return x.buildFromLayout(in, lines, zhmeta.AnalyzeText(lines, x.loc), htmlTitle, d)
}

// buildFromLayout fills the draft from lines and their layout.
func (x *Extractor) buildFromLayout(in *Input, lines []string, lay zhmeta.TextLayout, htmlTitle string, d *Draft) error {
	lay = sanitizeLayout(lay, len(lines))
	a := d.Article

	used := make([]bool, len(lines)) // title, subtitle, byline: consumed
	role := make([]Role, len(lines))
	var cands []string
	bodyStart, bodyEnd := lay.BodyStart, lay.BodyEnd
	if lay.Title >= 0 {
		cands = append(cands, lines[lay.Title])
		used[lay.Title] = true
	} else {
		// No title found: the first non-blank line is the candidate, and
		// the next few short lines too, so that hygiene can skip a spam
		// first line.
		first := -1
		for i, l := range lines {
			if l != "" {
				first = i
				break
			}
		}
		if first >= 0 && runeLen(lines[first]) <= maxTitleRunes {
			cands = append(cands, lines[first])
			used[first] = true
			bodyStart = max(bodyStart, first+1)
			for i, n := first+1, 0; i < len(lines) && n < extraTitleCands; i++ {
				if lines[i] == "" {
					continue
				}
				if runeLen(lines[i]) > 50 || endsWithSentence(lines[i]) {
					break
				}
				cands = append(cands, lines[i])
				n++
			}
		}
	}
	if htmlTitle != "" {
		cands = appendUnique(cands, collapse(htmlTitle))
	}
	if lay.Subtitle >= 0 {
		a.Subtitle = stripDash(lines[lay.Subtitle])
		used[lay.Subtitle] = true
	}
	for _, i := range lay.Byline {
		used[i] = true
	}
	for _, i := range lay.Preamble {
		role[i] = RolePreamble
	}
	for _, i := range lay.Trailer {
		role[i] = RoleTrailer
	}
	var crumbs []string
	if lay.Breadcrumb >= 0 {
		role[lay.Breadcrumb] = RoleBreadcrumb
		crumbs, _ = zhmeta.ParseBreadcrumb(lines[lay.Breadcrumb])
	}

	var paras []string
	for i, l := range lines {
		if l == "" || used[i] {
			continue
		}
		if i >= bodyStart && i < bodyEnd && role[i] == "" {
			paras = append(paras, l)
			continue
		}
		r := role[i]
		if r == "" {
			if i < bodyStart {
				r = RolePreamble
			} else {
				r = RoleTrailer
			}
		}
		d.Segments = append(d.Segments, Segment{Text: l, Role: r})
	}
	if len(cands) > 0 {
		h, section, site := zhmeta.SplitTitle(cands[0])
		a.Title = h
		if a.SiteName == "" {
			a.SiteName = site
		}
		if a.Section == "" {
			a.Section = section
		}
	}
	d.TitleCandidates = cands
	d.Paragraphs = paras
	a.Body = strings.Join(paras, "\n")

	meta := lay.Meta
	if !meta.Published.IsZero() {
		a.PublishedAt = meta.Published.Format(time.RFC3339)
		a.PublishedPrecision = meta.Precision
		if a.PublishedPrecision == "" {
			a.PublishedPrecision = record.PrecisionDay
		}
	} else if t, ok := zhmeta.DateFromURL(in.URL, x.loc); ok {
		a.PublishedAt = t.Format(time.RFC3339)
		a.PublishedPrecision = record.PrecisionDay
	}
	if names := cleanNames(meta.Authors); len(names) > 0 {
		a.Authors = names
	}
	a.Editor = strings.TrimSpace(meta.Editor)
	a.Origin = strings.TrimSpace(meta.Origin)
	if len(crumbs) > 0 {
		a.Section = crumbs[len(crumbs)-1]
		if len(crumbs) >= 2 {
			a.SiteName = crumbs[0]
		}
	}
	if lay.Site != "" {
		a.SiteName = lay.Site
	}
	if lay.Section != "" {
		a.Section = lay.Section
	}
	a.Lang = detectLang(a.Title, a.Body, "")
	if len(paras) == 0 {
		if a.Title == "" {
			return fmt.Errorf("%w: no text in %s", ErrEmpty, describe(in))
		}
		return fmt.Errorf("%w: %s: a title and no body text", ErrNotArticle, describe(in))
	}
	return nil
}

// sanitizeLayout clamps a layout's indexes to the line count, so that a
// faulty analysis cannot make the extractor panic.
func sanitizeLayout(l zhmeta.TextLayout, n int) zhmeta.TextLayout {
	ok := func(i int) int {
		if i < 0 || i >= n {
			return -1
		}
		return i
	}
	l.Title, l.Subtitle, l.Breadcrumb = ok(l.Title), ok(l.Subtitle), ok(l.Breadcrumb)
	filter := func(ix []int) []int {
		var out []int
		for _, i := range ix {
			if i >= 0 && i < n {
				out = append(out, i)
			}
		}
		return out
	}
	l.Byline, l.Preamble, l.Trailer = filter(l.Byline), filter(l.Preamble), filter(l.Trailer)
	l.BodyStart = min(max(l.BodyStart, 0), n)
	l.BodyEnd = min(max(l.BodyEnd, l.BodyStart), n)
	return l
}

func stripDash(s string) string {
	for _, p := range []string{"——", "—", "--", "－－"} {
		if strings.HasPrefix(s, p) {
			return strings.TrimSpace(strings.TrimPrefix(s, p))
		}
	}
	return s
}

func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}

// endsWithSentence reports whether a line ends like a sentence, not a
// heading.
func endsWithSentence(s string) bool {
	switch lastRune(s) {
	case '。', '！', '？', '.', '!', '?', '；', ';', '…', '”', '」':
		return true
	}
	return false
}
