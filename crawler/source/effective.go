package source

import (
	"mime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Defaults applied to zero values. The engine reads effective values
// through the methods below; these constants document them.
const (
	DefaultLanguage         = "zh"
	DefaultTimezone         = "Asia/Shanghai"
	DefaultMaxDepth         = 3
	DefaultMaxPages         = 10000
	DefaultRobotsTTL        = time.Hour
	DefaultMinDelay         = time.Second
	DefaultConcurrency      = 1
	DefaultMaxCrawlDelay    = 30 * time.Second
	DefaultUserAgent        = "winnow/1"
	DefaultConnectTimeout   = 10 * time.Second
	DefaultTLSTimeout       = 10 * time.Second
	DefaultHeaderTimeout    = 15 * time.Second
	DefaultTotalTimeout     = 60 * time.Second
	DefaultMaxBody          = 10 * MiB
	DefaultMaxRedirects     = 5
	DefaultRetries          = 3
	DefaultBackoff          = time.Second
	DefaultMaxBackoff       = time.Minute
	DefaultOpenCC           = "t2s"
	DefaultInterval         = 15 * time.Minute
	DefaultDegradedAfter    = 5
	DefaultDegradedInterval = 6 * time.Hour
)

// defaultContentTypes are the media types accepted when
// fetch.content_types is empty: pages, feeds and sitemaps (plain and
// gzipped).
var defaultContentTypes = []string{
	"text/html", "application/xhtml+xml", "text/plain",
	"application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
	"application/gzip", "application/x-gzip",
}

func orDur(d Duration, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

func orBool(b *bool) bool { return b == nil || *b }

// IsEnabled reports whether the source is crawled (Enabled absent means
// true).
func (s *Source) IsEnabled() bool { return orBool(s.Enabled) }

// Lang returns the language tag ("zh" when unset).
func (s *Source) Lang() string {
	if s.Language == "" {
		return DefaultLanguage
	}
	return s.Language
}

// Location returns the time zone for dates without offset (Asia/Shanghai
// when unset). It never returns nil: when the zone cannot be loaded (no
// IANA database), the default zone is a fixed UTC+8 and others are UTC.
func (s *Source) Location() *time.Location {
	if s.loc != nil {
		return s.loc
	}
	if s.Timezone == "" || s.Timezone == DefaultTimezone {
		return defaultLocation()
	}
	if loc, err := time.LoadLocation(s.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// defaultLocation is DefaultTimezone, loaded once (the content path asks
// for every page); a fixed UTC+8 zone without tzdata.
var defaultLocation = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation(DefaultTimezone); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
})

// FollowFeeds reports whether feeds advertised on listings are followed
// (default true).
func (d Discovery) FollowFeeds() bool { return orBool(d.Feeds) }

// FollowSitemaps reports whether robots.txt Sitemap: lines are read
// (default true).
func (d Discovery) FollowSitemaps() bool { return orBool(d.Sitemaps) }

// Follow reports whether in-scope links of listing pages are followed
// (default true).
func (d Discovery) Follow() bool { return orBool(d.FollowLinks) }

// Depth returns the maximum link hops from a seed (default 3).
func (d Discovery) Depth() int { return orInt(d.MaxDepth, DefaultMaxDepth) }

// PageLimit returns the maximum pages fetched per run (default 10,000).
func (s *Scope) PageLimit() int { return orInt(s.MaxPages, DefaultMaxPages) }

// MaxAge returns the maximum article age, 0 meaning no limit.
func (s *Scope) MaxAge() time.Duration { return time.Duration(s.MaxArticleAge) }

// ObeyRobots reports whether robots.txt is obeyed (default true).
func (p Politeness) ObeyRobots() bool { return !p.IgnoreRobots }

// Delay returns the minimum time between two requests to one host
// (default 1s), before any robots.txt Crawl-delay.
func (p Politeness) Delay() time.Duration { return orDur(p.MinDelay, DefaultMinDelay) }

// DelayWith returns the delay to apply given a robots.txt Crawl-delay
// (0 if none): the larger of Delay and the Crawl-delay capped at
// CrawlDelayCap.
func (p Politeness) DelayWith(crawlDelay time.Duration) time.Duration {
	return max(p.Delay(), min(crawlDelay, p.CrawlDelayCap()))
}

// PerHostConcurrency returns the maximum requests in flight per host
// (default 1).
func (p Politeness) PerHostConcurrency() int { return orInt(p.Concurrency, DefaultConcurrency) }

// RobotsCacheTTL returns how long a robots.txt is cached (default 1h).
func (p Politeness) RobotsCacheTTL() time.Duration { return orDur(p.RobotsTTL, DefaultRobotsTTL) }

// CrawlDelayCap returns the cap on a robots.txt Crawl-delay (default 30s).
func (p Politeness) CrawlDelayCap() time.Duration {
	return orDur(p.MaxCrawlDelay, DefaultMaxCrawlDelay)
}

// Agent returns the User-Agent header (default "winnow/1").
func (p Politeness) Agent() string {
	if p.UserAgent == "" {
		return DefaultUserAgent
	}
	return p.UserAgent
}

// Timeouts bound one request.
type Timeouts struct {
	Connect time.Duration // TCP connect
	TLS     time.Duration // TLS handshake
	Header  time.Duration // from request sent to response headers
	Total   time.Duration // the whole request including the body
}

// Timeouts returns the effective timeouts (default 10s, 10s, 15s, 60s).
func (f Fetch) Timeouts() Timeouts {
	return Timeouts{
		Connect: orDur(f.ConnectTimeout, DefaultConnectTimeout),
		TLS:     orDur(f.TLSTimeout, DefaultTLSTimeout),
		Header:  orDur(f.HeaderTimeout, DefaultHeaderTimeout),
		Total:   orDur(f.TotalTimeout, DefaultTotalTimeout),
	}
}

// BodyLimit returns the maximum decompressed body in bytes (default
// 10 MiB); a larger body aborts the fetch.
func (f Fetch) BodyLimit() int64 {
	if f.MaxBody == 0 {
		return int64(DefaultMaxBody)
	}
	return int64(f.MaxBody)
}

// RedirectLimit returns the maximum redirect hops (default 5).
func (f Fetch) RedirectLimit() int { return orInt(f.MaxRedirects, DefaultMaxRedirects) }

// RetryLimit returns how many times a retryable failure is retried:
// default 3; Retries -1 means 0.
func (f Fetch) RetryLimit() int {
	switch {
	case f.Retries < 0:
		return 0
	case f.Retries == 0:
		return DefaultRetries
	}
	return f.Retries
}

// BackoffRange returns the first retry delay and the cap (default 1s and
// 1m).
func (f Fetch) BackoffRange() (first, maxBackoff time.Duration) {
	return orDur(f.Backoff, DefaultBackoff), orDur(f.MaxBackoff, DefaultMaxBackoff)
}

// RetryDelay returns the delay before retry number attempt (1 for the
// first retry): the first delay doubled each time up to the cap, or
// retryAfter (a server's Retry-After, 0 if none) when that is larger.
func (f Fetch) RetryDelay(attempt int, retryAfter time.Duration) time.Duration {
	first, maxB := f.BackoffRange()
	d := first
	for i := 1; i < attempt && d < maxB; i++ {
		d *= 2
	}
	return max(min(d, maxB), retryAfter)
}

// Conditional reports whether entry points are fetched with
// If-None-Match/If-Modified-Since (default true).
func (f Fetch) Conditional() bool { return !f.DisableConditional }

// DefaultContentTypes returns the media types accepted when
// fetch.content_types is empty: text/html, application/xhtml+xml,
// text/plain, the RSS, Atom and XML types, and gzip (sitemaps .xml.gz).
func DefaultContentTypes() []string { return slices.Clone(defaultContentTypes) }

// AllowedContentTypes returns the accepted media types (a copy);
// DefaultContentTypes when none are configured.
func (f Fetch) AllowedContentTypes() []string {
	if len(f.ContentTypes) == 0 {
		return DefaultContentTypes()
	}
	return slices.Clone(f.ContentTypes)
}

// AcceptsContentType reports whether a Content-Type header value (with
// or without parameters) is allowed. Entries of the form "text/*" match
// any subtype. An empty or unparsable header is not accepted.
func (f Fetch) AcceptsContentType(header string) bool {
	mt, _, err := mime.ParseMediaType(header)
	if err != nil {
		return false
	}
	allowed := f.ContentTypes
	if len(allowed) == 0 {
		allowed = defaultContentTypes
	}
	typ, _, _ := strings.Cut(mt, "/")
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == mt || strings.HasSuffix(a, "/*") && strings.TrimSuffix(a, "/*") == typ {
			return true
		}
	}
	return false
}

// Label returns the forced charset label in lower case, or "" when the
// charset is detected (Charset "" or "auto").
func (e Encoding) Label() string {
	c := strings.ToLower(strings.TrimSpace(e.Charset))
	if c == "auto" {
		return ""
	}
	return c
}

// Config returns the OpenCC configuration ("t2s" when unset; "none" means
// no conversion).
func (n Normalization) Config() string {
	if n.OpenCC == "" {
		return DefaultOpenCC
	}
	return n.OpenCC
}

// UsesCron reports whether runs follow the cron expression.
func (s Schedule) UsesCron() bool { return s.Cron != "" }

// Adaptive reports whether the poll interval adapts within
// [MinInterval, MaxInterval].
func (s Schedule) Adaptive() bool {
	return s.Cron == "" && s.MinInterval > 0 && s.MaxInterval > 0
}

// PollInterval returns the (initial) interval between runs: Interval,
// else MinInterval for an adaptive schedule, else 15m; 0 for a cron
// schedule.
func (s Schedule) PollInterval() time.Duration {
	switch {
	case s.Cron != "":
		return 0
	case s.Interval != 0:
		return time.Duration(s.Interval)
	case s.Adaptive():
		return time.Duration(s.MinInterval)
	}
	return DefaultInterval
}

// IntervalBounds returns the range the interval may adapt within; both
// equal PollInterval for a fixed schedule.
func (s Schedule) IntervalBounds() (lo, hi time.Duration) {
	if s.Adaptive() {
		return time.Duration(s.MinInterval), time.Duration(s.MaxInterval)
	}
	return s.PollInterval(), s.PollInterval()
}

// NextRun returns the first run after after: the cron expression's next
// activation evaluated in loc (the source's Location), or after +
// PollInterval. It returns the zero time for an invalid cron expression.
// Jitter is not included (see MaxJitter).
func (s Schedule) NextRun(after time.Time, loc *time.Location) time.Time {
	if s.Cron == "" {
		return after.Add(s.PollInterval())
	}
	sched := s.cronSched
	if sched == nil {
		var err error
		if sched, err = cron.ParseStandard(s.Cron); err != nil {
			return time.Time{}
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	return sched.Next(after.In(loc))
}

// MaxJitter returns the largest random delay added to a run (0 = none).
func (s Schedule) MaxJitter() time.Duration { return time.Duration(s.Jitter) }

// RefetchPlan returns how long after the first fetch an article is
// fetched again and how many times; (0, 0) means never. RefetchTimes 0
// with Refetch set means once.
func (s Schedule) RefetchPlan() (after time.Duration, times int) {
	if s.Refetch <= 0 {
		return 0, 0
	}
	return time.Duration(s.Refetch), orInt(s.RefetchTimes, 1)
}

// DegradedPolicy returns after how many consecutive failed runs the
// source is degraded (default 5) and how often a degraded source is
// retried (default 6h).
func (s Schedule) DegradedPolicy() (after int, retry time.Duration) {
	return orInt(s.DegradedAfter, DefaultDegradedAfter), orDur(s.DegradedInterval, DefaultDegradedInterval)
}

// Describe says when the source runs, e.g. "cron 0 * * * *",
// "every 15m", "adaptive 5m..2h".
func (s Schedule) Describe() string {
	var d string
	switch {
	case s.Cron != "":
		d = "cron " + s.Cron
	case s.Adaptive():
		d = "adaptive " + s.MinInterval.String() + ".." + s.MaxInterval.String()
		if s.Interval != 0 {
			d += " from " + s.Interval.String()
		}
	default:
		d = "every " + Duration(s.PollInterval()).String()
	}
	if s.Jitter > 0 {
		d += " +" + s.Jitter.String() + " jitter"
	}
	return d
}
