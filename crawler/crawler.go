// Package crawler fetches pages from configured sources with Colly and
// hands each fetched page to a Handler. It is the only importer of colly.
//
// # Engine
//
// [Crawler.Run] pulls tasks from a [frontier.Frontier] (in memory by
// default; a NATS JetStream work queue in a distributed deployment) into
// bounded per-host queues. A scheduler hands a task to one of
// Options.Workers workers only when its host may be contacted: at most the
// source's politeness.concurrency requests in flight per host, request
// starts at least the host's delay apart and at least the delay between a
// response and the next start (min_delay, raised by a robots.txt
// Crawl-delay up to max_crawl_delay). A slow host therefore holds at most
// its concurrency in workers; when its queue is full its further tasks go
// back to the frontier (back-pressure) instead of stalling other hosts.
//
// Each worker drives its own synchronous Colly collector: no goroutine per
// link, no Colly async recursion. Dedup is atomic: the frontier dedups
// canonical URLs ([CanonicalURL]), and each run claims every URL it
// fetches, redirect targets included, so no URL is fetched twice. Colly's
// robots.txt handling, revisit store, MaxBodySize (which truncates
// silently) and charset conversion are all disabled: the worker's
// transport reads the decompressed body itself and aborts past the
// source's max_body, and the Handler gets the raw bytes with the
// response's Content-Type (the content path decodes charsets).
//
// # Fetching
//
// Every connection goes through the SSRF guard (package ssrf) at dial
// time: every redirect hop and every DNS answer is checked; loopback,
// private, link-local, CGNAT, multicast and metadata addresses are
// refused unless Options.AllowNetworks lists them. The transport ignores
// proxy environment variables, has connect, TLS, response-header and total
// timeouts from the source, asks for gzip and counts decompressed bytes.
// Redirects are limited (max_redirects), loops detected, and a redirect
// leaving the source's scope is not followed. Only the source's
// content_types are read. Retryable failures (408, 429, 5xx, timeouts,
// connection errors) are retried with exponential backoff and jitter, or
// after the server's Retry-After (seconds or HTTP-date, capped by
// Options.MaxRetryAfter) when that is longer; the wait holds the whole
// host, not a worker. Entry points (listings, feeds, sitemaps) are fetched
// with If-None-Match/If-Modified-Since when a [StateStore] has validators
// from an earlier run; a 304 is an outcome (not_article/unchanged). A
// response's validators are stored only after the links it lists are
// queued (and not when the frontier refused them), so a crash in between
// cannot make the next poll answer 304 for links never queued. A source's
// own entry points (depth 0) may be fetched again within one Run when the
// frontier hands them out again (a scheduler re-queues them on every
// firing of a long-lived run); every other URL is fetched once per Run.
//
// robots.txt is obeyed unless the source sets ignore_robots (package
// robots): cached per origin with the source's TTL, fetched through the
// same guarded transport; 4xx allows everything, 429/5xx/unreachable
// disallows everything for Options.RobotsErrorTTL (outcome
// skipped/robots_unavailable). Its Sitemap: lines are queued as sitemaps.
//
// # Discovery
//
// Feeds (RSS, Atom) and sitemaps (index, urlset, news, .xml.gz) announce
// article URLs, which are queued without a depth limit but with their
// announced date (max_article_age skips older ones as too_old). HTML pages
// are read for a[href] links (resolved against <base>), queued one hop
// deeper while the depth is below max_depth; links to hosts outside the
// scope are dropped. Listings also yield their <link rel=alternate> feeds.
//
// # Outcomes
//
// Every task taken from the frontier ends in exactly one [Outcome],
// reported to Options.OnOutcome and counted in the [Summary]: handled,
// not_article, failed (fetched: Fetched = Handled + NotArticle + Failed)
// or skipped (never fetched). Entry points are never handed to the
// Handler (not_article/entry_point); discovered pages are handed when
// they match the source's article_pattern (or always, without one), and
// seeds of kind article always are. A task
// whose run is canceled before it finishes gets no outcome: it is given
// back to the frontier (Done with an error).
//
// # Caveats
//
//   - Colly reads its request context from the collector, not from the
//     call; each worker's collector is its own and synchronous, and the
//     worker sets the context before each request.
//   - Cookies are not kept between requests.
//   - A redirect to another host is followed within that request: the
//     target host's politeness and robots.txt are not consulted (its scope
//     is).
//   - Hosts are politeness units by host[:port]; two sources on one host
//     share its queue with the stricter of their delays and concurrency.
//   - A retry or a robots.txt fetch delays the whole host, not only the
//     task.
//   - The body buffer handed to the Handler is reused for the next page.
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
	// CanonicalURL is URL canonicalized with the source's strip_params
	// (CanonicalURL); the record's canonical_url.
	CanonicalURL string
	// Source is the id of the source the URL belongs to.
	Source string
	// StatusCode and Header are the HTTP response's.
	StatusCode int
	Header     http.Header
	// ContentType is the response's Content-Type header (charset hint).
	ContentType string
	// Body is the decompressed response body, at most the size limit
	// (a larger body is never handed on). Raw bytes: no charset
	// conversion. Valid only during HandlePage.
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
