// Package zhmeta reads article metadata out of text: Chinese bylines
// (时间/發佈時間/日期, 来源, 作者/记者/文/撰稿, 编辑/责任编辑 in Simplified or
// Traditional, with ":" or "："), dates in their many spellings, author
// lists, title site suffixes, breadcrumbs, and the layout of a plain-text
// article (which lines are title, subtitle, byline, body).
//
// It is pure and uses the standard library only; cleaner/extract calls it
// for HTML pages and plain-text documents alike. Every function is safe
// for concurrent use: the package holds only regular expressions and
// lookup tables built once at start and the Asia/Shanghai zone loaded
// once on first use.
//
// Entry points: [ParseByline] for one byline (one line or several),
// [ParseDate] and [DateFromURL] for dates, [SplitAuthors], [SplitTitle]
// for <title> suffixes, [ParseBreadcrumb] and [SiteSection], and
// [AnalyzeText] for the layout of a plain-text article.
//
// Caveats:
//
//   - Matching folds full-width ASCII, the ideographic space and
//     compatibility digits (the NFKC mappings that matter here); values
//     are returned as written in the input, never folded.
//   - Everything is heuristic and tuned for Chinese news portals. A byline
//     must be short (at most 120 runes), start with a label (or a date)
//     and carry no sentence punctuation, so that body sentences that
//     merely contain 记者 or 来源 are not taken for bylines; the price is
//     that bylines written as sentences ("本文由张三撰写。") are missed.
//   - Dates need a year: "09-30 22:46" is not read. Two-digit years are
//     read only as 22年2月24日. Dates before 1990 or more than two days in
//     the future are rejected (see [ParseDateAt] to fix "now").
//   - A nil *time.Location means Asia/Shanghai; without a time zone
//     database on the host (and without time/tzdata linked into the
//     binary) a fixed UTC+08:00 zone stands in, which differs only for
//     the daylight-saving summers of 1986-1991.
//   - AnalyzeText judges layout only: it lists preamble lines (promos,
//     injected keyword chains, navigation) but does not decide whether
//     they are spam; the hygiene stage does.
package zhmeta

import "time"

// Byline is what one byline (one line or several joined) says.
type Byline struct {
	// Published is the publication time in the given location; zero if
	// the byline carries no date.
	Published time.Time
	// Precision is record.PrecisionDay, PrecisionMinute or PrecisionSecond
	// ("" when Published is zero).
	Precision string
	// Origin is the 来源 value.
	Origin string
	// Authors are the names of 作者/记者/文/撰稿/通讯员 …, split.
	Authors []string
	// Editor is the 编辑/责任编辑 name.
	Editor string
}

// TextLayout is the structure of a plain-text article: indexes into the
// lines given to AnalyzeText, -1 when absent.
type TextLayout struct {
	Title      int
	Subtitle   int
	Breadcrumb int
	// Byline lists the byline lines (a byline may span several).
	Byline []int
	// Preamble lists lines before the body that are not breadcrumb,
	// title, subtitle or byline: promos, injected lines and navigation
	// above the title, and share or font-size widgets between the title
	// and the body.
	Preamble []int
	// BodyStart and BodyEnd delimit the body lines [BodyStart, BodyEnd);
	// blank lines inside are not paragraphs. An empty body has
	// BodyStart == BodyEnd.
	BodyStart, BodyEnd int
	// Trailer lists lines after the body that are not article text
	// (editor lines, copyright).
	Trailer []int
	// Meta is what the byline lines say; fields they lack are taken from
	// trailer bylines (本文来源：… 责任编辑：…).
	Meta Byline
	// Site and Section come from the breadcrumb line (see SiteSection);
	// "" when there is none.
	Site, Section string
}
