package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"winnow/sink/natsbus"
)

// readyCheck is one dependency /readyz asks: it returns nil when the
// dependency answers.
type readyCheck struct {
	name  string
	check func(ctx context.Context) error
}

// muxParts are what the HTTP surface of `winnow run` (and later the other
// long-running roles) is built from. Handlers maps further patterns
// (e.g. "GET /metrics", the analyst page) to their handlers.
type muxParts struct {
	ready    []readyCheck
	handlers map[string]http.Handler
}

// newMux builds the HTTP surface: GET /healthz answers 200 while the
// process runs; GET /readyz answers 200 only when every ready check
// passes (NATS and the store reachable), else 503, with a JSON object of
// check name -> "ok" or the error; plus parts.handlers.
func newMux(parts muxParts) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		status := make(map[string]string, len(parts.ready))
		var mu sync.Mutex
		var wg sync.WaitGroup
		ok := true
		for _, c := range parts.ready {
			wg.Go(func() {
				err := c.check(ctx)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					ok = false
					status[c.name] = err.Error()
					return
				}
				status[c.name] = "ok"
			})
		}
		wg.Wait()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(status)
	})
	for pattern, h := range parts.handlers {
		mux.Handle(pattern, h)
	}
	return mux
}

// listenHTTP listens on addr and serves h until ctx ends; the returned
// channel yields the server's error when it stops.
func listenHTTP(ctx context.Context, addr string, h http.Handler) (net.Addr, <-chan error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	errc := make(chan error, 1)
	go func() { errc <- serveUntilDone(ctx, ln, h) }()
	return ln.Addr(), errc, nil
}

// natsReady is the readiness check of a NATS connection: a round trip to
// the server (PING/PONG: no permission needed, so least-privilege roles
// can answer it too).
func natsReady(conn *natsbus.Conn) readyCheck {
	return readyCheck{name: "nats", check: func(ctx context.Context) error { return conn.NATS().FlushWithContext(ctx) }}
}

// lagPollInterval is how often a role refreshes its backlog gauges.
const lagPollInterval = 15 * time.Second

// serveRoleHTTP serves a long-running role's operations port on addr:
// GET /metrics (the role's registry, no token: bind it to an internal
// interface), /healthz and /readyz (the ready checks); and refreshes the
// backlog gauges with poll (nil: none) every lagPollInterval. Nothing is
// served when addr is "". The returned stop shuts both down.
func serveRoleHTTP(ctx context.Context, std stdio, addr string, m *metrics, ready []readyCheck, log *slog.Logger,
	poll func(context.Context) (lagSample, error)) (stop func() error, err error) {
	if addr == "" {
		return func() error { return nil }, nil
	}
	hctx, cancel := context.WithCancel(ctx)
	mux := newMux(muxParts{ready: ready, handlers: map[string]http.Handler{"GET /metrics": m.handler()}})
	bound, errc, err := listenHTTP(hctx, addr, accessLog(log, mux))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	fmt.Fprintf(std.err, "metrics on http://%s/metrics (health on /healthz and /readyz)\n", bound)
	var wg sync.WaitGroup
	if poll != nil {
		wg.Go(func() { m.pollLag(hctx, lagPollInterval, log, poll) })
	}
	return func() error {
		cancel()
		wg.Wait()
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, nil
}
