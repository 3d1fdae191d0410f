// Package zhmeta reads article metadata out of text: Chinese bylines
// (时间/發佈時間/日期, 来源, 作者/记者/文/撰稿, 编辑/责任编辑 in Simplified or
// Traditional, with ":" or "："), dates in their many spellings, author
// lists, title site suffixes, breadcrumbs, and the layout of a plain-text
// article (which lines are title, subtitle, byline, body).
//
// It is pure and uses the standard library only; cleaner/extract calls it
// for HTML pages and plain-text documents alike.
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

// ParseByline reads the labelled fields of a byline. ok is false when
// line is not a byline (no recognised label, or too long to be one).
// Dates without zone are taken in loc (nil: Asia/Shanghai).
func ParseByline(line string, loc *time.Location) (b Byline, ok bool) {
	return Byline{}, false
}

// ParseDate finds the first date in s (2022-02-24, 2022年2月24日 10:30,
// 2022/02/24 10:30:05, RFC 3339 …) and returns it in loc with its
// precision. ok is false when s holds no plausible date.
func ParseDate(s string, loc *time.Location) (t time.Time, precision string, ok bool) {
	return time.Time{}, "", false
}

// DateFromURL reads a date from a URL path (/2022-02/24/, /20220224/,
// /2022/0224/ …), day precision.
func DateFromURL(rawURL string, loc *time.Location) (t time.Time, ok bool) {
	return time.Time{}, false
}

// SplitAuthors splits a list of names on spaces, 、, commas and semicolons,
// dropping labels and empty parts.
func SplitAuthors(s string) []string {
	return nil
}

// SplitTitle removes a site or channel suffix from a page title
// ("标题_科技_新浪网" -> "标题", site "新浪网", section "科技"; also " | " and
// " - " separators). It returns the title unchanged when no separator
// splits off a plausible suffix.
func SplitTitle(title string) (headline, section, site string) {
	return title, "", ""
}

// ParseBreadcrumb splits a breadcrumb line ("梧州零距離網 > 聚焦梧州 > 正文",
// "首页 > 新闻 > 国内", "当前位置：…") into its crumbs, without 首页/正文
// placeholders. ok is false when line is not a breadcrumb.
func ParseBreadcrumb(line string) (crumbs []string, ok bool) {
	return nil, false
}

// TextLayout is the structure of a plain-text article: indexes into the
// lines given to AnalyzeText, -1 when absent.
type TextLayout struct {
	Title      int
	Subtitle   int
	Breadcrumb int
	// Byline lists the byline lines (a byline may span several).
	Byline []int
	// Preamble lists lines before the title that are not breadcrumb,
	// title or byline (promos, injected lines, navigation).
	Preamble []int
	// BodyStart and BodyEnd delimit the body lines [BodyStart, BodyEnd);
	// blank lines inside are not paragraphs.
	BodyStart, BodyEnd int
	// Trailer lists lines after the body that are not article text
	// (editor lines, copyright).
	Trailer []int
	// Meta is what the byline lines say.
	Meta Byline
}

// AnalyzeText finds the title, subtitle, breadcrumb, byline and body of a
// plain-text article given as lines.
func AnalyzeText(lines []string, loc *time.Location) TextLayout {
	return TextLayout{Title: -1, Subtitle: -1, Breadcrumb: -1, BodyStart: 0, BodyEnd: len(lines)}
}
