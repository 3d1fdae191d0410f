package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gocolly/colly/v2"

	"winnow/crawler/ssrf"
	"winnow/sink/record/canonical"
)

// attempt is the state of one HTTP request of a worker. The worker's
// collector runs synchronously in the worker goroutine, so the transport
// and redirect hooks read and write it without locking.
type attempt struct {
	job *job
	sc  *sourceRun

	requested   bool
	conditional bool
	redirects   int
	status      int
	proto       string
	header      http.Header
	finalURL    *url.URL
	remoteAddr  string
	respondedAt time.Time
	// elapsed is the request's duration: from sending its first hop to
	// the end of reading the final response's body (or the failure).
	elapsed time.Duration
	// hopClaim is the redirect target claimed last (checkRedirect); it is
	// released when no response came from it.
	hopClaim string
	// err is a failure the transport detected after the headers (size,
	// content type, body read error).
	err error
}

// worker owns a Colly collector, a transport shim and a body buffer that
// is reused from page to page.
type worker struct {
	r     *run
	col   *colly.Collector
	cur   *attempt
	buf   bytes.Buffer
	trace *httptrace.ClientTrace
}

// maxKeptBuffer is the largest body buffer a worker keeps for the next
// page; a larger one (a big page) is dropped after use.
const maxKeptBuffer = 1 << 20

func newWorker(r *run) *worker {
	w := &worker{r: r}
	w.trace = &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if w.cur != nil && info.Conn != nil {
			w.cur.remoteAddr = info.Conn.RemoteAddr().String()
		}
	}}
	client := &http.Client{Transport: w, CheckRedirect: w.checkRedirect}
	// A Collector initialized without NewCollector reads no COLLY_*
	// environment variables. Colly's robots handling, revisit store,
	// body size limit and charset conversion are all off: this package
	// does each itself (robots per host with a TTL, atomic dedup in the
	// frontier, an aborting limit on decompressed bytes, raw bytes to the
	// handler).
	c := &colly.Collector{}
	c.Init()
	c.IgnoreRobotsTxt = true
	c.AllowURLRevisit = true
	c.MaxBodySize = 0
	c.DetectCharset = false
	c.ParseHTTPErrorResponse = true
	c.Async = false
	c.SetClient(client)
	w.col = c
	return w
}

// RoundTrip sends one request (one redirect hop) through the source's
// guarded transport. For the final response it checks the status, media
// type and content coding, reads the decompressed body into the worker's
// buffer up to the source's limit (aborting past it), and hands Colly an
// empty body, so Colly's own size limit and charset conversion never see
// the bytes.
func (w *worker) RoundTrip(req *http.Request) (*http.Response, error) {
	a := w.cur
	a.requested = true
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), w.trace))
	resp, err := a.sc.transport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	a.hopClaim = "" // the claimed redirect target answered: it is fetched
	if isRedirect(resp.StatusCode) && resp.Header.Get("Location") != "" {
		return resp, nil // the client follows it after checkRedirect
	}
	a.respondedAt = time.Now()
	a.status = resp.StatusCode
	a.proto = resp.Proto
	a.header = resp.Header
	a.finalURL = req.URL
	body := resp.Body
	decoded := resp.Uncompressed // the transport gunzipped it
	declared := resp.ContentLength
	resp.Body = http.NoBody
	resp.ContentLength = 0
	resp.Uncompressed = true // Colly must not gunzip .xml.gz or gzip types again
	defer body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
		return resp, nil
	}
	ct := resp.Header.Get("Content-Type")
	if !a.sc.acceptsContentType(ct, a.job) {
		a.err = fmt.Errorf("%w: %q", ErrContentType, ct)
		return resp, nil
	}
	if ce := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); ce != "" && ce != "identity" {
		a.err = fmt.Errorf("%w: %q", ErrContentEncoding, ce)
		return resp, nil
	}
	limit := a.sc.bodyLimit
	if declared > limit && !decoded {
		a.err = fmt.Errorf("%w: Content-Length %d over %d", ErrTooLarge, declared, limit)
		return resp, nil
	}
	w.buf.Reset()
	n, err := w.buf.ReadFrom(io.LimitReader(body, limit+1))
	switch {
	case n > limit:
		a.err = fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
		w.buf.Reset()
	case err != nil:
		a.err = err
	}
	return resp, nil
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// checkRedirect enforces the redirect limit, detects loops, keeps the
// chain inside the source's scope and atomically claims the target so
// that no URL is fetched twice in a run. Every hop is dialed through the
// SSRF guard by the transport.
func (w *worker) checkRedirect(req *http.Request, via []*http.Request) error {
	a := w.cur
	a.redirects = len(via)
	if len(via) > a.sc.maxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, a.sc.maxRedirects)
	}
	target, err := canonical.URL(req.URL.String(), a.sc.strip...)
	if err != nil {
		return err
	}
	for _, v := range via {
		if c, err := canonical.URL(v.URL.String(), a.sc.strip...); err == nil && c == target {
			return fmt.Errorf("%w: back to %s", ErrRedirectLoop, target)
		}
	}
	if ok, _ := a.sc.src.Scope.InScope(req.URL); !ok {
		return fmt.Errorf("%w: %s", ErrRedirectOutOfScope, req.URL.Redacted())
	}
	if !w.r.fetched.add(target) {
		// An entry point polled again may redirect where it did
		// before; any other page must not reach a URL already claimed.
		if !revisitable(a.job.task) {
			return fmt.Errorf("%w: %s", ErrRedirectDuplicate, target)
		}
		a.hopClaim = "" // not ours to release
		return nil
	}
	a.hopClaim = target
	return nil
}

// fetchResult classifies one attempt.
type fetchResult struct {
	ok         bool // 2xx with a body in the worker's buffer
	kind       OutcomeKind
	reason     string
	err        error
	retryable  bool
	retryAfter time.Duration
	canceled   bool
}

// fetch makes one request for j through the worker's collector.
func (w *worker) fetch(ctx context.Context, j *job) (*attempt, fetchResult) {
	sc := j.sc
	a := &attempt{job: j, sc: sc}
	w.cur = a
	defer func() { w.cur = nil }()

	hdr := http.Header{}
	hdr.Set("User-Agent", sc.userAgent)
	hdr.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if j.task.Kind.IsEntryPoint() && sc.conditional {
		if v, err := w.r.c.state.Validators(ctx, j.task.URL); err == nil && !v.IsZero() {
			if v.ETag != "" {
				hdr.Set("If-None-Match", v.ETag)
			}
			if v.LastModified != "" {
				hdr.Set("If-Modified-Since", v.LastModified)
			}
			a.conditional = true
		}
	}

	reqCtx, cancel := context.WithTimeout(ctx, sc.timeouts.Total)
	defer cancel()
	// Colly takes the request context from the collector, not from the
	// call; the collector is this worker's alone and synchronous.
	w.col.Context = reqCtx
	start := time.Now()
	err := w.col.Request(http.MethodGet, j.task.URL, nil, nil, hdr)
	a.elapsed = time.Since(start)
	w.col.Context = context.Background()
	if a.hopClaim != "" {
		// The last redirect target never answered (refused, blocked,
		// timed out): it was not fetched, so it may be fetched later.
		w.r.fetched.remove(a.hopClaim)
	}
	return a, w.classify(ctx, a, err)
}

// classify turns an attempt into a result.
func (w *worker) classify(ctx context.Context, a *attempt, err error) fetchResult {
	failed := func(reason string, err error, retryable bool) fetchResult {
		return fetchResult{kind: OutcomeFailed, reason: reason, err: err, retryable: retryable}
	}
	skipped := func(reason string, err error) fetchResult {
		return fetchResult{kind: OutcomeSkipped, reason: reason, err: err}
	}
	if ctx.Err() != nil {
		return fetchResult{canceled: true, err: ctx.Err()}
	}
	if err == nil && a.err != nil {
		err = a.err
	}
	if err != nil {
		switch {
		case errors.Is(err, ErrTooLarge):
			return failed(ReasonTooLarge, err, false)
		case errors.Is(err, ErrContentType):
			return failed(ReasonContentType, err, false)
		case errors.Is(err, ErrContentEncoding):
			return failed(ReasonContentEncoding, err, false)
		case errors.Is(err, ssrf.ErrBlocked):
			return skipped(ReasonBlockedAddress, err)
		case errors.Is(err, ErrRedirectLoop):
			return failed(ReasonRedirectLoop, err, false)
		case errors.Is(err, ErrTooManyRedirects):
			return failed(ReasonTooManyRedirects, err, false)
		case errors.Is(err, ErrRedirectOutOfScope):
			return skipped(ReasonOutOfScope, err)
		case errors.Is(err, ErrRedirectDuplicate):
			return skipped(ReasonDuplicate, err)
		case !a.requested:
			return failed(ReasonBadURL, err, false)
		case isTimeout(err):
			return failed(ReasonTimeout, err, true)
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) || errors.Is(err, ssrf.ErrNoAddress) {
			return failed(ReasonDNS, err, dnsErr != nil && !dnsErr.IsNotFound)
		}
		return failed(ReasonConnection, err, true)
	}
	switch code := a.status; {
	case code >= 200 && code <= 299:
		return fetchResult{ok: true}
	case code == http.StatusNotModified && a.conditional:
		return fetchResult{kind: OutcomeNotArticle, reason: ReasonUnchanged}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		r := failed(HTTPReason(code), fmt.Errorf("%w: %d", ErrHTTPStatus, code), true)
		r.retryAfter = parseRetryAfter(a.header.Get("Retry-After"), time.Now())
		return r
	default:
		return failed(HTTPReason(code), fmt.Errorf("%w: %d", ErrHTTPStatus, code), false)
	}
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an
// HTTP-date. It returns 0 when absent, unparsable or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d := t.Sub(now); d > 0 {
		return d
	}
	return 0
}

// retryDelay is the wait before retry number attempt (1 for the first):
// the source's exponential backoff with equal jitter (half fixed, half
// random), or the server's Retry-After (capped at maxRetryAfter) when
// that is longer.
func retryDelay(sc *sourceRun, attempt int, retryAfter, maxRetryAfter time.Duration) time.Duration {
	d := sc.src.Fetch.RetryDelay(attempt, 0)
	if d > 1 {
		d = d/2 + rand.N(d/2+1)
	}
	return max(d, min(retryAfter, maxRetryAfter))
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	return mt
}
