// Package discover finds URLs to crawl in fetched documents: feeds (RSS
// 2.0, RSS 1.0, Atom), sitemaps (urlset, sitemap index, Google News
// sitemap, plain or gzip-compressed) and HTML listing pages (a[href] and
// area[href] resolved against <base>, and <link rel=alternate> feeds).
//
// The parsers are pure: bytes or a reader in, URLs out; no network, no
// canonicalization (the crawler canonicalizes and scopes what they
// return). They bound what they read: [Options.MaxBytes] of decompressed
// input (more is [ErrTooLarge], never a silent truncation) and
// [Options.MaxEntries] entries (more is [ErrTooManyEntries], returned with
// the entries read so far).
//
// # Caveats
//
//   - Dates without a zone (common in Chinese feeds: "2024-05-01 08:00:00")
//     are read as UTC; they only decide "too old", where hours do not
//     matter.
//   - HTML is tokenized as bytes, which is safe for ASCII-compatible
//     charsets (UTF-8, GBK, GB18030, Big5: their trailing bytes never form
//     '<', '>', '=' or quotes). Non-ASCII bytes in an href are
//     percent-encoded as they are, which is what browsers do for the query
//     of a legacy-charset page but not for its path.
//   - JSON Feed and RSS enclosures are not read; a feed item's link (or
//     permalink guid) is its URL.
package discover

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// Errors returned by the parsers.
var (
	// ErrTooLarge: the (decompressed) document exceeds Options.MaxBytes.
	ErrTooLarge = errors.New("discover: document too large")
	// ErrTooManyEntries: more than Options.MaxEntries entries; the entries
	// read so far are returned with it.
	ErrTooManyEntries = errors.New("discover: too many entries")
	// ErrUnknownFormat: the document is not a feed or a sitemap.
	ErrUnknownFormat = errors.New("discover: not a feed or sitemap")
	// ErrMalformed wraps XML syntax and decompression errors.
	ErrMalformed = errors.New("discover: malformed document")
)

// Format is what a document turned out to be.
type Format string

// Formats recognized by Parse.
const (
	FormatRSS          Format = "rss"          // RSS 2.0 (or 0.9x)
	FormatRDF          Format = "rdf"          // RSS 1.0
	FormatAtom         Format = "atom"         // Atom 1.0
	FormatURLSet       Format = "urlset"       // sitemap (including news sitemaps)
	FormatSitemapIndex Format = "sitemapindex" // sitemap index
)

// Entry is one URL announced by a feed or sitemap.
type Entry struct {
	// URL is the URL as written (trimmed); relative URLs are not resolved.
	URL string `json:"url"`
	// Title is the item title or news:title, "" if none.
	Title string `json:"title,omitempty"`
	// Published is the publication time (pubDate, published,
	// news:publication_date, dc:date); zero when absent or unparsable.
	Published time.Time `json:"published,omitzero"`
	// Modified is the last modification time (Atom updated, sitemap
	// lastmod); zero when absent or unparsable.
	Modified time.Time `json:"modified,omitzero"`
}

// Time returns Published, or Modified when Published is zero.
func (e Entry) Time() time.Time {
	if !e.Published.IsZero() {
		return e.Published
	}
	return e.Modified
}

// Result is a parsed feed or sitemap.
type Result struct {
	// Format is what the document turned out to be.
	Format Format `json:"format"`
	// Entries are the feed items or the urlset's URLs.
	Entries []Entry `json:"entries,omitempty"`
	// Sitemaps are the children of a sitemap index.
	Sitemaps []Entry `json:"sitemaps,omitempty"`
}

// Options bounds parsing. Zero values mean the defaults.
type Options struct {
	// MaxBytes bounds the decompressed document. Zero: 50 MiB (the
	// sitemap protocol's limit).
	MaxBytes int64
	// MaxEntries bounds entries plus child sitemaps. Zero: 50,000.
	MaxEntries int
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return 50 << 20
	}
	return o.MaxBytes
}

func (o Options) maxEntries() int {
	if o.MaxEntries <= 0 {
		return 50000
	}
	return o.MaxEntries
}

// IsGzip reports whether b starts with the gzip magic number.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// limitedReader fails with ErrTooLarge once more than n bytes are read.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

// Parse reads a feed or a sitemap, gzip-compressed or not, and reports
// what it was. The root element decides the format: rss, rdf:RDF, feed,
// urlset or sitemapindex.
func Parse(r io.Reader, opts Options) (*Result, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if magic, _ := br.Peek(2); IsGzip(magic) {
		// The compressed input is bounded too: a gzip stream never
		// compresses below ~1/1032 for long, so MaxBytes bounds both.
		zr, err := gzip.NewReader(&limitedReader{r: br, n: opts.maxBytes()})
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %w", ErrMalformed, err)
		}
		defer zr.Close()
		in = zr
	}
	d := xml.NewDecoder(&limitedReader{r: in, n: opts.maxBytes()})
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charset.NewReaderLabel
	p := parser{d: d, max: opts.maxEntries()}
	return p.run()
}

type parser struct {
	d   *xml.Decoder
	max int
	res Result
	n   int
}

func (p *parser) run() (*Result, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, p.wrap(err, ErrUnknownFormat)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(se.Name.Local) {
		case "rss":
			p.res.Format = FormatRSS
		case "rdf":
			p.res.Format = FormatRDF
		case "feed":
			p.res.Format = FormatAtom
		case "urlset":
			p.res.Format = FormatURLSet
		case "sitemapindex":
			p.res.Format = FormatSitemapIndex
		default:
			return nil, fmt.Errorf("%w: root element <%s>", ErrUnknownFormat, se.Name.Local)
		}
		err = p.body()
		if err == nil || errors.Is(err, ErrTooManyEntries) {
			return &p.res, err
		}
		return nil, err
	}
}

// isEOF reports whether err is the end of input, including the decoder's
// "unexpected EOF" for a document cut off inside an element.
func isEOF(err error) bool {
	var se *xml.SyntaxError
	return err == io.EOF || errors.As(err, &se) && se.Msg == "unexpected EOF"
}

// wrap classifies a decoder error; the end of input becomes eof.
func (p *parser) wrap(err, eof error) error {
	switch {
	case errors.Is(err, ErrTooLarge):
		return ErrTooLarge
	case isEOF(err) && eof != nil:
		return eof
	default:
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
}

// body reads the document after the root element, collecting items.
func (p *parser) body() error {
	itemName := map[Format]string{
		FormatRSS: "item", FormatRDF: "item", FormatAtom: "entry",
		FormatURLSet: "url", FormatSitemapIndex: "sitemap",
	}[p.res.Format]
	for {
		tok, err := p.d.Token()
		if isEOF(err) {
			return nil // unterminated root: keep what was read
		}
		if err != nil {
			return p.wrap(err, nil)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || !strings.EqualFold(se.Name.Local, itemName) {
			continue
		}
		e, err := p.item(se)
		if err != nil {
			return err
		}
		if e.URL == "" {
			continue
		}
		if p.n >= p.max {
			return ErrTooManyEntries
		}
		p.n++
		if p.res.Format == FormatSitemapIndex {
			p.res.Sitemaps = append(p.res.Sitemaps, e)
		} else {
			p.res.Entries = append(p.res.Entries, e)
		}
	}
}

// item reads one item/entry/url/sitemap element.
func (p *parser) item(start xml.StartElement) (Entry, error) {
	var e Entry
	var guid string
	depth := 1
	for depth > 0 {
		tok, err := p.d.Token()
		if isEOF(err) {
			break
		}
		if err != nil {
			return e, p.wrap(err, nil)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if depth > 1 && (name == "link" || name == "loc" || name == "guid") {
				depth++ // e.g. image:image/image:loc, author/link
				continue
			}
			if name == "link" && p.res.Format == FormatAtom {
				if href, ok := atomLink(t); ok && e.URL == "" {
					e.URL = href
				}
				depth++
				continue
			}
			switch name {
			case "link", "loc", "title", "pubdate", "published", "updated", "lastmod",
				"publication_date", "date", "guid":
			default:
				depth++
				continue
			}
			text, err := p.text()
			if err != nil {
				return e, err
			}
			switch name {
			case "link", "loc":
				if e.URL == "" {
					e.URL = text
				}
			case "guid":
				if attr(t, "ispermalink") != "false" {
					guid = text
				}
			case "title":
				if e.Title == "" {
					e.Title = text
				}
			case "pubdate", "published", "publication_date", "date":
				if e.Published.IsZero() {
					e.Published = ParseTime(text)
				}
			case "updated", "lastmod":
				if e.Modified.IsZero() {
					e.Modified = ParseTime(text)
				}
			}
		}
	}
	if e.URL == "" && (strings.HasPrefix(guid, "http://") || strings.HasPrefix(guid, "https://")) {
		e.URL = guid
	}
	if e.URL == "" && start.Name.Local == "item" {
		if about := attr(start, "about"); strings.HasPrefix(about, "http") {
			e.URL = about
		}
	}
	return e, nil
}

// text reads the character data of the current element up to its end
// tag, skipping nested elements, and trims it.
func (p *parser) text() (string, error) {
	var b strings.Builder
	depth := 1
	for depth > 0 {
		tok, err := p.d.Token()
		if isEOF(err) {
			break
		}
		if err != nil {
			return "", p.wrap(err, nil)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 1 && b.Len() < 8192 {
				b.Write(t)
			}
		}
	}
	return strings.TrimSpace(b.String()), nil
}

// atomLink returns the href of an Atom link with rel "alternate" (or no
// rel).
func atomLink(t xml.StartElement) (string, bool) {
	rel := attr(t, "rel")
	if rel != "" && !strings.EqualFold(rel, "alternate") {
		return "", false
	}
	href := strings.TrimSpace(attr(t, "href"))
	return href, href != ""
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Name.Local, local) {
			return a.Value
		}
	}
	return ""
}

// timeLayouts are the date forms found in feeds and sitemaps: W3C
// datetime (ISO 8601 subsets), RFC 1123/822 with their common
// deviations, and zone-less local forms.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02",
	"2006-01",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"02 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 06 15:04:05 -0700",
	time.RFC850,
	time.ANSIC,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006/01/02 15:04:05",
	"2006/01/02",
}

// ParseTime parses a feed or sitemap date; it returns the zero time when
// no known form matches. Zone-less forms are read as UTC.
func ParseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Sniff reports whether b (the first bytes of a document) looks like a
// feed or sitemap: gzip data, or XML whose first element is rss, rdf:RDF,
// feed, urlset or sitemapindex.
func Sniff(b []byte) (Format, bool) {
	if IsGzip(b) {
		return "", true
	}
	if len(b) > 4096 {
		b = b[:4096]
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		if !bytes.HasPrefix(b, []byte("<")) {
			return "", false
		}
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return "", false
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return "", false
			}
			b = b[i+3:]
		case bytes.HasPrefix(b, []byte("<!")):
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return "", false
			}
			b = b[i+1:]
		default:
			name := b[1:]
			if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
				name = name[:i]
			}
			if i := bytes.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			switch strings.ToLower(string(name)) {
			case "rss":
				return FormatRSS, true
			case "rdf":
				return FormatRDF, true
			case "feed":
				return FormatAtom, true
			case "urlset":
				return FormatURLSet, true
			case "sitemapindex":
				return FormatSitemapIndex, true
			}
			return "", false
		}
	}
}
