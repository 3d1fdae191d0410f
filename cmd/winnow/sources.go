package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"winnow/crawler/schedule"
	"winnow/crawler/source"
	"winnow/sink/dashboard"
	"winnow/sink/natsbus"
)

// runSources dispatches `winnow sources SUBCOMMAND`.
func runSources(ctx context.Context, std stdio, args []string) error {
	if len(args) == 0 {
		return usagef("sources needs a subcommand: check DIR | list | status [ID] | pause ID | resume ID | run ID")
	}
	switch args[0] {
	case "check":
		return runSourcesCheck(std, args[1:])
	case "list", "status", "pause", "resume", "run":
		return runSourcesControl(ctx, std, args[0], args[1:])
	case "-h", "--help", "-help":
		fmt.Fprintln(std.err, "usage: winnow sources check DIR | list | status [ID] | pause ID | resume ID | run ID")
		return nil
	}
	return usagef("unknown sources subcommand %q", args[0])
}

// runSourcesCheck validates a sources directory and prints one line per
// source (or JSON with --json); any invalid file fails with every error
// named by file, line and field.
func runSourcesCheck(std stdio, args []string) error {
	fs, _ := flagSet(std, "sources check", "[--json] DIR")
	asJSON := fs.Bool("json", false, "print the sources as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("sources check needs exactly one DIR")
	}
	srcs, err := source.LoadDir(fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(std.out)
		enc.SetIndent("", "  ")
		return enc.Encode(srcs)
	}
	if err := source.WriteSummary(std.out, srcs); err != nil {
		return err
	}
	_, err = fmt.Fprintf(std.out, "%d sources OK\n", len(srcs))
	return err
}

// errDataBusy: the data directory's embedded NATS store is held by
// another process.
var errDataBusy = errors.New("data directory busy")

// sourceControl is what the operator commands ask of a scheduler:
// *schedule.Scheduler (over crawl_state) and controlClient (the control
// socket of a running `winnow run`) implement it.
type sourceControl interface {
	List(ctx context.Context) ([]schedule.State, error)
	Status(ctx context.Context, id string) (schedule.State, error)
	Pause(ctx context.Context, id string) (schedule.State, error)
	Resume(ctx context.Context, id string) (schedule.State, error)
	RunNow(ctx context.Context, id string) (schedule.State, error)
}

var _ sourceControl = (*schedule.Scheduler)(nil)

// runSourcesControl runs `winnow sources list|status [ID]|pause ID|resume
// ID|run ID`. It reaches the scheduler's state where it is:
//
//   - with --nats-url, crawl_state on that server (any process may
//     change it; running schedulers see the change at once through their
//     KV watch);
//   - else, when a `winnow run` with the embedded server uses --data, its
//     control socket (DATA/control.sock, reachable by the run's user only);
//   - else the embedded store in DATA/nats, opened by this command (no
//     run holds it).
func runSourcesControl(ctx context.Context, std stdio, sub string, args []string) error {
	usage := map[string]string{"list": "[--json]", "status": "[--json] [ID]", "pause": "ID", "resume": "ID", "run": "ID"}[sub]
	fs, dataDir := flagSet(std, "sources "+sub, usage+" [--nats-url URL …]")
	var bf busFlags
	bf.register(fs)
	sourcesDir := fs.String("sources", "", "directory of source files, so that sources never scheduled yet are listed and can be paused")
	asJSON := fs.Bool("json", false, "print the states as JSON")
	setUsage(fs, "sources "+sub, usage+" [--nats-url URL …]")
	if err := parseFlagsEnv(fs, args); err != nil {
		return err
	}
	var id string
	switch {
	case sub == "list" && fs.NArg() > 0, sub == "status" && fs.NArg() > 1:
		return usagef("unexpected argument %q", fs.Arg(fs.NArg()-1))
	case sub != "list" && sub != "status" && fs.NArg() != 1:
		return usagef("sources %s needs exactly one source ID", sub)
	case fs.NArg() == 1:
		id = fs.Arg(0)
		if !schedule.ValidID(id) {
			return usagef("invalid source id %q", id)
		}
	}
	ctl, closeCtl, err := openSourceControl(ctx, std, bf, *dataDir, *sourcesDir)
	if err != nil {
		return err
	}
	defer closeCtl()
	var states []schedule.State
	switch sub {
	case "list":
		states, err = ctl.List(ctx)
	case "status":
		if id == "" {
			states, err = ctl.List(ctx)
			break
		}
		var st schedule.State
		st, err = ctl.Status(ctx, id)
		states = []schedule.State{st}
	default:
		op := map[string]func(context.Context, string) (schedule.State, error){"pause": ctl.Pause, "resume": ctl.Resume, "run": ctl.RunNow}[sub]
		var st schedule.State
		st, err = op(ctx, id)
		states = []schedule.State{st}
	}
	if err != nil {
		if errors.Is(err, schedule.ErrUnknownSource) {
			return fmt.Errorf("%w (no state stored; pass --sources DIR to act on a source never scheduled)", err)
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(std.out)
		enc.SetIndent("", "  ")
		if sub == "list" || (sub == "status" && id == "") {
			return enc.Encode(states)
		}
		return enc.Encode(states[0])
	}
	now := time.Now()
	switch sub {
	case "list":
		return writeSourceList(std.out, states, now)
	case "status":
		for i, st := range states {
			if i > 0 {
				fmt.Fprintln(std.out)
			}
			writeSourceStatus(std.out, st, now)
		}
		return nil
	}
	st := states[0]
	what := map[string]string{"pause": "paused", "resume": "resumed", "run": "asked for a run"}[sub]
	_, err = fmt.Fprintf(std.out, "%s: %s (state %s, next due %s)\n", st.ID, what, st.Phase, when(st.NextDue, now))
	return err
}

// openSourceControl opens the scheduler state the flags point at (see
// runSourcesControl).
func openSourceControl(ctx context.Context, std stdio, bf busFlags, dataDir, sourcesDir string) (sourceControl, func(), error) {
	var srcs []*source.Source
	if sourcesDir != "" {
		var err error
		if srcs, err = source.LoadDir(sourcesDir); err != nil {
			return nil, nil, err
		}
	}
	log := newLogger(std.err, slog.LevelError)
	handle := func(conn *natsbus.Conn, cfg natsbus.Config) (sourceControl, error) {
		st, err := natsbus.OpenState(ctx, conn.JetStream(), cfg)
		if err != nil {
			return nil, err
		}
		s, err := schedule.New(schedule.Options{Store: kvStore{st}, Logger: log})
		if err != nil {
			return nil, err
		}
		s.SetSources(srcs)
		return s, nil
	}
	cfg, err := bf.config()
	if err != nil {
		return nil, nil, err
	}
	if bf.external() {
		conn, err := bf.connect(ctx, "sources", log)
		if err != nil {
			return nil, nil, err
		}
		ctl, err := handle(conn, cfg)
		if err != nil {
			conn.Close()
			return nil, nil, err
		}
		return ctl, func() { conn.Close() }, nil
	}
	if c, err := dialControl(ctx, controlSocket(dataDir)); err == nil {
		if len(srcs) > 0 {
			fmt.Fprintln(std.err, "winnow sources: asking the running winnow run (its own sources apply; --sources is ignored)")
		}
		return c, func() {}, nil
	}
	if _, err := os.Stat(filepath.Join(dataDir, "nats")); err != nil {
		return nil, nil, fmt.Errorf("no crawl state in %s (no winnow run has used it): pass --data DIR of a winnow run, or --nats-url for a scaled-out deployment", dataDir)
	}
	unlock, err := tryLockData(dataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w; its control socket %s does not answer: pass --nats-url, or retry once it is up", err, controlSocket(dataDir))
	}
	conn, err := natsbus.StartEmbedded(ctx, natsbus.EmbeddedOptions{StoreDir: filepath.Join(dataDir, "nats"), Logger: log})
	if err != nil {
		unlock()
		return nil, nil, err
	}
	ctl, err := handle(conn, cfg)
	if err != nil {
		conn.Close()
		unlock()
		return nil, nil, err
	}
	return ctl, func() { conn.Close(); unlock() }, nil
}

// when formats a time for people: RFC 3339 (local) and how far from now.
func when(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now).Round(time.Second)
	rel := "now"
	switch {
	case d > 0:
		rel = "in " + d.String()
	case d < 0:
		rel = (-d).String() + " ago"
	}
	return t.Local().Format(time.RFC3339) + " (" + rel + ")"
}

// classCounts formats error counts by class: "http_4xx=3 network=1", "-"
// when none.
func classCounts[N int | int64](m map[schedule.ErrorClass]N) string {
	var parts []string
	for _, c := range schedule.ErrorClasses() {
		if n := m[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", c, n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// writeSourceList prints one line per source.
func writeSourceList(w io.Writer, states []schedule.State, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tLAST RUN\tNEXT DUE\tPAGES\tARTICLES\tSPAM PAGES\tERRORS")
	for _, st := range states {
		r := st.LastResult
		if r == nil {
			r = &schedule.RunResult{}
		}
		last := "-"
		if !st.LastEnd.IsZero() {
			last = st.LastEnd.Local().Format(time.DateTime)
		}
		next := "-"
		if !st.NextDue.IsZero() {
			next = st.NextDue.Local().Format(time.DateTime)
		}
		if st.RunNow {
			next = "now (asked)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", st.ID, st.Phase, last, next, r.Pages, r.Articles, r.SpamPages, classCounts(r.Errors))
	}
	return tw.Flush()
}

// writeSourceStatus prints one source's state in detail.
func writeSourceStatus(w io.Writer, st schedule.State, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintf(tw, "source\t%s\n", st.ID)
	fmt.Fprintf(tw, "state\t%s\n", st.Phase)
	if st.Schedule != "" {
		fmt.Fprintf(tw, "schedule\t%s\n", st.Schedule)
	}
	if st.LastEnd.IsZero() {
		fmt.Fprintf(tw, "last run\t-\n")
	} else {
		fmt.Fprintf(tw, "last run\t%s, %s, took %s\n", when(st.LastEnd, now), st.LastReason, st.LastEnd.Sub(st.LastStart).Round(time.Millisecond))
	}
	next := when(st.NextDue, now)
	if st.RunNow {
		next = "at the next wake-up (run asked " + when(st.RunNowAt, now) + ")"
	}
	fmt.Fprintf(tw, "next due\t%s\n", next)
	r := st.LastResult
	if r == nil {
		r = &schedule.RunResult{}
	}
	fmt.Fprintf(tw, "pages\t%d\n", r.Pages)
	fmt.Fprintf(tw, "articles\t%d\n", r.Articles)
	fmt.Fprintf(tw, "spam pages\t%d\n", r.SpamPages)
	fmt.Fprintf(tw, "errors (last run)\t%s\n", classCounts(r.Errors))
	fmt.Fprintf(tw, "errors (all runs)\t%s\n", classCounts(st.ErrorCounts))
	fmt.Fprintf(tw, "entry points changed\t%t\n", r.Changed)
	fmt.Fprintf(tw, "runs\t%d (%d failed; %d failures in a row)\n", st.Runs, st.Failures, st.ConsecutiveFailures)
	if st.LastError != "" {
		fmt.Fprintf(tw, "last error\t%s: %s\n", st.LastErrorClass, st.LastError)
	}
	if st.Lease != nil && st.Lease.Expires.After(now) {
		fmt.Fprintf(tw, "running\tsince %s, by %s\n", when(st.Lease.Acquired, now), st.Lease.Owner)
	}
	if len(st.Refetch) > 0 || st.RefetchDropped > 0 {
		fmt.Fprintf(tw, "re-fetch queue\t%d articles (%d dropped)\n", len(st.Refetch), st.RefetchDropped)
	}
}

// sourcesBoard feeds the web page's sources board from the scheduler.
func sourcesBoard(s *schedule.Scheduler) func(ctx context.Context) ([]dashboard.SourceStatus, error) {
	return func(ctx context.Context) ([]dashboard.SourceStatus, error) {
		states, err := s.List(ctx)
		out := make([]dashboard.SourceStatus, 0, len(states))
		for _, st := range states {
			detail := st.LastError
			if detail == "" && st.LastResult != nil {
				r := st.LastResult
				detail = fmt.Sprintf("last run: %d pages, %d articles, %d spam pages, errors %s", r.Pages, r.Articles, r.SpamPages, classCounts(r.Errors))
			}
			out = append(out, dashboard.SourceStatus{ID: st.ID, State: string(st.Phase), LastRun: st.LastEnd, NextDue: st.NextDue,
				Failures: st.ConsecutiveFailures, Detail: detail})
		}
		return out, err
	}
}

// controlSocket is the path of a `winnow run`'s control socket.
func controlSocket(dataDir string) string { return filepath.Join(dataDir, "control.sock") }

// serveControl serves the scheduler's control API on a Unix socket (mode
// 0600: the run's user only) until ctx ends: GET /v1/sources,
// GET /v1/sources/{id}, POST /v1/sources/{id}/{pause|resume|run}, each
// answering schedule.State JSON (errors: {"error": …} with 404 for an
// unknown source). It is how `winnow sources` reaches a run whose
// embedded NATS has no network listener.
func serveControl(ctx context.Context, path string, s *schedule.Scheduler, log *slog.Logger) (stop func() error, err error) {
	_ = os.Remove(path) // a socket left by a killed run
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	reply := func(w http.ResponseWriter, v any, err error) {
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, schedule.ErrUnknownSource) || errors.Is(err, schedule.ErrNotFound) {
				code = http.StatusNotFound
			} else if errors.Is(err, schedule.ErrInvalidID) {
				code = http.StatusBadRequest
			}
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/sources", func(w http.ResponseWriter, r *http.Request) {
		states, err := s.List(r.Context())
		reply(w, states, err)
	})
	mux.HandleFunc("GET /v1/sources/{id}", func(w http.ResponseWriter, r *http.Request) {
		st, err := s.Status(r.Context(), r.PathValue("id"))
		reply(w, st, err)
	})
	mux.HandleFunc("POST /v1/sources/{id}/{op}", func(w http.ResponseWriter, r *http.Request) {
		ops := map[string]func(context.Context, string) (schedule.State, error){"pause": s.Pause, "resume": s.Resume, "run": s.RunNow}
		op, ok := ops[r.PathValue("op")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		st, err := op(r.Context(), r.PathValue("id"))
		if err == nil {
			log.Info("source control", "source", st.ID, "op", r.PathValue("op"), "state", string(st.Phase))
		}
		reply(w, st, err)
	})
	sctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- serveUntilDone(sctx, ln, mux) }()
	return func() error {
		cancel()
		err := <-errc
		_ = os.Remove(path)
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}, nil
}

// controlClient is sourceControl over a run's control socket.
type controlClient struct{ c *http.Client }

// dialControl connects to a control socket and checks it answers.
func dialControl(ctx context.Context, path string) (*controlClient, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	c := &controlClient{c: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var states []schedule.State
	if err := c.do(cctx, http.MethodGet, "/v1/sources", &states); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *controlClient) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://winnow-run"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%w: %s", schedule.ErrUnknownSource, e.Error)
		}
		return fmt.Errorf("winnow run: %s", e.Error)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *controlClient) List(ctx context.Context) ([]schedule.State, error) {
	var out []schedule.State
	err := c.do(ctx, http.MethodGet, "/v1/sources", &out)
	return out, err
}

func (c *controlClient) Status(ctx context.Context, id string) (schedule.State, error) {
	var out schedule.State
	err := c.do(ctx, http.MethodGet, "/v1/sources/"+url.PathEscape(id), &out)
	return out, err
}

func (c *controlClient) op(ctx context.Context, id, op string) (schedule.State, error) {
	var out schedule.State
	err := c.do(ctx, http.MethodPost, "/v1/sources/"+url.PathEscape(id)+"/"+op, &out)
	return out, err
}

func (c *controlClient) Pause(ctx context.Context, id string) (schedule.State, error) {
	return c.op(ctx, id, "pause")
}

func (c *controlClient) Resume(ctx context.Context, id string) (schedule.State, error) {
	return c.op(ctx, id, "resume")
}

func (c *controlClient) RunNow(ctx context.Context, id string) (schedule.State, error) {
	return c.op(ctx, id, "run")
}
