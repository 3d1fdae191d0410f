// Package robots fetches, caches and evaluates robots.txt files
// (github.com/temoto/robotstxt parses them).
//
// A [Cache] keeps one entry per origin (scheme://host:port) for a TTL and
// fetches each origin's file once even when many workers ask at the same
// time. The fetch goes through the caller's HTTP client, so it gets the
// same SSRF guard, timeouts and redirect limit as page fetches.
//
// What a response means (as Google documents it):
//
//   - 2xx: the file's rules apply; a file that fails to parse allows
//     everything (StatusInvalid).
//   - 4xx other than 429, and redirect chains that end without a file:
//     no robots.txt, everything is allowed (StatusMissing).
//   - 429, 5xx, network errors and blocked addresses: the site is
//     unavailable and everything is disallowed (StatusUnavailable) until
//     the entry expires, after ErrorTTL rather than the TTL, so the file is
//     asked for again soon.
//
// # Caveats
//
//   - Only the first MaxSize bytes (500 KiB) are read; rules beyond are
//     ignored, as Google does.
//   - Groups are matched by the longest user-agent prefix of the
//     caller's User-Agent, case-insensitively ("winnow" matches
//     "winnow/1").
//   - Entries are never evicted before they expire; one entry per origin
//     crawled is kept.
package robots

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// Status says how a robots.txt answer was read.
type Status string

// Statuses of Rules.
const (
	StatusOK          Status = "ok"          // rules from the file apply
	StatusMissing     Status = "missing"     // no file (4xx): allow all
	StatusInvalid     Status = "invalid"     // a file that does not parse: allow all
	StatusUnavailable Status = "unavailable" // 429, 5xx or unreachable: disallow all
)

// Doer sends HTTP requests; *http.Client implements it.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Options configures a Cache. Zero values mean the defaults.
type Options struct {
	// ErrorTTL is how long an unavailable answer is cached (capped by the
	// TTL passed to Get). Zero: 5m.
	ErrorTTL time.Duration
	// MaxSize bounds the bytes read from a file. Zero: 500 KiB.
	MaxSize int64
	// Now returns the current time. Zero: time.Now.
	Now func() time.Time
}

// Rules is one origin's robots.txt as read at Fetched.
type Rules struct {
	// Status says how the answer was read.
	Status Status
	// Fetched is when the file was asked for; Expires when the entry
	// stops being used.
	Fetched time.Time
	Expires time.Time
	// Err is why the origin is unavailable (StatusUnavailable) or the
	// parse error (StatusInvalid); nil otherwise.
	Err  error
	data *robotstxt.RobotsData
}

// Allowed reports whether userAgent may fetch requestURI (the escaped
// path and query, e.g. "/a/b?c=d").
func (r *Rules) Allowed(userAgent, requestURI string) bool {
	switch r.Status {
	case StatusUnavailable:
		return false
	case StatusOK:
		if requestURI == "" {
			requestURI = "/"
		}
		return r.data.FindGroup(userAgent).Test(requestURI)
	default:
		return true
	}
}

// CrawlDelay is the Crawl-delay of userAgent's group, zero if none.
func (r *Rules) CrawlDelay(userAgent string) time.Duration {
	if r.Status != StatusOK {
		return 0
	}
	return r.data.FindGroup(userAgent).CrawlDelay
}

// Sitemaps are the file's Sitemap: lines, as written.
func (r *Rules) Sitemaps() []string {
	if r.Status != StatusOK {
		return nil
	}
	return r.data.Sitemaps
}

// Cache fetches and caches robots.txt per origin. It is safe for
// concurrent use.
type Cache struct {
	doer    Doer
	opts    Options
	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	ready chan struct{} // closed once rules is set
	rules *Rules
}

// NewCache returns a cache that fetches through doer.
func NewCache(doer Doer, opts Options) *Cache {
	if opts.ErrorTTL <= 0 {
		opts.ErrorTTL = 5 * time.Minute
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = 500 << 10
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{doer: doer, opts: opts, entries: make(map[string]*entry)}
}

// Origin returns the cache key of u: scheme://host[:port], lower-case.
func Origin(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

// Cached returns the unexpired rules of origin without fetching.
func (c *Cache) Cached(origin string) (*Rules, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[origin]
	if !ok || e.rules == nil || !c.opts.Now().Before(e.rules.Expires) {
		return nil, false
	}
	return e.rules, true
}

// Get returns the rules of origin (from Origin), fetching
// origin/robots.txt with userAgent when nothing unexpired is cached;
// concurrent callers share one fetch. ttl is how long a fetched file
// stays cached (zero: 1h). The error is only ever the context's: failures
// to fetch are reported as StatusUnavailable rules.
func (c *Cache) Get(ctx context.Context, origin, userAgent string, ttl time.Duration) (*Rules, error) {
	if ttl <= 0 {
		ttl = time.Hour
	}
	for {
		c.mu.Lock()
		e, ok := c.entries[origin]
		if ok && e.rules != nil && !c.opts.Now().Before(e.rules.Expires) {
			ok = false // expired: fetch again
		}
		if !ok {
			e = &entry{ready: make(chan struct{})}
			c.entries[origin] = e
			c.mu.Unlock()
			rules, err := c.fetch(ctx, origin, userAgent, ttl)
			c.mu.Lock()
			if err != nil { // canceled: let the next caller try
				delete(c.entries, origin)
				close(e.ready)
				c.mu.Unlock()
				return nil, err
			}
			e.rules = rules
			close(e.ready)
			c.mu.Unlock()
			return rules, nil
		}
		c.mu.Unlock()
		select {
		case <-e.ready:
			if e.rules != nil {
				return e.rules, nil
			}
			// the fetcher was canceled; try again
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *Cache) fetch(ctx context.Context, origin, userAgent string, ttl time.Duration) (*Rules, error) {
	now := c.opts.Now()
	unavailable := func(err error) (*Rules, error) {
		errTTL := min(c.opts.ErrorTTL, ttl)
		return &Rules{Status: StatusUnavailable, Fetched: now, Expires: now.Add(errTTL), Err: err}, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/robots.txt", nil)
	if err != nil {
		return unavailable(fmt.Errorf("robots: %w", err))
	}
	if userAgent != "" {
		req.Header.Set("User-Agent", userAgent)
	}
	req.Header.Set("Accept", "text/plain, */*;q=0.5")
	resp, err := c.doer.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return unavailable(fmt.Errorf("robots: %s: %w", origin, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxSize))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return unavailable(fmt.Errorf("robots: %s: %w", origin, err))
	}
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		data, err := robotstxt.FromBytes(body)
		if err != nil {
			return &Rules{Status: StatusInvalid, Fetched: now, Expires: now.Add(ttl), Err: err}, nil
		}
		return &Rules{Status: StatusOK, Fetched: now, Expires: now.Add(ttl), data: data}, nil
	case code == http.StatusTooManyRequests || code >= 500:
		return unavailable(fmt.Errorf("robots: %s: HTTP %d", origin, code))
	default: // 3xx left unfollowed, 4xx
		return &Rules{Status: StatusMissing, Fetched: now, Expires: now.Add(ttl)}, nil
	}
}
