// Package record defines the article record, schema version 1: the one
// JSON object that winnow's content path produces and that every sink,
// downstream service and analyst tool consumes.
//
// The package is a leaf (standard library only) so that everything may
// import it. Field names are fixed; fields are only ever added, and a
// breaking change bumps SchemaVersion and ships a new JSON Schema file
// (see [Schema]).
//
// Caveats: the record carries text exactly as the content path left it;
// page text is hostile, so escape it wherever it is rendered, and never
// build NATS subjects, SQL or file names from it.
package record

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// SchemaVersion is the version of the record layout this package writes.
const SchemaVersion = 1

// Verdicts of the hygiene stage.
const (
	VerdictClean    = "clean"     // nothing removed
	VerdictCleaned  = "cleaned"   // something removed, the article kept
	VerdictSpamPage = "spam_page" // the whole page is spam; body may be empty
)

// Kinds of removal.
const (
	KindSpam        = "spam"
	KindAd          = "ad"
	KindBoilerplate = "boilerplate"
)

// Scopes of a removal: a whole line or a span inside a kept line.
const (
	ScopeLine = "line"
	ScopeSpan = "span"
)

// Fields a removal was taken from.
const (
	FieldTitle = "title"
	FieldBody  = "body"
	FieldPage  = "page" // page text outside the title and body
)

// Precisions of PublishedAt.
const (
	PrecisionDay    = "day"
	PrecisionMinute = "minute"
	PrecisionSecond = "second"
)

// Scripts, as detected before (ScriptIn) and after (ScriptOut)
// normalization. The empty string means the text holds no Han characters.
const (
	ScriptHant  = "Hant"
	ScriptHans  = "Hans"
	ScriptMixed = "mixed"
)

// Article is one article record. Every field is always present in JSON;
// strings that are unknown are "" and lists are empty, never null.
type Article struct {
	// SchemaVersion is SchemaVersion (1).
	SchemaVersion int `json:"schema_version"`
	// ID is stable: hex of a hash of CanonicalURL, or, for a text
	// document without URL, of its normalized title and body. See NewID.
	ID string `json:"id"`
	// URL is the address as fetched ("" for ad-hoc input without URL).
	URL string `json:"url"`
	// CanonicalURL is URL with a lower-case host, no fragment, no default
	// port and no tracking parameters.
	CanonicalURL string `json:"canonical_url"`
	// Source is the id of the configured source, "" for ad-hoc input.
	Source string `json:"source"`
	// SiteName is the publishing site, e.g. 梧州零距离网.
	SiteName string `json:"site_name"`
	// Section is the site section, e.g. 聚焦梧州.
	Section string `json:"section"`
	// Title is the headline in the output script, never a spam chain,
	// without a site suffix such as _新浪网.
	Title string `json:"title"`
	// Subtitle is the sub-headline (副标题), "" if none.
	Subtitle string `json:"subtitle"`
	// Authors are the names from 作者/记者/文/撰稿 and structured data.
	Authors []string `json:"authors"`
	// Editor is the 编辑/责任编辑 name, "" if none.
	Editor string `json:"editor"`
	// Origin is the 来源 line: the original publisher.
	Origin string `json:"origin"`
	// PublishedAt is RFC 3339 with the source's offset, "" if unknown.
	PublishedAt string `json:"published_at"`
	// PublishedPrecision is day, minute or second; "" when PublishedAt is.
	PublishedPrecision string `json:"published_precision"`
	// FetchedAt is RFC 3339, set by the crawler only.
	FetchedAt string `json:"fetched_at"`
	// Lang is the language, "zh" for Chinese.
	Lang string `json:"lang"`
	// ScriptIn is the script of the input: Hant, Hans, mixed or "".
	ScriptIn string `json:"script_in"`
	// ScriptOut is the script after normalization.
	ScriptOut string `json:"script_out"`
	// Body is the article paragraphs in order, joined by "\n".
	Body string `json:"body"`
	// ContentHash is the hex SHA-256 of the normalized title and body
	// (see NewContentHash); sinks use it to skip unchanged upserts.
	ContentHash string `json:"content_hash"`
	// Hygiene is what the cleaner removed and why.
	Hygiene Hygiene `json:"hygiene"`
	// Normalization names the script conversion applied, e.g.
	// {"opencc": "t2s"} or {"opencc": "none"}.
	Normalization map[string]string `json:"normalization"`
	// RawRef points at the archived raw response as "FILE#OFFSET"
	// (a WARC file in the data directory and the record's byte offset),
	// set by the crawler only.
	RawRef string `json:"raw_ref"`

	// InputID echoes the id of the input line in `winnow process --jsonl`
	// mode and is omitted everywhere else.
	InputID string `json:"input_id,omitempty"`
}

// Hygiene reports the cleaner's decision on one page.
type Hygiene struct {
	// Verdict is clean, cleaned or spam_page.
	Verdict string `json:"verdict"`
	// Removed lists every removal in page order.
	Removed []Removal `json:"removed"`
	// RulesVersion is the version of the ruleset that decided.
	RulesVersion string `json:"rules_version"`
	// PageReason says why the whole page is spam when Verdict is
	// spam_page, "" otherwise (added in schema 1, additive).
	PageReason string `json:"page_reason,omitempty"`
}

// Removal is one piece of text the cleaner took out.
type Removal struct {
	// Text is exactly as in the input, before normalization.
	Text string `json:"text"`
	// Kind is spam, ad or boilerplate.
	Kind string `json:"kind"`
	// Rule is a stable rule id such as spam.keyword_chain.
	Rule string `json:"rule"`
	// Scope is line or span.
	Scope string `json:"scope"`
	// Field is title, body or page.
	Field string `json:"field"`
	// Reason is human-readable evidence for the decision.
	Reason string `json:"reason"`
}

// New returns an empty record with the schema version set and every list
// and map non-nil, ready to be filled.
func New() *Article {
	return &Article{
		SchemaVersion: SchemaVersion,
		Authors:       []string{},
		Hygiene:       Hygiene{Verdict: VerdictClean, Removed: []Removal{}},
		Normalization: map[string]string{},
	}
}

// Paragraphs returns the body split into its paragraphs.
func (a *Article) Paragraphs() []string {
	if a.Body == "" {
		return nil
	}
	return strings.Split(a.Body, "\n")
}

// Published parses PublishedAt; ok is false when it is empty or invalid.
func (a *Article) Published() (t time.Time, ok bool) {
	t, err := time.Parse(time.RFC3339, a.PublishedAt)
	return t, err == nil
}

// NewID returns the record id for a canonical URL, or, when canonicalURL
// is empty, for the normalized title and body of a text document.
func NewID(canonicalURL, title, body string) string {
	var sum [32]byte
	if canonicalURL != "" {
		sum = sha256.Sum256([]byte(canonicalURL))
	} else {
		sum = sumJoined("text:"+title, body)
	}
	return hex.EncodeToString(sum[:16])
}

// NewContentHash returns the hash of a normalized title and body.
func NewContentHash(title, body string) string {
	sum := sumJoined(title, body)
	return hex.EncodeToString(sum[:])
}

// joinBufs holds the buffers sumJoined hashes from, so that hashing a
// large body does not allocate a copy of it per record.
var joinBufs = sync.Pool{New: func() any { return new([]byte) }}

// sumJoined is the SHA-256 of a + "\n" + b.
func sumJoined(a, b string) [sha256.Size]byte {
	bp := joinBufs.Get().(*[]byte)
	buf := append(append(append((*bp)[:0], a...), '\n'), b...)
	sum := sha256.Sum256(buf)
	if cap(buf) <= 1<<20 {
		*bp = buf
		joinBufs.Put(bp)
	}
	return sum
}

// ErrInvalid is wrapped by the errors Validate returns.
var ErrInvalid = errors.New("record: invalid article")

var (
	verdicts   = []string{VerdictClean, VerdictCleaned, VerdictSpamPage}
	kinds      = []string{KindSpam, KindAd, KindBoilerplate}
	scopes     = []string{ScopeLine, ScopeSpan}
	fields     = []string{FieldTitle, FieldBody, FieldPage}
	precisions = []string{"", PrecisionDay, PrecisionMinute, PrecisionSecond}
	scripts    = []string{"", ScriptHant, ScriptHans, ScriptMixed}
)

// Validate checks the invariants a sink relies on: version, ids, enums,
// time formats and valid UTF-8. It returns an error wrapping ErrInvalid
// that names the first bad field.
func (a *Article) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
	}
	if a.SchemaVersion != SchemaVersion {
		return bad("schema_version", "got %d, want %d", a.SchemaVersion, SchemaVersion)
	}
	if !isHex(a.ID, 32) {
		return bad("id", "%q is not 32 hex digits", a.ID)
	}
	if !isHex(a.ContentHash, 64) {
		return bad("content_hash", "%q is not 64 hex digits", a.ContentHash)
	}
	if !oneOf(a.Hygiene.Verdict, verdicts) {
		return bad("hygiene.verdict", "%q", a.Hygiene.Verdict)
	}
	for i, r := range a.Hygiene.Removed {
		switch {
		case !oneOf(r.Kind, kinds):
			return bad(fmt.Sprintf("hygiene.removed[%d].kind", i), "%q", r.Kind)
		case !oneOf(r.Scope, scopes):
			return bad(fmt.Sprintf("hygiene.removed[%d].scope", i), "%q", r.Scope)
		case !oneOf(r.Field, fields):
			return bad(fmt.Sprintf("hygiene.removed[%d].field", i), "%q", r.Field)
		case r.Rule == "":
			return bad(fmt.Sprintf("hygiene.removed[%d].rule", i), "empty")
		}
	}
	if !oneOf(a.PublishedPrecision, precisions) {
		return bad("published_precision", "%q", a.PublishedPrecision)
	}
	if (a.PublishedAt == "") != (a.PublishedPrecision == "") {
		return bad("published_at", "%q with precision %q", a.PublishedAt, a.PublishedPrecision)
	}
	for name, v := range map[string]string{"published_at": a.PublishedAt, "fetched_at": a.FetchedAt} {
		if v == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return bad(name, "%q is not RFC 3339", v)
		}
	}
	if !oneOf(a.ScriptIn, scripts) || !oneOf(a.ScriptOut, scripts) {
		return bad("script_in/script_out", "%q/%q", a.ScriptIn, a.ScriptOut)
	}
	for name, v := range map[string]string{"title": a.Title, "body": a.Body, "subtitle": a.Subtitle} {
		if !utf8.ValidString(v) {
			return bad(name, "not valid UTF-8")
		}
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

func oneOf(s string, set []string) bool { return slices.Contains(set, s) }
