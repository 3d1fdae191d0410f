// Package extract turns page bytes into an article draft: charset
// decoding, one goquery parse, metadata, and the main content's
// paragraphs. It is the only importer of goquery. Pure: (url, bytes,
// content-type) in, draft out.
package extract

import (
	"errors"
	"time"

	"winnow/sink/record"
)

// Errors.
var (
	// ErrTooLarge: the input exceeds Options.MaxBytes.
	ErrTooLarge = errors.New("extract: input too large")
	// ErrEmpty: no text at all.
	ErrEmpty = errors.New("extract: empty document")
	// ErrNotArticle: the page is a listing, index or other non-article.
	ErrNotArticle = errors.New("extract: not an article")
	// ErrUnknownCharset: a forced or declared charset label is unknown.
	ErrUnknownCharset = errors.New("extract: unknown charset")
)

// Format of the input.
type Format int

// Formats.
const (
	FormatAuto Format = iota
	FormatHTML
	FormatText
)

// Options configure an Extractor. The zero value is ready to use.
type Options struct {
	// MaxBytes bounds the input size; zero means 16 MiB.
	MaxBytes int64
	// Location is the default time zone for dates without one; nil means
	// Asia/Shanghai.
	Location *time.Location
}

// Input is one document.
type Input struct {
	URL string
	// ContentType is the HTTP Content-Type header, "" if none.
	ContentType string
	// Body is the raw bytes.
	Body []byte
	// Decoded means Body is already UTF-8 text (from a JSON string): never
	// re-decode it by its <meta> declaration.
	Decoded bool
	// Charset forces a charset label ("" = auto).
	Charset string
	Format  Format
}

// Role says why a segment was left out of the body.
type Role string

// Roles.
const (
	RolePreamble   Role = "preamble"   // before the title inside the article region (text mode: above the title)
	RoleBreadcrumb Role = "breadcrumb" // a breadcrumb line (used for site_name/section)
	RoleTrailer    Role = "trailer"    // after the body inside the article region
	RoleChrome     Role = "chrome"     // page text outside the article: nav, header, footer, sidebars
	RoleHidden     Role = "hidden"     // hidden elements (display:none, hidden attribute …)
	RoleTitle      Role = "title"      // a title candidate not chosen (e.g. <title> when <h1> won)
)

// Segment is one piece of text the extractor did not put in the body.
type Segment struct {
	Text string
	Role Role
}

// Draft is the extractor's output.
type Draft struct {
	// Article has every metadata field and Body filled; ID, hashes,
	// hygiene and scripts are left to later stages.
	Article *record.Article
	// Paragraphs is the body, one entry per paragraph (Article.Body is
	// these joined by "\n").
	Paragraphs []string
	// TitleCandidates are raw titles, best first; Article.Title is the
	// first with its site suffix removed.
	TitleCandidates []string
	// Segments is the text left out of title and body, in page order.
	Segments []Segment
	// Charset is the charset the bytes were decoded with; CharsetGuessed
	// is true when no BOM, header or declaration decided it.
	Charset        string
	CharsetGuessed bool
}

// Extractor extracts drafts; safe for concurrent use.
type Extractor struct{ opts Options }

// New returns an Extractor.
func New(opts Options) (*Extractor, error) { return &Extractor{opts: opts}, nil }

// Extract reads one document. Errors wrap ErrTooLarge, ErrEmpty,
// ErrNotArticle or ErrUnknownCharset.
func (e *Extractor) Extract(in Input) (*Draft, error) {
	return nil, ErrEmpty
}
