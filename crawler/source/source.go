package source

import (
	"regexp"
	"time"

	"github.com/robfig/cron/v3"
)

// SeedKind says what a seed URL is.
type SeedKind string

// Seed kinds.
const (
	SeedListing SeedKind = "listing" // a page of links to articles (polled)
	SeedFeed    SeedKind = "feed"    // RSS or Atom (polled)
	SeedSitemap SeedKind = "sitemap" // sitemap, sitemap index or news sitemap, .xml or .xml.gz (polled)
	SeedArticle SeedKind = "article" // one article (fetched once)
)

// Source is one configured news source.
type Source struct {
	// ID is the stable source id: lower-case letters, digits, '-' and
	// '_', at most 64 characters; it names NATS subjects and rows.
	ID string `yaml:"id"`
	// Name is a human-readable name.
	Name string `yaml:"name"`
	// Enabled: a disabled source is loaded and listed but never crawled.
	// Zero (absent) means true.
	Enabled *bool `yaml:"enabled"`
	// Language is a BCP 47 code; "" means "zh".
	Language string `yaml:"language"`
	// Timezone is an IANA zone for dates without offset; "" means
	// Asia/Shanghai.
	Timezone string `yaml:"timezone"`
	// Seeds are the entry points; at least one.
	Seeds []Seed `yaml:"seeds"`

	Discovery     Discovery     `yaml:"discovery"`
	Scope         Scope         `yaml:"scope"`
	Politeness    Politeness    `yaml:"politeness"`
	Fetch         Fetch         `yaml:"fetch"`
	Encoding      Encoding      `yaml:"encoding"`
	Normalization Normalization `yaml:"normalization"`
	Schedule      Schedule      `yaml:"schedule"`

	// File is the file the source was loaded from (not in YAML).
	File string `yaml:"-"`

	loc *time.Location // resolved Timezone, set by Validate
	pos positions      // where each field was written, for error messages
}

// Seed is one entry point.
type Seed struct {
	// URL is an absolute http or https URL.
	URL string `yaml:"url"`
	// Kind says how the URL is read; "" means SeedListing (Parse and
	// Validate fill it in, so a validated source never has "").
	Kind SeedKind `yaml:"kind"`
}

// Discovery says how new URLs are found beyond the seeds.
type Discovery struct {
	// Feeds: follow <link rel=alternate type=rss/atom> found on listings.
	// Zero means true.
	Feeds *bool `yaml:"feeds"`
	// Sitemaps: read Sitemap: lines of robots.txt. Zero means true.
	Sitemaps *bool `yaml:"sitemaps"`
	// FollowLinks: follow in-scope links of listing pages. Zero means true.
	FollowLinks *bool `yaml:"follow_links"`
	// MaxDepth bounds link hops from a seed; zero means 3.
	MaxDepth int `yaml:"max_depth"`
}

// Scope says which URLs belong to the source.
type Scope struct {
	// Hosts are allowed host names; "*.example.com" matches sub-domains
	// (not example.com itself). An entry may be an IP literal and may
	// name a port ("example.com:8080", "[::1]:8080"); without a port it
	// matches any port. Unicode names match their punycode form. Zero
	// means the hosts of the seeds (with the port if a seed names one).
	Hosts []string `yaml:"hosts"`
	// ArticlePattern is a regular expression on the URL path (and query)
	// that marks article pages; "" means every in-scope page may be an
	// article (the content path decides). It is matched against the
	// escaped path and, when the URL has a query, against path?query.
	ArticlePattern string `yaml:"article_pattern"`
	// Deny are regular expressions on the URL path, matched like
	// ArticlePattern; matching URLs are skipped ("out of scope").
	Deny []string `yaml:"deny"`
	// StripParams are query parameters removed before dedup, in addition
	// to the built-in tracking parameters.
	StripParams []string `yaml:"strip_params"`
	// MaxArticleAge skips articles published longer ago; zero means no
	// limit.
	MaxArticleAge Duration `yaml:"max_article_age"`
	// MaxPages bounds fetched pages per run; zero means 10,000.
	MaxPages int `yaml:"max_pages"`

	articleRE *regexp.Regexp
	denyRE    []*regexp.Regexp
	hostPats  []hostPattern // Hosts, or the seeds' hosts, compiled by Validate
}

// Politeness limits how hard a host is hit.
type Politeness struct {
	// IgnoreRobots: zero (false) means robots.txt is obeyed.
	IgnoreRobots bool `yaml:"ignore_robots"`
	// RobotsTTL is how long a robots.txt is cached; zero means 1h.
	RobotsTTL Duration `yaml:"robots_ttl"`
	// MinDelay is the minimum time between two requests to one host;
	// zero means 1s. Crawl-delay raises it (up to MaxCrawlDelay).
	MinDelay Duration `yaml:"min_delay"`
	// Concurrency is the maximum requests in flight per host; zero means 1.
	Concurrency int `yaml:"concurrency"`
	// MaxCrawlDelay caps a robots.txt Crawl-delay; zero means 30s.
	MaxCrawlDelay Duration `yaml:"max_crawl_delay"`
	// UserAgent is sent with every request; "" means "winnow/1".
	UserAgent string `yaml:"user_agent"`
}

// Fetch configures requests.
type Fetch struct {
	// ConnectTimeout, TLSTimeout, HeaderTimeout and TotalTimeout bound each
	// request; zero means 10s, 10s, 15s and 60s.
	ConnectTimeout Duration `yaml:"connect_timeout"`
	TLSTimeout     Duration `yaml:"tls_timeout"`
	HeaderTimeout  Duration `yaml:"header_timeout"`
	TotalTimeout   Duration `yaml:"total_timeout"`
	// MaxBody bounds the decompressed body; a larger body aborts the
	// fetch (outcome "too large"), never truncates. Zero means 10 MiB.
	MaxBody ByteSize `yaml:"max_body"`
	// MaxRedirects bounds redirect hops; zero means 5.
	MaxRedirects int `yaml:"max_redirects"`
	// Retries is how many times a retryable failure (5xx, 429, timeouts,
	// connection errors) is retried; zero means 3, -1 means none.
	Retries int `yaml:"retries"`
	// Backoff is the first retry delay, doubled each time up to
	// MaxBackoff; Retry-After wins when larger. Zero means 1s and 1m.
	Backoff    Duration `yaml:"backoff"`
	MaxBackoff Duration `yaml:"max_backoff"`
	// DisableConditional turns off If-None-Match/If-Modified-Since on
	// entry points; zero means conditional GET is on.
	DisableConditional bool `yaml:"disable_conditional"`
	// ContentTypes are allowed media types; zero means text/html,
	// application/xhtml+xml, text/plain and the feed and sitemap types.
	ContentTypes []string `yaml:"content_types"`
}

// Encoding says how page bytes are decoded.
type Encoding struct {
	// Charset forces a charset label (gbk, big5, utf-8 …); "" or "auto"
	// means BOM, header, <meta>, detector.
	Charset string `yaml:"charset"`
}

// Normalization says how the script is normalized.
type Normalization struct {
	// OpenCC is an OpenCC configuration (t2s, s2t, tw2sp …) or "none";
	// "" means t2s.
	OpenCC string `yaml:"opencc"`
}

// Schedule says when the source is crawled (used by the scheduler).
type Schedule struct {
	// Cron is a cron expression (5 fields); exclusive with Interval.
	Cron string `yaml:"cron"`
	// Interval polls entry points every Interval; with MinInterval and
	// MaxInterval set, the interval adapts within [min, max] to how often
	// entry points change. Zero (and no Cron) means 15m.
	Interval    Duration `yaml:"interval"`
	MinInterval Duration `yaml:"min_interval"`
	MaxInterval Duration `yaml:"max_interval"`
	// Jitter delays each run by a random duration up to Jitter.
	Jitter Duration `yaml:"jitter"`
	// Refetch re-fetches articles this long after the first fetch to pick
	// up corrections (at most RefetchTimes times); zero means never.
	Refetch      Duration `yaml:"refetch"`
	RefetchTimes int      `yaml:"refetch_times"`
	// DegradedAfter consecutive failed runs mark the source degraded;
	// zero means 5. A degraded source is retried every DegradedInterval
	// (zero means 6h).
	DegradedAfter    int      `yaml:"degraded_after"`
	DegradedInterval Duration `yaml:"degraded_interval"`

	cronSched cron.Schedule // Cron, parsed by Validate
}

// Duration is a time.Duration written as "1500ms", "10s", "2h" or "30d".
type Duration time.Duration

// ByteSize is a size written as "512KiB", "10MiB", "1GB" or a number of
// bytes.
type ByteSize int64
