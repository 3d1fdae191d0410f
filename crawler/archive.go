package crawler

import (
	"context"
	"net/http"
	"time"
)

// Exchange is one fetched response as handed to an Archiver. Its fields
// match crawler/warc.Response one for one, so a warc.Writer plugs in with
// a conversion:
//
//	crawler.ArchiverFunc(func(ctx context.Context, e crawler.Exchange) (string, error) {
//		return w.WriteResponse(ctx, warc.Response(e))
//	})
//
// Body is the decompressed body: when the crawler asked for gzip and the
// transport decoded it, Header no longer has Content-Encoding and
// Content-Length. Body is only valid during the call.
type Exchange struct {
	// URL is the final URL fetched (after redirects).
	URL string
	// Method is the request method (GET).
	Method string
	// StatusCode and Proto are the status line's.
	StatusCode int
	Proto      string
	// Header is the response header.
	Header http.Header
	// Body is the decompressed body (see above).
	Body []byte
	// FetchedAt is when the response headers arrived.
	FetchedAt time.Time
	// RemoteAddr is the server's "ip:port".
	RemoteAddr string
}

// Archiver stores raw responses (WARC) and returns a reference to the
// stored record ("FILE#OFFSET"), which goes into Page.RawRef.
type Archiver interface {
	WriteResponse(ctx context.Context, e Exchange) (ref string, err error)
}

// ArchiverFunc adapts a function to Archiver.
type ArchiverFunc func(ctx context.Context, e Exchange) (string, error)

// WriteResponse calls f(ctx, e).
func (f ArchiverFunc) WriteResponse(ctx context.Context, e Exchange) (string, error) {
	return f(ctx, e)
}
