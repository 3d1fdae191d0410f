package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"winnow/crawler"
	"winnow/crawler/frontier"
	"winnow/crawler/schedule"
	"winnow/crawler/source"
	"winnow/sink/natsbus"
)

// schedFlags are the flags of the scheduler (winnow scheduler, and the
// scheduler inside winnow run).
type schedFlags struct {
	owner     string
	maxRuns   int
	quiet     time.Duration
	maxRun    time.Duration
	leaseTTL  time.Duration
	resync    time.Duration
	reload    time.Duration
	runWindow time.Duration // outcome aggregation window of the crawl processes, for the settle rule
}

func (f *schedFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.owner, "scheduler-id", "", "this scheduler's name in source leases (default host-pid-random; must differ between processes)")
	fs.IntVar(&f.maxRuns, "max-runs", 64, "sources whose runs are followed at once (a run waits for its crawl to settle)")
	fs.DurationVar(&f.quiet, "run-quiet", 15*time.Second, "a run ends once its entry points are read and no outcome of the source came for this long")
	fs.DurationVar(&f.maxRun, "run-max", 30*time.Minute, "a run ends after this long even if its crawl goes on (later outcomes count for the next run)")
	fs.DurationVar(&f.leaseTTL, "lease-ttl", schedule.DefaultLeaseTTL, internalFlag+"how long a source lease lasts without renewal")
	fs.DurationVar(&f.resync, "resync", schedule.DefaultResync, internalFlag+"how often every source's state is re-read (changes from other processes arrive through a KV watch at once)")
	fs.DurationVar(&f.reload, "reload-interval", schedule.DefaultWatchInterval, "how often the sources directory is checked for changes (hot reload)")
}

// busTrigger fires a source on the bus: it queues the run's entry points
// (as revisits, under the firing's id), article seeds and re-fetches in
// the shared frontier, then follows the source's outcome events until the
// crawl settles and returns them added up.
//
// What "a run's result" is when fetching is asynchronous: the outcome
// events of the source stored in OUTCOMES from the end of the source's
// previous run (its LastEnd; the firing time for a first run) until this
// run ends. A run ends when every entry point it queued has an outcome
// and then either no outcome of the source came for --run-quiet, or the
// whole frontier is empty and no outcome came for two aggregation
// windows (every crawl process has published what it settled); or after
// --run-max. Outcomes that come later (a slow tail, a straggling worker)
// count for the next run, so every outcome counts exactly once over the
// runs of a source.
type busTrigger struct {
	conn    *natsbus.Conn
	names   natsbus.Names
	front   *natsbus.Frontier
	quiet   time.Duration
	settle  time.Duration
	maxRun  time.Duration
	log     *slog.Logger
	metrics *metrics

	// sched is set once the scheduler exists (it needs the trigger).
	sched *schedule.Scheduler

	mu        sync.Mutex
	idleAt    time.Time // when idle was last asked
	idle      bool
	completed map[string]time.Time // source -> end of its last run in this process
}

var _ schedule.Trigger = (*busTrigger)(nil)

// runTasks returns the frontier tasks of a run and the entry-point URLs
// whose outcomes end it.
func runTasks(src *source.Source, run schedule.Run) ([]natsbus.Task, map[string]bool, error) {
	cp := *src
	cp.Seeds = slices.Clone(run.EntryPoints)
	for _, u := range run.Articles {
		cp.Seeds = append(cp.Seeds, source.Seed{URL: u, Kind: source.SeedKind(frontier.KindArticle)})
	}
	for _, u := range run.Refetch {
		cp.Seeds = append(cp.Seeds, source.Seed{URL: u, Kind: source.SeedKind(frontier.KindArticle)})
	}
	if len(cp.Seeds) == 0 {
		return nil, nil, nil
	}
	tasks, err := crawler.SeedTasks(&cp)
	if err != nil {
		return nil, nil, err
	}
	revisit := strconv.FormatInt(run.Due.UnixNano(), 10)
	refetch := len(cp.Seeds) - len(run.Refetch)
	entries := map[string]bool{}
	out := make([]natsbus.Task, len(tasks))
	for i, t := range tasks {
		out[i] = toBusTask(t)
		switch {
		case t.Kind.IsEntryPoint():
			out[i].Revisit, out[i].RevisitID = true, revisit
			entries[t.URL] = true
		case i >= refetch: // a re-fetch: past the permanent dedup, once per firing
			out[i].Revisit, out[i].RevisitID = true, revisit
		}
	}
	return out, entries, nil
}

// Fire queues the run and follows its outcomes (see busTrigger).
func (t *busTrigger) Fire(ctx context.Context, src *source.Source, run schedule.Run) (res schedule.RunResult, err error) {
	start := time.Now()
	defer func() {
		if ctx.Err() == nil { // ended (well or not), not given back
			t.mu.Lock()
			t.completed[src.ID] = time.Now()
			t.mu.Unlock()
		}
	}()
	since := start
	if t.sched != nil {
		if st, err := t.sched.Status(ctx, src.ID); err == nil && !st.LastEnd.IsZero() && st.LastEnd.Before(start) {
			since = st.LastEnd
		}
	}
	log := t.log.With("source", src.ID, "reason", string(run.Reason), "due", run.Due)
	tasks, entries, err := runTasks(src, run)
	if err != nil {
		return schedule.RunResult{}, schedule.Classify(schedule.ClassOther, err)
	}
	subject, err := t.names.OutcomeSubject(src.ID)
	if err != nil {
		return schedule.RunResult{}, schedule.Classify(schedule.ClassOther, err)
	}

	// Follow first, queue second: no event of this run can be missed.
	type stamped struct {
		e  *outcomeEvent
		at time.Time
	}
	events := make(chan stamped, 256)
	fctx, stopFollow := context.WithCancel(ctx)
	defer stopFollow()
	followErr := make(chan error, 1)
	go func() {
		followErr <- natsbus.Follow(fctx, t.conn.JetStream(), subject, since, func(ctx context.Context, m natsbus.Message) error {
			e, err := decodeOutcomeEvent(m.Data)
			if err != nil {
				log.Warn("skipping an undecodable outcome event", "seq", m.Sequence, "err", err)
				return nil
			}
			select {
			case events <- stamped{e, m.Time}:
			case <-ctx.Done():
			}
			return nil
		})
	}()
	added, err := t.front.Add(ctx, tasks...)
	if err != nil {
		if ctx.Err() != nil {
			return schedule.RunResult{}, context.Cause(ctx)
		}
		return schedule.RunResult{}, schedule.Classify(schedule.ClassOther, fmt.Errorf("queue the run: %w", err))
	}
	log.Info("source fired", "tasks", len(tasks), "queued", added, "takeover", run.Takeover)

	total := &outcomeEvent{Status: map[string]int{}, Errors: map[schedule.ErrorClass]int{}}
	last := start
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	deadline := start.Add(t.maxRun)
	for {
		select {
		case <-ctx.Done():
			return total.runResult(), context.Cause(ctx)
		case err := <-followErr:
			if ctx.Err() != nil {
				return total.runResult(), context.Cause(ctx)
			}
			return total.runResult(), schedule.Classify(schedule.ClassOther, fmt.Errorf("following outcome events: %w", err))
		case s := <-events:
			total.add(s.e)
			if !s.at.Before(start.Add(-time.Second)) { // an earlier run's entry points do not end this one
				for _, u := range s.e.EntryURLs {
					delete(entries, u)
				}
			}
			last = time.Now()
			continue
		case <-tick.C:
		}
		now := time.Now()
		if now.After(deadline) {
			log.Warn("run ended by --run-max with its crawl still going; later outcomes count for the next run",
				"entry_points_pending", len(entries))
			break
		}
		if len(entries) > 0 {
			continue
		}
		quiet := now.Sub(last)
		if quiet >= t.quiet || (quiet >= t.settle && t.frontierIdle(ctx)) {
			break
		}
	}
	res = total.runResult()
	if t.metrics != nil {
		t.metrics.schedRun(src.ID, res)
	}
	log.Info("run settled", "pages", res.Pages, "articles", res.Articles, "spam_pages", res.SpamPages,
		"errors", res.ErrorTotal(), "changed", res.Changed, "seconds", time.Since(start).Seconds())
	return res, nil
}

// frontierIdle reports whether the shared frontier holds no task (asked
// at most once a second).
func (t *busTrigger) frontierIdle(ctx context.Context) bool {
	t.mu.Lock()
	if time.Since(t.idleAt) < time.Second {
		idle := t.idle
		t.mu.Unlock()
		return idle
	}
	t.mu.Unlock()
	p, err := t.front.Pending(ctx)
	idle := err == nil && p.Idle()
	t.mu.Lock()
	t.idleAt, t.idle = time.Now(), idle
	t.mu.Unlock()
	return idle
}

// completedSince reports whether every id had a run end after since.
func (t *busTrigger) completedSince(ids []string, since time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range ids {
		if !t.completed[id].After(since) {
			return false
		}
	}
	return true
}

// schedulerRole is the scheduler on the bus: its states in crawl_state,
// its firings into the frontier, its results from OUTCOMES.
type schedulerRole struct {
	sched *schedule.Scheduler
	trig  *busTrigger
	state *natsbus.State
	log   *slog.Logger
}

// newSchedulerRole builds the scheduler over the bus's crawl_state and
// frontier. owner "" means a unique name per process.
func newSchedulerRole(ctx context.Context, conn *natsbus.Conn, cfg natsbus.Config, front *natsbus.Frontier, f schedFlags,
	window time.Duration, m *metrics, log *slog.Logger) (*schedulerRole, error) {
	if f.maxRuns < 1 {
		return nil, usagef("--max-runs must be positive")
	}
	if f.quiet <= 0 || f.maxRun <= 0 {
		return nil, usagef("--run-quiet and --run-max must be positive")
	}
	names, err := cfg.Names()
	if err != nil {
		return nil, err
	}
	st, err := natsbus.OpenState(ctx, conn.JetStream(), cfg)
	if err != nil {
		return nil, err
	}
	trig := &busTrigger{
		conn: conn, names: names, front: front, quiet: f.quiet, settle: 2*window + 500*time.Millisecond, maxRun: f.maxRun,
		log: log, metrics: m, completed: map[string]time.Time{},
	}
	owner := f.owner
	if owner == "" {
		host, _ := os.Hostname()
		owner = fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), time.Now().UnixNano()&0xffff)
	}
	s, err := schedule.New(schedule.Options{
		Store: kvStore{st}, Trigger: trig, Logger: log, Owner: owner, LeaseTTL: f.leaseTTL,
		MaxConcurrentRuns: f.maxRuns, Resync: f.resync,
	})
	if err != nil {
		return nil, err
	}
	trig.sched = s
	return &schedulerRole{sched: s, trig: trig, state: st, log: log}, nil
}

// run schedules until ctx ends: the sources of dir (hot-reloaded; nil
// dir: only extra), plus extra; onChange (may be nil) gets every new set.
// A watch of crawl_state wakes the scheduler when another process
// changes a state (sources pause/resume/run).
func (r *schedulerRole) run(ctx context.Context, dir string, reload time.Duration, extra []*source.Source, onChange func([]*source.Source)) error {
	set := func(srcs []*source.Source) {
		all := append(slices.Clone(srcs), extra...)
		r.sched.SetSources(all)
		if onChange != nil {
			onChange(all)
		}
	}
	var g waitGroupErr
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	if dir != "" {
		g.Go("sources watch", func() error { return r.sched.Watch(wctx, dir, reload, set) })
	} else {
		set(nil)
	}
	g.Go("state watch", func() error { return r.wakeOnChange(wctx) })
	err := r.sched.Run(ctx)
	stop()
	return errors.Join(err, g.Wait())
}

// wakeOnChange wakes the scheduler when a source state changes in
// crawl_state (at most every 200 ms), retrying the watch if it fails.
func (r *schedulerRole) wakeOnChange(ctx context.Context) error {
	kick := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-kick:
				r.sched.Wake()
				sleepFor(ctx, 200*time.Millisecond)
			}
		}
	}()
	for ctx.Err() == nil {
		err := r.state.Watch(ctx, schedule.KeyPrefix+">", func(string) {
			select {
			case kick <- struct{}{}:
			default:
			}
		})
		if err != nil && ctx.Err() == nil {
			r.log.Warn("watching crawl_state failed; retrying", "err", err)
			sleepFor(ctx, 5*time.Second)
		}
	}
	return nil
}

// runScheduler runs the scheduler alone against an external NATS server:
// `winnow scheduler --sources DIR --nats-url URL`. Any number may run:
// a lease per source in crawl_state means a source's due time is fired by
// one of them.
func runScheduler(ctx context.Context, std stdio, args []string) error {
	const usage = "--sources DIR [--metrics-addr ADDR] --nats-url URL"
	fs, _ := flagSet(std, "scheduler", usage)
	var bf busFlags
	bf.register(fs)
	var sf schedFlags
	sf.register(fs)
	sourcesDir := fs.String("sources", "", "directory of source files (*.yaml), hot-reloaded")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics, /healthz and /readyz on this address (e.g. :9090)")
	precreated := fs.Bool("require-precreated", false, "never create streams or buckets (least privilege): they must exist (winnow admin init)")
	window := fs.Duration("outcome-window", 2*time.Second, internalFlag+"the crawl processes' outcome aggregation window")
	drain := fs.Duration("drain-timeout", 20*time.Second, "bound on the graceful shutdown")
	level := logLevelFlag(fs)
	setUsage(fs, "scheduler", usage)
	if err := parseFlagsEnvNoArgs(fs, args); err != nil {
		return err
	}
	if *sourcesDir == "" {
		return usagef("scheduler needs --sources DIR")
	}
	if _, err := source.LoadDir(*sourcesDir); err != nil {
		return err // refuse to start on a broken directory; later breakage keeps the last good sources
	}
	cfg, err := bf.config()
	if err != nil {
		return err
	}
	log := newLogger(std.err, *level).With("role", "scheduler", "stage", "scheduler")
	conn, err := bf.connect(ctx, "scheduler", log)
	if err != nil {
		return err
	}
	defer conn.Close()
	js := conn.JetStream()
	if !*precreated {
		if _, err := natsbus.EnsureStreams(ctx, js, cfg); err != nil {
			return err
		}
	}
	front, err := natsbus.NewFrontier(ctx, js, natsbus.FrontierOptions{Config: cfg, RequirePrecreated: true, Logger: log})
	if err != nil {
		return err
	}
	defer front.Close()
	m := newMetrics()
	role, err := newSchedulerRole(ctx, conn, cfg, front, sf, *window, m, log)
	if err != nil {
		return err
	}
	stopHTTP, err := serveRoleHTTP(ctx, std, *metricsAddr, m, []readyCheck{natsReady(conn)}, log, func(ctx context.Context) (lagSample, error) {
		s, err := pollLag(ctx, conn, cfg, lagFrontier, nil, front)
		if err != nil {
			return s, err
		}
		s.Phases, err = sourcePhases(ctx, role.sched)
		return s, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(std.err, "winnow scheduler %s: scheduling the sources of %s\n", role.sched.Owner(), *sourcesDir)
	runErr := role.run(ctx, *sourcesDir, sf.reload, nil, nil)
	return errors.Join(runErr, within(*drain, front.Close, stopHTTP, conn.Close))
}

// sourcePhases reads every source's scheduling state for the gauge.
func sourcePhases(ctx context.Context, s *schedule.Scheduler) (map[string]string, error) {
	states, err := s.List(ctx)
	out := make(map[string]string, len(states))
	for _, st := range states {
		out[st.ID] = string(st.Phase)
	}
	return out, err
}
