// Package crawler fetches pages from configured sources with Colly and
// hands each fetched page to a Handler. It is the only importer of colly.
package crawler

import (
	"context"
	"net/http"
	"time"
)

// Page is one fetched response. Handlers must not retain it after
// HandlePage returns.
type Page struct {
	// URL is the final URL after redirects.
	URL string
	// Source is the id of the source the URL belongs to.
	Source string
	// StatusCode and Header are the HTTP response's.
	StatusCode int
	Header     http.Header
	// ContentType is the response's Content-Type header (charset hint).
	ContentType string
	// Body is the decompressed response body, at most the size limit.
	Body []byte
	// FetchedAt is when the response arrived.
	FetchedAt time.Time
	// RawRef locates the archived response ("FILE#OFFSET"), "" if the
	// crawl does not archive.
	RawRef string
}

// Handler consumes fetched pages. HandlePage may block (that is
// back-pressure on the crawl).
type Handler interface {
	HandlePage(ctx context.Context, p *Page) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, p *Page) error

// HandlePage calls f(ctx, p).
func (f HandlerFunc) HandlePage(ctx context.Context, p *Page) error { return f(ctx, p) }
