package crawler

import "errors"

// Errors of the crawler. Failed and skipped outcomes carry the cause in
// Outcome.Err; test it with errors.Is.
var (
	// ErrNotArticle is returned (wrapped) by a Handler that decided the
	// page is not an article; the outcome is not_article, not failed.
	ErrNotArticle = errors.New("crawler: not an article")
	// ErrInvalidOptions: Options or a Run argument is unusable.
	ErrInvalidOptions = errors.New("crawler: invalid options")
	// ErrInvalidSource: a source cannot be crawled (no id, a seed that is
	// not an absolute http(s) URL …).
	ErrInvalidSource = errors.New("crawler: invalid source")
	// ErrTooLarge: the decompressed body exceeds the source's max_body;
	// the fetch was aborted, never truncated.
	ErrTooLarge = errors.New("crawler: body too large")
	// ErrContentType: the response's media type is not allowed.
	ErrContentType = errors.New("crawler: content type not allowed")
	// ErrContentEncoding: the response uses a content coding the crawler
	// did not ask for and cannot decode.
	ErrContentEncoding = errors.New("crawler: unsupported content encoding")
	// ErrRedirectLoop: a redirect led back to a URL of the same chain.
	ErrRedirectLoop = errors.New("crawler: redirect loop")
	// ErrTooManyRedirects: the chain is longer than max_redirects.
	ErrTooManyRedirects = errors.New("crawler: too many redirects")
	// ErrRedirectOutOfScope: a redirect left the source's scope.
	ErrRedirectOutOfScope = errors.New("crawler: redirect out of scope")
	// ErrRedirectDuplicate: a redirect led to a URL already fetched (or
	// being fetched) in this run.
	ErrRedirectDuplicate = errors.New("crawler: redirect to a URL already fetched")
	// ErrHTTPStatus: the final response has an error status.
	ErrHTTPStatus = errors.New("crawler: HTTP error status")
)
