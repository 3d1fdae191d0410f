package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"winnow/cleaner/normalize"
	"winnow/crawler/schedule"
	"winnow/sink/dashboard"
	"winnow/sink/natsbus"
)

// serveFlags are the flags of `winnow serve`.
type serveFlags struct {
	listen    string
	tokenFile string
	rules     string
	store     analystFlags
}

// readToken returns the access token: the first line of the token file,
// else $WINNOW_TOKEN. Tokens shorter than 16 characters are refused.
func readToken(file string) (string, error) {
	tok := os.Getenv("WINNOW_TOKEN")
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		tok, _, _ = strings.Cut(string(data), "\n")
	}
	tok = strings.TrimSpace(tok)
	if tok != "" && len(tok) < 16 {
		return "", usagef("the access token must be at least 16 characters")
	}
	return tok, nil
}

// analystSurface builds the analyst page and the metrics handler over an
// opened store: the dashboard (with raw pages and the text before
// hygiene from the WARC archive, corrections written to rulesFile) and
// /metrics, both behind token when it is not "". It is what `winnow
// serve` mounts, and what `winnow run --listen` can mount beside its
// own handlers.
func analystSurface(st *analystStore, m *metrics, rulesFile, token string, log *slog.Logger) (map[string]http.Handler, error) {
	return analystSurfaceWith(st, m, rulesFile, token, nil, log)
}

// analystSurfaceWith is analystSurface with the sources board fed by
// sources (the scheduler's states; nil: the store's counts alone).
func analystSurfaceWith(st *analystStore, m *metrics, rulesFile, token string, sources func(context.Context) ([]dashboard.SourceStatus, error), log *slog.Logger) (map[string]http.Handler, error) {
	conv, err := normalize.New(normalize.Default)
	if err != nil {
		return nil, err
	}
	page, err := dashboard.New(dashboard.Options{
		Analyst:  st.an,
		RawPage:  st.rawPage,
		Original: st.original,
		MarkFalsePositive: func(ctx context.Context, fp dashboard.FalsePositive) (string, error) {
			e, v, err := markFalsePositive(ctx, st.an, rulesFile, conv.Convert, fp.ArticleID, fp.Position, fp.Note)
			if err != nil {
				return "", err
			}
			log.Info("false positive marked", "stage", "audit", "article_id", fp.ArticleID, "position", fp.Position,
				"rules_file", rulesFile, "rules_version", v, "allow_rule", e.Rule)
			return fmt.Sprintf("Allow entry added to %s (version %s); run winnow replay --rules %s to see what changes.", rulesFile, v, rulesFile), nil
		},
		Simplify: conv.Convert,
		Sources:  sources,
		Token:    token,
		Logger:   log,
	})
	if err != nil {
		return nil, err
	}
	return map[string]http.Handler{
		"GET /metrics": dashboard.Authorize(token, m.handler()),
		"/":            page,
	}, nil
}

// runServe serves the analyst page: `winnow serve [--listen ADDR]`. With
// --nats-url (the analyst NATS user: read-only) the page's sources board
// shows the scheduler's states from crawl_state and /metrics the DLQ's
// size; without it the board shows the store's counts.
func runServe(ctx context.Context, std stdio, args []string) error {
	const usage = "[--listen ADDR] [--token-file FILE] [--postgres DSN] [--rules FILE] [--nats-url URL …]"
	fs, data := flagSet(std, "serve", usage)
	var f serveFlags
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address to serve on; anything but loopback requires a token")
	fs.StringVar(&f.tokenFile, "token-file", "", "file whose first line is the access token (else $WINNOW_TOKEN)")
	fs.StringVar(&f.rules, "rules", "", "rules override file the page's false-positive corrections go to (default DATA/rules-override.yaml)")
	f.store.register(fs)
	var bf busFlags
	bf.register(fs)
	metricsAddr := fs.String("metrics-addr", "", "also serve /metrics (no token), /healthz and /readyz on this address")
	level := logLevelFlag(fs)
	*level = slog.LevelInfo
	setUsage(fs, "serve", usage)
	if err := parseFlagsEnvNoArgs(fs, args); err != nil {
		return err
	}
	token, err := readToken(f.tokenFile)
	if err != nil {
		return err
	}
	if token == "" && !dashboard.Loopback(f.listen) {
		return usagef("--listen %s is not loopback: give a token with --token-file or WINNOW_TOKEN", f.listen)
	}
	if f.rules == "" {
		f.rules = defaultOverride(*data)
	}
	log := newLogger(std.err, *level).With("role", "serve")
	st, err := openAnalystStore(ctx, *data, f.store, false, log)
	if err != nil {
		return err
	}
	defer st.Close()
	m := newMetrics()
	ready := []readyCheck{{name: "store", check: st.ping}}
	var (
		board func(context.Context) ([]dashboard.SourceStatus, error)
		poll  func(context.Context) (lagSample, error)
	)
	if bf.external() {
		cfg, err := bf.config()
		if err != nil {
			return err
		}
		conn, err := bf.connect(ctx, "serve", log.With("stage", "nats"))
		if err != nil {
			return err
		}
		defer conn.Close()
		kv, err := natsbus.OpenState(ctx, conn.JetStream(), cfg)
		if err != nil {
			return err
		}
		ctl, err := schedule.New(schedule.Options{Store: kvStore{kv}, Logger: log})
		if err != nil {
			return err
		}
		board = sourcesBoard(ctl)
		ready = append(ready, natsReady(conn))
		poll = func(ctx context.Context) (lagSample, error) {
			s, err := pollLag(ctx, conn, cfg, lagDLQ, nil, nil)
			if err != nil {
				return s, err
			}
			s.Phases, err = sourcePhases(ctx, ctl)
			return s, err
		}
	}
	handlers, err := analystSurfaceWith(st, m, f.rules, token, board, log)
	if err != nil {
		return err
	}
	mux := newMux(muxParts{ready: ready, handlers: handlers})
	addr, errc, err := listenHTTP(ctx, f.listen, accessLog(log, mux))
	if err != nil {
		return err
	}
	stopMetrics, err := serveRoleHTTP(ctx, std, *metricsAddr, m, ready, log, poll)
	if err != nil {
		return err
	}
	if *metricsAddr == "" && poll != nil {
		go m.pollLag(ctx, lagPollInterval, log, poll)
	}
	log.Info("serving the analyst page", "stage", "serve", "addr", addr.String(), "token", token != "")
	fmt.Fprintf(std.err, "analyst page on http://%s/ (metrics on /metrics)\n", addr)
	err = <-errc
	return errors.Join(func() error {
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}(), stopMetrics())
}

// accessLog logs one line per request at debug level (and server errors
// at warn), with stable keys.
func accessLog(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rw, r)
		level := slog.LevelDebug
		if rw.status >= 500 {
			level = slog.LevelWarn
		}
		log.Log(r.Context(), level, "http request", "stage", "http", "method", r.Method, "path", r.URL.Path, "status", strconv.Itoa(rw.status))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
