package crawler

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"winnow/crawler/frontier"
	"winnow/crawler/robots"
	"winnow/crawler/source"
	"winnow/crawler/ssrf"
)

// Options configures a Crawler. Every zero value is a safe default.
type Options struct {
	// Workers is the number of fetch workers (each drives its own
	// synchronous Colly collector). Zero: 8.
	Workers int
	// Frontier is the work queue. Nil: a fresh in-memory frontier for
	// every Run (the run ends when it is idle).
	Frontier frontier.Frontier
	// NoSeeds stops Run from adding the sources' seeds to the frontier,
	// for a frontier shared by several crawlers where one party (the
	// scheduler, or `winnow run` at start) adds them when a source is due,
	// with SeedTasks. Zero: every Run adds them.
	NoSeeds bool
	// State keeps entry points' validators (ETag, Last-Modified) between
	// runs. Nil: in memory, for the Crawler's lifetime.
	State StateStore
	// Archiver stores every fetched 2xx response; its ref becomes
	// Page.RawRef. Nil: nothing is archived.
	Archiver Archiver
	// Logger receives structured logs (keys url, host, source, err). Nil:
	// discarded.
	Logger *slog.Logger
	// OnOutcome is called once for every task taken from the frontier
	// that reaches a final state (see Outcome). Calls are serialized.
	// Nil: outcomes are only counted in the Summary.
	OnOutcome func(Outcome)
	// AllowNetworks are address prefixes the SSRF guard lets through
	// although they are blocked by default (tests allow 127.0.0.0/8).
	// Nil: none; loopback, private, link-local … are refused.
	AllowNetworks []netip.Prefix
	// Resolver resolves host names for the SSRF guard. Nil:
	// net.DefaultResolver.
	Resolver ssrf.Resolver
	// HostQueue bounds the tasks waiting per host inside the engine;
	// when a host's queue is full its further tasks go back to the
	// frontier for later. Zero: 64.
	HostQueue int
	// MaxPending bounds the tasks taken from the frontier and not yet
	// finished (queued, in flight or waiting for a retry). Zero: 1024.
	MaxPending int
	// MaxRetryAfter caps how long a Retry-After header may hold a host.
	// Zero: 10m.
	MaxRetryAfter time.Duration
	// RobotsErrorTTL is how long an unreachable or 5xx robots.txt keeps
	// its host disallowed before it is asked for again. Zero: 5m.
	RobotsErrorTTL time.Duration
}

// Crawler fetches pages of sources and hands them to a Handler. It keeps
// the robots.txt cache, validators and connection pools between runs.
// Runs may overlap when each has its own frontier (the default); runs
// sharing Options.Frontier would take each other's tasks.
type Crawler struct {
	opts   Options
	log    *slog.Logger
	state  StateStore
	robots *robots.Cache

	mu         sync.Mutex
	transports map[source.Timeouts]*http.Transport
}

// New validates opts and returns a Crawler.
func New(opts Options) (*Crawler, error) {
	switch {
	case opts.Workers < 0:
		return nil, fmt.Errorf("%w: Workers %d is negative", ErrInvalidOptions, opts.Workers)
	case opts.HostQueue < 0:
		return nil, fmt.Errorf("%w: HostQueue %d is negative", ErrInvalidOptions, opts.HostQueue)
	case opts.MaxPending < 0:
		return nil, fmt.Errorf("%w: MaxPending %d is negative", ErrInvalidOptions, opts.MaxPending)
	case opts.MaxRetryAfter < 0 || opts.RobotsErrorTTL < 0:
		return nil, fmt.Errorf("%w: negative duration", ErrInvalidOptions)
	}
	for _, p := range opts.AllowNetworks {
		if !p.IsValid() {
			return nil, fmt.Errorf("%w: AllowNetworks has an invalid prefix", ErrInvalidOptions)
		}
	}
	if opts.Workers == 0 {
		opts.Workers = 8
	}
	if opts.HostQueue == 0 {
		opts.HostQueue = 64
	}
	if opts.MaxPending == 0 {
		opts.MaxPending = 1024
	}
	if opts.MaxRetryAfter == 0 {
		opts.MaxRetryAfter = 10 * time.Minute
	}
	if opts.RobotsErrorTTL == 0 {
		opts.RobotsErrorTTL = 5 * time.Minute
	}
	c := &Crawler{
		opts:       opts,
		log:        opts.Logger,
		state:      opts.State,
		transports: make(map[source.Timeouts]*http.Transport),
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.state == nil {
		c.state = &MemoryState{}
	}
	// robots.txt goes through the guarded transport with default
	// timeouts and follows at most 5 redirects.
	robotsTimeouts := source.Fetch{}.Timeouts()
	rt, err := c.transport(robotsTimeouts)
	if err != nil {
		return nil, err
	}
	robotsClient := &http.Client{
		Transport: rt,
		Timeout:   robotsTimeouts.Total,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	c.robots = robots.NewCache(robotsClient, robots.Options{ErrorTTL: opts.RobotsErrorTTL})
	return c, nil
}

// transport returns the shared transport for a set of timeouts: no proxy
// (environment variables are ignored), the SSRF guard as dialer, the TLS
// and response-header timeouts, gzip requested and decoded by the
// transport.
func (c *Crawler) transport(t source.Timeouts) (*http.Transport, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tr, ok := c.transports[t]; ok {
		return tr, nil
	}
	g, err := ssrf.New(ssrf.Options{Allow: c.opts.AllowNetworks, Resolver: c.opts.Resolver, Timeout: t.Connect})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            g.DialContext,
		TLSHandshakeTimeout:    t.TLS,
		ResponseHeaderTimeout:  t.Header,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           4 * c.opts.Workers,
		MaxIdleConnsPerHost:    c.opts.Workers,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
		ForceAttemptHTTP2:      true,
	}
	c.transports[t] = tr
	return tr, nil
}

// closeIdle closes idle keep-alive connections of every transport.
func (c *Crawler) closeIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tr := range c.transports {
		tr.CloseIdleConnections()
	}
}

// Close releases idle connections. The Crawler stays usable.
func (c *Crawler) Close() error {
	c.closeIdle()
	return nil
}
