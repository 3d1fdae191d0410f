package extract

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
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
	// ErrUnknownCharset: a forced charset label (Input.Charset) is
	// unknown. Unknown labels in a header or <meta> are ignored, as
	// browsers do, and the next rule decides.
	ErrUnknownCharset = errors.New("extract: unknown charset")
	// ErrBinary: the input is not text (NUL bytes, control characters,
	// a known binary signature such as gzip, PDF or an image).
	ErrBinary = errors.New("extract: binary input")
	// ErrInvalidOptions: New was given options it cannot use.
	ErrInvalidOptions = errors.New("extract: invalid options")
	// ErrInternal: a bug. Extract recovered from a panic (its value is in
	// the message) rather than crash the caller on hostile input; please
	// report the input.
	ErrInternal = errors.New("extract: internal error")
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
	// URL is where the document was fetched ("" for ad-hoc input); it
	// gives the canonical URL, resolves <link rel=canonical> and may
	// carry the date (/2022-02/24/).
	URL string
	// ContentType is the HTTP Content-Type header, "" if none.
	ContentType string
	// Body is the raw bytes.
	Body []byte
	// Decoded means Body is already UTF-8 text (from a JSON string): never
	// re-decode it by its <meta> declaration.
	Decoded bool
	// Charset forces a charset label ("" = auto); an unknown label is
	// ErrUnknownCharset.
	Charset string
	// Format is FormatAuto (the zero value: HTML if tags are found near
	// the start, plain text otherwise), FormatHTML or FormatText.
	Format Format
	// Location is the time zone of dates without offset for this input
	// (the source's); nil means Options.Location.
	Location *time.Location
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
	Text string `json:"text"`
	Role Role   `json:"role"`
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
type Extractor struct {
	maxBytes int64
	loc      *time.Location
}

// New returns an Extractor. It fails, wrapping ErrInvalidOptions, when
// MaxBytes is negative.
func New(opts Options) (*Extractor, error) {
	if opts.MaxBytes < 0 {
		return nil, fmt.Errorf("%w: MaxBytes %d is negative", ErrInvalidOptions, opts.MaxBytes)
	}
	x := &Extractor{maxBytes: opts.MaxBytes, loc: opts.Location}
	if x.maxBytes == 0 {
		x.maxBytes = DefaultMaxBytes
	}
	if x.loc == nil {
		x.loc = shanghai()
	}
	return x, nil
}

// DefaultMaxBytes is the input limit when Options.MaxBytes is zero.
const DefaultMaxBytes = 16 << 20

// shanghai returns Asia/Shanghai, or the equivalent fixed UTC+8 zone when
// the system has no time zone database (China has kept UTC+8 without
// daylight saving time since 1991).
func shanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// Extract reads one document. Errors wrap ErrTooLarge, ErrEmpty,
// ErrBinary, ErrNotArticle or ErrUnknownCharset (ErrInternal on a bug).
func (x *Extractor) Extract(in Input) (d *Draft, err error) {
	defer func() {
		if v := recover(); v != nil {
			d, err = nil, fmt.Errorf("%w: %s: %v", ErrInternal, describe(&in), v)
		}
	}()
	if in.Location != nil && in.Location != x.loc {
		local := *x
		local.loc = in.Location
		return local.extract(&in)
	}
	return x.extract(&in)
}

func (x *Extractor) extract(in *Input) (*Draft, error) {
	if n := int64(len(in.Body)); n > x.maxBytes {
		return nil, fmt.Errorf("%w: %s: %d bytes, limit %d", ErrTooLarge, describe(in), n, x.maxBytes)
	}
	if len(bytes.TrimSpace(in.Body)) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrEmpty, describe(in))
	}
	if why := binaryEvidence(in.Body); why != "" {
		return nil, fmt.Errorf("%w: %s: %s", ErrBinary, describe(in), why)
	}
	dec, err := decode(in)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(dec.text) == "" {
		return nil, fmt.Errorf("%w: %s", ErrEmpty, describe(in))
	}
	d := &Draft{Article: record.New(), Charset: dec.charset, CharsetGuessed: dec.guessed}
	d.Article.URL = in.URL
	d.Article.CanonicalURL = canonicalURL(in.URL)
	format := in.Format
	if format == FormatAuto {
		format = detectFormat(dec.text)
	}
	switch format {
	case FormatHTML:
		err = x.extractHTML(in, dec.text, d)
	case FormatText:
		err = x.extractText(in, dec.text, d)
	default:
		return nil, fmt.Errorf("%w: unknown format %d", ErrInvalidOptions, format)
	}
	if err != nil {
		return nil, err
	}
	if d.Paragraphs == nil {
		d.Paragraphs = []string{}
	}
	if d.TitleCandidates == nil {
		d.TitleCandidates = []string{}
	}
	if d.Segments == nil {
		d.Segments = []Segment{}
	}
	return d, nil
}
