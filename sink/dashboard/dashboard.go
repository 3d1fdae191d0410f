// Package dashboard is winnow's analyst web page: a dashboard with charts
// (removals per rule per day, spam-page rate per source, crawl outcomes
// per source over time) and the sources status board, a filterable,
// paginated table of removals, the article view (title and body with each
// removal marked in place and its reason, page-field removals listed, a
// link to the archived raw response), full-text search of clean articles,
// and a "mark false positive" form.
//
// New returns an http.Handler. Pages are rendered on the server with
// html/template, so every piece of page text (titles, bodies, removed
// lines, reasons, URLs) is escaped in its context; charts are inline SVG
// drawn on the server. The only script is one small embedded file
// (/static/app.js) and every response carries a strict
// Content-Security-Policy (no inline script or style, no external
// origin, no framing), so a removed line such as <script>…</script> or
// an attribute-breaking quote renders as inert text. The archived raw
// response is served as text/plain with a sandbox CSP, never as HTML.
//
// Authentication: with Options.Token set, every request needs
// "Authorization: Bearer <token>" or the HttpOnly session cookie that the
// login form sets; without it (the caller decides: only when listening on
// loopback, see Loopback) no token is asked. State-changing requests
// (POST) must come from the same origin (net/http's
// CrossOriginProtection) and carry the page's CSRF token.
//
// Everything the page shows comes through Options: the analyst queries
// (sink/analyst), and injected functions for the sources board, the raw
// page, the text before hygiene, the false-positive correction and the
// Traditional-to-Simplified conversion of queries. The package imports no
// store, crawler or cleaner.
//
// Caveats: the sources board and the charts are computed on every
// request (fine for analyst traffic, not for a public site); the article
// view marks removals in place only when Options.Original can rebuild the
// text before hygiene (otherwise the removals are listed beside the clean
// body); the session cookie is not bound to a user (one shared token).
package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"winnow/sink/analyst"
	"winnow/sink/record"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Errors.
var (
	// ErrOptions is wrapped by New when Options are unusable.
	ErrOptions = errors.New("dashboard: invalid options")
)

// Querier is what the page asks of the store: *analyst.Analyst
// implements it.
type Querier interface {
	Removals(ctx context.Context, f analyst.Filter) (analyst.RemovalPage, error)
	Stats(ctx context.Context, f analyst.Filter) (analyst.Stats, error)
	Article(ctx context.Context, id string) (*analyst.ArticleView, error)
	Outcomes(ctx context.Context, f analyst.Filter) ([]analyst.OutcomeCount, error)
	Search(ctx context.Context, q string, limit int) ([]analyst.Hit, error)
	Facets(ctx context.Context) (analyst.Facets, error)
}

var _ Querier = (*analyst.Analyst)(nil)

// SourceStatus is one row of the sources board, as the scheduler knows
// it.
type SourceStatus struct {
	ID string
	// State is active, paused, degraded … ("" when unknown).
	State string
	// LastRun is the end of the last run and NextDue the next one; zero
	// when unknown.
	LastRun, NextDue time.Time
	// Failures counts consecutive failed runs.
	Failures int
	// Detail is a short note (the last error).
	Detail string
}

// RawPage is an archived HTTP response.
type RawPage struct {
	URL        string
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Original is the text of a page before hygiene (as extracted, before
// normalization), for marking removals in place.
type Original struct {
	// Titles are the title candidates, best first.
	Titles []string
	// Body is the body paragraphs in order.
	Body []string
	// Page is the rest of the page text (outside title and body).
	Page []string
}

// FalsePositive is an analyst's correction of one removal.
type FalsePositive struct {
	ArticleID string
	Position  int
	Note      string
}

// Options configure the page. Only Analyst is required.
type Options struct {
	// Analyst answers the queries. Required.
	Analyst Querier
	// Sources returns the sources board's scheduler state; nil builds
	// the board from the store's counts alone.
	Sources func(ctx context.Context) ([]SourceStatus, error)
	// RawPage reads the archived response a record's raw_ref points at;
	// nil hides the raw-page link.
	RawPage func(ctx context.Context, ref string) (*RawPage, error)
	// Original rebuilds a record's text before hygiene (from the
	// archived page); nil lists removals beside the clean body.
	Original func(ctx context.Context, a *record.Article) (*Original, error)
	// MarkFalsePositive records a correction and returns a message for
	// the analyst (the override file's new version, say); nil hides the
	// form.
	MarkFalsePositive func(ctx context.Context, fp FalsePositive) (string, error)
	// Simplify converts a search query to Simplified script (records
	// are stored Simplified); nil searches the query as typed.
	Simplify func(string) string
	// Token, when not "", is required on every request (Bearer header
	// or the login cookie). Leave it "" only on a loopback listener.
	Token string
	// Secret keys the CSRF tokens and the session cookie; nil means 32
	// random bytes (sessions end when the process does).
	Secret []byte
	// Days is how many days the charts cover, ending today; zero means
	// 30.
	Days int
	// PageSize is the removals table's page size; zero means 50.
	PageSize int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives request errors; nil discards.
	Logger *slog.Logger
}

// Server is the analyst page; it is an http.Handler, safe for concurrent
// use.
type Server struct {
	opts    Options
	log     *slog.Logger
	tmpl    map[string]*template.Template
	mux     *http.ServeMux
	handler http.Handler
}

// New validates opts and builds the page.
func New(opts Options) (*Server, error) {
	if opts.Analyst == nil {
		return nil, fmt.Errorf("%w: Analyst is nil", ErrOptions)
	}
	if opts.Days < 0 || opts.PageSize < 0 {
		return nil, fmt.Errorf("%w: negative Days or PageSize", ErrOptions)
	}
	if opts.Days == 0 {
		opts.Days = 30
	}
	if opts.PageSize == 0 {
		opts.PageSize = 50
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Simplify == nil {
		opts.Simplify = func(s string) string { return s }
	}
	if len(opts.Secret) == 0 {
		opts.Secret = make([]byte, 32)
		if _, err := rand.Read(opts.Secret); err != nil {
			return nil, fmt.Errorf("dashboard: secret: %w", err)
		}
	}
	s := &Server{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.dashboard)
	mux.HandleFunc("GET /removals", s.removals)
	mux.HandleFunc("GET /article/{id}", s.article)
	mux.HandleFunc("GET /article/{id}/raw", s.raw)
	mux.HandleFunc("POST /article/{id}/false-positive", s.falsePositive)
	mux.HandleFunc("GET /search", s.search)
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	s.mux = mux
	cop := http.NewCrossOriginProtection()
	s.handler = securityHeaders(cop.Handler(s.authorize(mux)))
	return s, nil
}

// ServeHTTP serves the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// csp is the Content-Security-Policy of every page: scripts and styles
// from this origin only (no inline code or handlers), no plugins, no
// framing, forms post here.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// Loopback reports whether a listen address ("host:port", ":port" or a
// host) binds only the loopback interface: 127.0.0.0/8, ::1 or
// localhost. ":8080" and "0.0.0.0:8080" listen on every interface.
func Loopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

const sessionCookie = "winnow_session"

func (s *Server) mac(parts ...string) string {
	m := hmac.New(sha256.New, s.opts.Secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) sessionValue() string { return s.mac("session", s.opts.Token) }

// authenticated reports whether r carries the token or a session.
func (s *Server) authenticated(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(auth)), []byte(s.opts.Token)) == 1 {
		return true
	}
	if c, err := r.Cookie(sessionCookie); err == nil &&
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.sessionValue())) == 1 {
		return true
	}
	return false
}

func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authenticated(r) || strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/login" {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="winnow"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
	})
}

// Authorize wraps h (a /metrics handler, say) with the same token check
// as the page: with token "" it returns h unchanged; otherwise requests
// need "Authorization: Bearer <token>".
func Authorize(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(auth)), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="winnow"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// csrfToken is the token forms carry: bound to the session when there is
// one.
func (s *Server) csrfToken(r *http.Request) string {
	session := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		session = c.Value
	}
	return s.mac("csrf", session)
}

func (s *Server) checkCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrfToken(r))) == 1
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", &loginPage{base: s.base(r, "Sign in", "")})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	tok := r.PostFormValue("token")
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.Token)) != 1 {
		s.render(w, r, http.StatusUnauthorized, "login", &loginPage{base: s.base(r, "Sign in", ""), Failed: true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.sessionValue(), Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 12 * 3600})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.checkCSRF(r) {
		http.Error(w, "bad or missing CSRF token", http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
