package demosite

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults.
const (
	// DefaultSlowDelay is how long the slow article waits by default.
	DefaultSlowDelay = 3 * time.Second
	// DefaultCrawlDelay is the Crawl-delay robots.txt announces by default.
	DefaultCrawlDelay = 50 * time.Millisecond
	// FlakyFailures is how many 503 answers the flaky article gives
	// before it serves the article.
	FlakyFailures = 2
	// OversizedBytes is the size of the oversized page.
	OversizedBytes = 12 << 20
	// BombBytes is the inflated size of the gzip bomb.
	BombBytes = 1 << 30

	maxRequestLog = 1 << 16
)

// Special paths.
const (
	PathMissing   = "/news/special/missing.html"
	PathLoopA     = "/news/special/loop-a.html"
	PathLoopB     = "/news/special/loop-b.html"
	PathOversized = "/news/special/oversized.html"
	PathBomb      = "/news/special/bomb.html"
	PathSpecial   = "/news/special/index.html"
)

// ErrCorpus reports that the embedded corpus or templates are broken (a
// build defect; see Site.Err).
var ErrCorpus = errors.New("demosite: embedded corpus")

// Options configure New and NewLinkDense. The zero value is ready to use.
type Options struct {
	// SlowDelay is how long the slow article waits before it answers;
	// zero (or negative) means DefaultSlowDelay. The wait ends early when
	// the client goes away.
	SlowDelay time.Duration
	// CrawlDelay is the Crawl-delay robots.txt announces; zero means
	// DefaultCrawlDelay, negative means no Crawl-delay line.
	CrawlDelay time.Duration
	// Logger receives one debug record per request and errors; nil
	// discards.
	Logger *slog.Logger
	// OnRequest, when set, is called once per request after the response
	// is written (from the serving goroutine: keep it short).
	OnRequest func(Request)

	// Pages is the number of pages of the link-dense site (NewLinkDense
	// only); zero means 20,000.
	Pages int
	// PageBytes is the size of every link-dense page (NewLinkDense only);
	// zero means 30 KiB. Pages are never smaller than their links need.
	PageBytes int
	// Hosts spreads the link-dense pages over these host names, matched
	// against the request's Host header ("a.test" or "a.test:8080");
	// page n lives on Hosts[n % len(Hosts)]. Nil means one site on
	// whatever host it is served (NewLinkDense only).
	Hosts []string
	// LinksPerPage is the number of article links on every link-dense
	// page, duplicates and tracking-parameter variants included
	// (NewLinkDense only); zero means 50.
	LinksPerPage int
	// Layout is how every link-dense page is composed (NewLinkDense
	// only); the zero value is LayoutArticleText.
	Layout Layout
}

// Request is one request the site answered.
type Request struct {
	// Time is when the request arrived. Requests are logged on arrival.
	Time time.Time
	// Duration is how long the answer took; zero while in flight.
	Duration                                time.Duration
	Method, Host, Path, RawQuery, UserAgent string
	// Status is the HTTP status sent; zero while the handler runs (a
	// client may read its response a moment before the status is logged).
	Status int
}

// Site is the demo news site. It is safe for concurrent use.
type Site struct {
	opts Options
	log  *slog.Logger
	err  error
	c    *corpus
	m    *model
	tmpl *template.Template

	bombOnce   sync.Once
	bombMember []byte
	big5Once   sync.Once
	big5       map[rune][2]byte

	mu     sync.Mutex
	flaky  int
	reqs   []Request
	gen    int // bumped by ResetRequests
	counts map[string]int
}

// New builds the demo site. Its content is generated at construction,
// deterministically: every Site serves the same bytes for the same
// request (absolute URLs take the request's Host).
func New(opts Options) *Site {
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = DefaultSlowDelay
	}
	if opts.CrawlDelay == 0 {
		opts.CrawlDelay = DefaultCrawlDelay
	}
	s := &Site{opts: opts, log: opts.Logger, counts: map[string]int{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	c, err := loadCorpus()
	if err == nil {
		s.c = c
		s.tmpl, err = parseTemplates()
	}
	if err == nil {
		s.m = buildModel(c)
		if len(s.m.errs) > 0 {
			err = fmt.Errorf("%s", strings.Join(s.m.errs, "; "))
		}
	}
	if err != nil {
		s.err = fmt.Errorf("%w: %w", ErrCorpus, err)
		if s.m == nil {
			s.m = &model{byPath: map[string]*page{}, bySection: map[string][]*page{}}
		}
	}
	return s
}

// Err reports whether the embedded content was built without defects.
// It is nil in any release build (the tests check it); a non-nil Err means
// pages may be missing or incomplete.
func (s *Site) Err() error { return s.err }

// Handler returns the site's HTTP handler.
func (s *Site) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Requests returns a copy of the request log, oldest first. The log keeps
// the first 65,536 requests (see ResetRequests).
func (s *Site) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// RequestCount returns how many requests asked for path (any query).
func (s *Site) RequestCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// ResetRequests empties the request log and the per-path counts.
func (s *Site) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs, s.counts = nil, map[string]int{}
	s.gen++
}

// ResetFlaky makes the flaky article fail FlakyFailures times again.
func (s *Site) ResetFlaky() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flaky = 0
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	req := Request{Time: time.Now(), Method: r.Method, Host: r.Host, Path: r.URL.Path,
		RawQuery: r.URL.RawQuery, UserAgent: r.UserAgent()}
	// Log on arrival, so a client that has its response sees its request
	// in Requests; the status is filled in when the handler returns.
	s.mu.Lock()
	idx := -1
	if len(s.reqs) < maxRequestLog {
		idx = len(s.reqs)
		s.reqs = append(s.reqs, req)
	}
	if _, ok := s.counts[req.Path]; ok || len(s.counts) < maxRequestLog {
		s.counts[req.Path]++
	}
	gen := s.gen
	s.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	s.route(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	req.Status, req.Duration = sw.status, time.Since(req.Time)
	s.mu.Lock()
	if idx >= 0 && gen == s.gen {
		s.reqs[idx] = req
	}
	s.mu.Unlock()
	s.log.Debug("demo site request", "method", req.Method, "host", req.Host, "url", r.URL.String(), "status", req.Status)
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(req)
	}
}

func (s *Site) route(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.err != nil && s.c == nil {
		http.Error(w, s.err.Error(), http.StatusInternalServerError)
		return
	}
	path := r.URL.Path
	base := baseURL(r)
	html := "text/html; charset=utf-8"
	switch path {
	case "/", "/index.html":
		s.respond(w, r, html, s.newest(), s.renderHome)
		return
	case "/robots.txt":
		s.respond(w, r, "text/plain; charset=utf-8", s.newest(), func() ([]byte, error) { return s.robots(base), nil })
		return
	case "/sitemap.xml":
		s.respond(w, r, "application/xml; charset=utf-8", s.newest(), func() ([]byte, error) { return s.sitemapIndex(base), nil })
		return
	case "/sitemap-news.xml":
		s.respond(w, r, "application/xml; charset=utf-8", s.newest(), func() ([]byte, error) { return s.newsSitemap(base), nil })
		return
	case "/sitemap-archive.xml.gz":
		s.respond(w, r, "application/x-gzip", s.newest(), func() ([]byte, error) { return s.archiveSitemap(base) })
		return
	case "/rss.xml":
		s.respond(w, r, "application/rss+xml; charset=utf-8", s.newest(), func() ([]byte, error) { return s.rss(base), nil })
		return
	case "/news/special/", PathSpecial:
		s.respond(w, r, html, s.newest(), s.renderSpecialListing)
		return
	case PathMissing:
		s.notFound(w, r)
		return
	case PathLoopA:
		http.Redirect(w, r, "loop-b.html", http.StatusFound)
		return
	case PathLoopB:
		http.Redirect(w, r, "loop-a.html", http.StatusFound)
		return
	case PathOversized:
		s.serveOversized(w, r)
		return
	case PathBomb:
		s.serveBomb(w, r)
		return
	case "/about/report.html":
		s.respond(w, r, html, s.newest(), func() ([]byte, error) {
			return s.renderSimple("违法和不良信息举报", []string{
				"为维护健康的网络环境，本网受理低俗色情、网络谣言、侵权等违法和不良信息举报。",
				"举报电话：0774-0000000，受理时间：工作日9:00—17:30。"}, nil)
		})
		return
	case "/app/index.html":
		s.respond(w, r, html, s.newest(), func() ([]byte, error) {
			return s.renderSimple("梧州零距离客户端", []string{"梧州零距离客户端提供本地新闻、政务服务和便民查询，欢迎下载使用。"}, nil)
		})
		return
	case "/private/drafts/index.html":
		s.respond(w, r, html, s.newest(), func() ([]byte, error) {
			return s.renderSimple("采编内网：待审稿件", []string{"本页面仅限内部采编人员访问。"}, items(s.m.latest[:min(3, len(s.m.latest))], scriptHans))
		})
		return
	case "/private/admin/login.html":
		s.respond(w, r, html, s.newest(), func() ([]byte, error) {
			return s.renderSimple("管理登录", []string{"请使用内网账号登录。"}, nil)
		})
		return
	}
	if strings.HasPrefix(path, "/images/") || strings.HasPrefix(path, "/static/") {
		s.serveAsset(w, r)
		return
	}
	if p, ok := s.m.byPath[path]; ok {
		s.serveArticle(w, r, p, base)
		return
	}
	if sec, n, ok := s.listing(path); ok {
		s.respond(w, r, html, s.newest(), func() ([]byte, error) { return s.renderListing(sec, n) })
		return
	}
	s.notFound(w, r)
}

// listing resolves /news/<slug>/, index.html and index_N.html.
func (s *Site) listing(path string) (section, int, bool) {
	rest, ok := strings.CutPrefix(path, "/news/")
	if !ok {
		return section{}, 0, false
	}
	slug, file, ok := strings.Cut(rest, "/")
	if !ok {
		return section{}, 0, false
	}
	for _, sec := range s.m.sections {
		if sec.slug != slug {
			continue
		}
		n := 1
		switch {
		case file == "" || file == "index.html":
		case strings.HasPrefix(file, "index_") && strings.HasSuffix(file, ".html"):
			v, err := strconv.Atoi(file[len("index_") : len(file)-len(".html")])
			if err != nil || v < 2 || strconv.Itoa(v) != file[len("index_"):len(file)-len(".html")] {
				return section{}, 0, false
			}
			n = v
		default:
			return section{}, 0, false
		}
		if n > listingPages(len(s.m.bySection[slug])) {
			return section{}, 0, false
		}
		return sec, n, true
	}
	return section{}, 0, false
}

func (s *Site) serveArticle(w http.ResponseWriter, r *http.Request, p *page, base string) {
	switch p.m.Special {
	case "flaky":
		s.mu.Lock()
		s.flaky++
		fail := s.flaky <= FlakyFailures
		s.mu.Unlock()
		if fail {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "service temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
	case "slow":
		t := time.NewTimer(s.opts.SlowDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	s.respond(w, r, p.m.ContentType, p.published, func() ([]byte, error) { return s.renderArticle(p, base, false) })
}

// respond serves a rendered body with validators, so conditional GETs
// (If-None-Match, If-Modified-Since) get 304 and HEAD works.
func (s *Site) respond(w http.ResponseWriter, r *http.Request, contentType string, modified time.Time, render func() ([]byte, error)) {
	body, err := render()
	if err != nil {
		s.log.Error("demo site render failed", "url", r.URL.String(), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := fnv.New64a()
	h.Write(body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("ETag", `"`+strconv.FormatUint(h.Sum64(), 16)+`"`)
	http.ServeContent(w, r, "", modified, bytes.NewReader(body))
}

func (s *Site) notFound(w http.ResponseWriter, r *http.Request) {
	body, err := s.renderSimple("页面不存在", []string{"您访问的页面不存在或已被删除。"}, nil)
	if err != nil {
		body = []byte("404 page not found")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// serveAsset answers image and stylesheet requests with tiny fixed bodies.
func (s *Site) serveAsset(w http.ResponseWriter, r *http.Request) {
	ct, body := "text/css; charset=utf-8", []byte("body{font-family:sans-serif}\n")
	if strings.HasPrefix(r.URL.Path, "/images/") {
		// A 1x1 transparent GIF.
		ct, body = "image/gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	}
	w.Header().Set("Content-Type", ct)
	http.ServeContent(w, r, "", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), bytes.NewReader(body))
}

// newest is the publication time of the newest listed article: the
// Last-Modified of listings, feeds and sitemaps.
func (s *Site) newest() time.Time {
	if len(s.m.latest) == 0 {
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return s.m.latest[0].published
}

// baseURL is scheme://host of the request.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// writeAll writes b unless the request is HEAD; errors mean the client
// went away.
func writeAll(w io.Writer, r *http.Request, b []byte) error {
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(b)
	return err
}
