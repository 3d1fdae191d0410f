// Package hygiene removes injected spam, ads and boilerplate from an
// article draft and records every removal with its kind, stable rule id,
// scope, field and reason. Rules are data: an embedded default ruleset
// with a version, overridable from files, with an allowlist.
package hygiene

import "winnow/sink/record"

// Role of a segment (mirrors extract.Role).
type Role string

// Segment is page text outside the title and body.
type Segment struct {
	Text string
	Role Role
}

// Document is what the cleaner checks.
type Document struct {
	// TitleCandidates are raw titles, best first.
	TitleCandidates []string
	// Body paragraphs in order.
	Body []string
	// Segments are page text outside title and body, in page order.
	Segments []Segment
}

// Result is the cleaned document.
type Result struct {
	// Title is the first title candidate that is not spam ("" if none).
	Title string
	// Body is the kept paragraphs, spans removed.
	Body []string
	// Removed lists every removal, in page order.
	Removed []record.Removal
	// Verdict is record.VerdictClean, VerdictCleaned or VerdictSpamPage.
	Verdict string
}

// Ruleset is a parsed, versioned set of rules.
type Ruleset struct{ version string }

// Version returns the ruleset version.
func (rs *Ruleset) Version() string { return rs.version }

// Cleaner applies a ruleset; safe for concurrent use.
type Cleaner struct{ rules *Ruleset }

// Options configure New.
type Options struct {
	// Rules is the ruleset; nil means the embedded default.
	Rules *Ruleset
	// Simplify folds text to Simplified script for matching, so decisions
	// do not depend on script; nil means build a t2s converter.
	Simplify func(string) string
}

// New returns a Cleaner.
func New(opts Options) (*Cleaner, error) {
	rs := opts.Rules
	if rs == nil {
		rs = &Ruleset{version: "stub"}
	}
	return &Cleaner{rules: rs}, nil
}

// Clean checks doc and returns what remains.
func (c *Cleaner) Clean(doc Document) Result {
	title := ""
	if len(doc.TitleCandidates) > 0 {
		title = doc.TitleCandidates[0]
	}
	return Result{Title: title, Body: doc.Body, Removed: []record.Removal{}, Verdict: record.VerdictClean}
}

// RulesVersion returns the version of the rules in use.
func (c *Cleaner) RulesVersion() string { return c.rules.version }
