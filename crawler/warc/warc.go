package warc

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors. Failures are wrapped with the file, offset or field concerned.
var (
	// ErrInvalidOptions: NewWriter was given unusable Options.
	ErrInvalidOptions = errors.New("warc: invalid options")
	// ErrInvalidResponse: WriteResponse was given a response it cannot
	// archive (no absolute URL, bad status code, bad header name).
	ErrInvalidResponse = errors.New("warc: invalid response")
	// ErrClosed: the Writer is closed.
	ErrClosed = errors.New("warc: writer closed")
	// ErrBadRef: a ref is not "FILE#OFFSET" with a local file name.
	ErrBadRef = errors.New("warc: bad ref")
	// ErrCorrupt: a file is truncated or damaged, or a ref does not point
	// at a record.
	ErrCorrupt = errors.New("warc: corrupt record")
	// ErrNotResponse: a ref points at a record that is not an HTTP
	// response.
	ErrNotResponse = errors.New("warc: not a response record")
	// ErrUnsupportedEncoding: a stored payload uses a Content-Encoding
	// this package cannot decode.
	ErrUnsupportedEncoding = errors.New("warc: unsupported content-encoding")
	// ErrTooLarge: a payload decodes to more than MaxPayload bytes.
	ErrTooLarge = errors.New("warc: payload too large")
)

// MaxPayload bounds a payload read back (after decoding).
const MaxPayload = 256 << 20

// OrigPrefix is prepended to the names of headers that no longer describe
// the stored payload (Transfer-Encoding, and Content-Encoding and
// Content-Length of a decoded body).
const OrigPrefix = "X-Archive-Orig-"

// Response is one HTTP exchange as archived. Its fields are those of
// crawler.Exchange, in the same order, so one converts to the other.
type Response struct {
	// URL is the URL fetched (WARC-Target-URI), absolute.
	URL string
	// Method is the request method; "" means GET when writing. When
	// reading, it comes from the request record that accompanies the
	// response, and is "" if there is none.
	Method string
	// StatusCode and Proto form the status line; Proto "" means HTTP/1.1.
	StatusCode int
	Proto      string
	// Header is the response header (see the package doc for the framing
	// headers).
	Header http.Header
	// Body is the payload after de-chunking and content decoding.
	Body []byte
	// FetchedAt is when the response arrived (WARC-Date); zero means now
	// when writing.
	FetchedAt time.Time
	// RemoteAddr is the server's address, "ip" or "ip:port"; the WARC
	// keeps the IP only (WARC-IP-Address), so reading returns the IP.
	RemoteAddr string
}

// Ref locates a record: the file name relative to the archive directory
// and the byte offset of the record (of its gzip member, in a .warc.gz).
type Ref struct {
	File   string
	Offset int64
}

// String formats the ref as "FILE#OFFSET".
func (r Ref) String() string { return r.File + "#" + strconv.FormatInt(r.Offset, 10) }

// ParseRef parses "FILE#OFFSET". FILE must be a local file name (no
// directory, no ".."), OFFSET a non-negative decimal.
func ParseRef(ref string) (Ref, error) {
	file, off, ok := strings.Cut(ref, "#")
	if !ok || file == "" || off == "" {
		return Ref{}, fmt.Errorf("%w: %q is not FILE#OFFSET", ErrBadRef, ref)
	}
	if strings.ContainsAny(file, `/\`) || file == "." || file == ".." {
		return Ref{}, fmt.Errorf("%w: %q: the file must be a name in the archive directory", ErrBadRef, ref)
	}
	n, err := strconv.ParseInt(off, 10, 64)
	if err != nil || n < 0 || off[0] == '+' {
		return Ref{}, fmt.Errorf("%w: %q: bad offset", ErrBadRef, ref)
	}
	return Ref{File: file, Offset: n}, nil
}
