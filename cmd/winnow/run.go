package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"winnow/crawler/source"
	"winnow/sink/dashboard"
	"winnow/sink/natsbus"
	"winnow/sink/postgres"
	"winnow/sink/record"
	"winnow/sink/sqlite"
)

// runRun runs the whole pipeline in one process: `winnow run [--sources
// DIR] [--demo] [--until-idle] [--listen ADDR]`. By default it starts the
// embedded NATS server (--data/nats), ensures the topology, opens the
// SQLite store (--data/winnow.db), and runs the DLQ forwarder, the
// storage consumer with its outcome recorder, the crawl workers and the
// scheduler, which fires every enabled source on its schedule (sources
// hot-reloaded from --sources). With --nats-url it uses an external
// server instead, and with --postgres a PostgreSQL store. --listen serves
// the analyst web page (with the sources board), /metrics, /healthz and
// /readyz; with the embedded server, `winnow sources` commands reach the
// scheduler through the control socket --data/control.sock.
//
// --until-idle asks every enabled source for one run at start and exits
// once each has had a run end in this process, the frontier is empty, and
// the storage consumer has stored every record and outcome event.
//
// Shutdown (SIGINT/SIGTERM, or idle with --until-idle) is ordered and
// bounded by --drain-timeout: stop the scheduler (a run it was following
// is given back, unrecorded), stop taking crawl tasks (unfinished ones go
// back to the frontier), publish pages already fetched and the last
// outcome events, release the frontier, let the storage consumer finish
// its batch, drain NATS, close the store.
func runRun(ctx context.Context, std stdio, args []string) error {
	const usage = "[--sources DIR] [--demo] [--until-idle] [--listen ADDR] [--metrics-addr ADDR] [--nats-url URL …] [--postgres DSN]"
	fs, dataDir := flagSet(std, "run", usage)
	var bf busFlags
	bf.register(fs)
	var cf crawlerFlags
	cf.register(fs)
	var sf storeFlags
	sf.register(fs)
	var kf consumerFlags
	kf.register(fs, "")
	var schf schedFlags
	schf.register(fs)
	demo := fs.Bool("demo", false, "serve the bundled demo site in-process and crawl it too")
	untilIdle := fs.Bool("until-idle", false, "run every enabled source once, exit once everything queued is crawled and stored")
	listen := fs.String("listen", "", "serve the web page, /metrics, /healthz and /readyz on this address (e.g. 127.0.0.1:8080); off loopback it needs a token")
	metricsAddr := fs.String("metrics-addr", "", "also serve /metrics (no token), /healthz and /readyz on this address")
	tokenFile := fs.String("token-file", "", "file whose first line is the web page's access token (else $WINNOW_TOKEN)")
	rulesFile := fs.String("rules-override", "", "rules override file the page's false-positive corrections go to (default DATA/rules-override.yaml)")
	summaryFile := fs.String("summary", "", "write the crawl summary as JSON to FILE")
	drain := fs.Duration("drain-timeout", 30*time.Second, "bound on the graceful shutdown")
	poll := fs.Duration("idle-poll", 500*time.Millisecond, internalFlag+"how often --until-idle checks the frontier and the consumer")
	window := fs.Duration("outcome-window", time.Second, internalFlag+"how long outcomes are added up before an outcome event is published")
	level := logLevelFlag(fs)
	setUsage(fs, "run", usage)
	if err := parseFlagsEnvNoArgs(fs, args); err != nil {
		return err
	}
	if cf.sources == "" && !*demo {
		return usagef("run needs --sources DIR or --demo")
	}
	token, err := readToken(*tokenFile)
	if err != nil {
		return err
	}
	if *listen != "" && token == "" && !dashboard.Loopback(*listen) {
		return usagef("--listen %s is not loopback: give a token with --token-file or WINNOW_TOKEN", *listen)
	}
	if *rulesFile == "" {
		*rulesFile = defaultOverride(*dataDir)
	}
	kind := storeSQLite
	if sf.postgres != "" {
		kind = storePostgres
	}
	if kf.durable == "" {
		kf.durable = "sink-" + kind
	}
	cfg, err := bf.config()
	if err != nil {
		return err
	}
	names, err := cfg.Names()
	if err != nil {
		return err
	}
	log := newLogger(std.err, *level).With("role", "run")
	cc, err := kf.config(cfg, log.With("stage", "sink"))
	if err != nil {
		return err
	}
	srcs, err := cf.loadSources()
	if err != nil {
		return err
	}
	nets, err := crawlNets(cf)
	if err != nil {
		return err
	}
	var extra []*source.Source // sources not from --sources (the demo)
	var demoCheck func(*openedStore) error
	if *demo {
		site, base, stop, err := startDemoSite(ctx)
		if err != nil {
			return err
		}
		defer stop()
		src, err := demoSource(base)
		if err != nil {
			return err
		}
		extra = append(extra, src)
		srcs = append(srcs, src)
		nets = append(nets, loopback...)
		fmt.Fprintf(std.err, "demo site on %s/\n", base)
		demoCheck = func(store *openedStore) error {
			recs, err := storedRecords(context.WithoutCancel(ctx), store, base+"/")
			if err != nil {
				return err
			}
			return reportDemo(site, recs, std.err)
		}
	}
	if err := uniqueSourceIDs(srcs); err != nil {
		return err
	}

	// The embedded server's store belongs to one process at a time: this
	// run, or a `winnow sources` command opening it while no run does.
	owner := schf.owner
	if !bf.external() {
		unlock, err := lockData(*dataDir)
		if err != nil {
			return err
		}
		defer unlock()
		if owner == "" {
			owner = "winnow-run" // the same after a restart: it takes its own lease back at once
		}
	}
	schf.owner = owner
	conn, err := bf.open(ctx, "run", *dataDir, log.With("stage", "nats"))
	if err != nil {
		return err
	}
	defer conn.Close()
	js := conn.JetStream()
	if _, err := natsbus.EnsureStreams(ctx, js, cfg); err != nil {
		return err
	}
	store, err := openStore(ctx, kind, *dataDir, sf, log.With("stage", "store"))
	if err != nil {
		return err
	}
	defer store.Close()
	ast, err := analystFor(ctx, store, *dataDir, log.With("stage", "analyst"))
	if err != nil {
		return err
	}
	defer ast.Close()
	recOwner := ""
	if !bf.external() {
		recOwner = "winnow-run"
	}
	recorder, err := newOutcomeRecorder(ctx, conn, cfg, cc.Durable, kf.precreated, ast, recOwner, log.With("stage", "outcomes"))
	if err != nil {
		return err
	}
	m := newMetrics()

	// The storage consumer, the outcome recorder and the DLQ forwarder
	// outlive the crawl: they stop after it, so what the crawl published
	// is stored.
	stageCtx, stopStages := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStages()
	var stages waitGroupErr
	stages.Go("sink", func() error { return kf.consume(stageCtx, conn, cc, store) })
	stages.Go("outcome recorder", func() error { return recorder.run(stageCtx) })
	stages.Go("dlq-forwarder", func() error {
		return natsbus.ForwardDeadLetters(stageCtx, js, natsbus.ForwarderOptions{Config: cfg, Logger: log.With("stage", "dlq")})
	})

	role, err := newCrawlRole(ctx, conn, cfg, crawlRoleOptions{flags: cf, dataDir: *dataDir, srcs: srcs, nets: nets,
		precreated: kf.precreated, window: *window, metrics: m, validatorKV: true}, std, log.With("stage", "crawl"))
	if err != nil {
		stopStages()
		return errors.Join(err, stages.Wait())
	}
	defer role.close()
	sched, err := newSchedulerRole(ctx, conn, cfg, role.front, schf, *window, m, log.With("stage", "scheduler"))
	if err != nil {
		stopStages()
		return errors.Join(err, stages.Wait())
	}

	ready := []readyCheck{natsReady(conn), {name: "store", check: store.ping}}
	consumers := []consumerRef{{names.Articles, cc.Durable}, {names.Outcomes, cc.Durable}}
	lag := func(ctx context.Context) (lagSample, error) {
		s, err := pollLag(ctx, conn, cfg, lagFrontier|lagDLQ, consumers, role.front)
		if err != nil {
			return s, err
		}
		s.Phases, err = sourcePhases(ctx, sched.sched)
		return s, err
	}
	httpCtx, stopHTTP := context.WithCancel(ctx)
	defer stopHTTP()
	var httpDone <-chan error
	if *listen != "" {
		handlers, err := analystSurfaceWith(ast, m, *rulesFile, token, sourcesBoard(sched.sched), log.With("stage", "http"))
		if err != nil {
			return err
		}
		mux := newMux(muxParts{ready: ready, handlers: handlers})
		addr, done, err := listenHTTP(httpCtx, *listen, accessLog(log, mux))
		if err != nil {
			return err
		}
		httpDone = done
		fmt.Fprintf(std.err, "health on http://%s/healthz and /readyz, web page on http://%s/\n", addr, addr)
	}
	stopMetrics, err := serveRoleHTTP(httpCtx, std, *metricsAddr, m, ready, log, lag)
	if err != nil {
		return err
	}
	if *listen != "" && *metricsAddr == "" {
		go m.pollLag(httpCtx, lagPollInterval, log, lag)
	}
	stopControl := func() error { return nil }
	if !bf.external() {
		stop, err := serveControl(httpCtx, controlSocket(*dataDir), sched.sched, log.With("stage", "control"))
		if err != nil {
			// A socket path too long for the system, say: the run goes
			// on; `winnow sources` cannot reach it while it runs.
			log.Warn("no control socket: winnow sources commands cannot reach this run", "err", err)
		} else {
			stopControl = stop
		}
	}

	startedAt := time.Now()
	enabled := enabledIDs(srcs)
	if *untilIdle {
		// One run of every enabled source now, whatever its schedule.
		sched.sched.SetSources(srcs)
		for _, id := range enabled {
			if _, err := sched.sched.RunNow(ctx, id); err != nil && ctx.Err() == nil {
				return err
			}
		}
	}
	fmt.Fprintf(std.err, "winnow run: %d sources, storing in %s as %s\n", len(srcs), kind, cc.Durable)

	crawlCtx, stopCrawl := context.WithCancel(ctx)
	defer stopCrawl()
	var schedDone = make(chan error, 1)
	go func() {
		first := true
		schedDone <- sched.run(crawlCtx, cf.sources, schf.reload, extra, func(all []*source.Source) {
			if first { // the crawl role already has them
				first = false
				return
			}
			role.setSources(all)
		})
	}()
	idle := make(chan error, 1)
	if *untilIdle {
		go func() {
			err := waitIdle(crawlCtx, idleParts{front: role.front, conn: conn, stream: names.Articles, durable: cc.Durable,
				outcomes: names.Outcomes, trig: sched.trig, agg: role.agg, sources: enabled, since: startedAt}, *poll, log)
			idle <- err
			stopCrawl()
		}()
	}
	sum, crawlErr := role.run(crawlCtx)
	stopCrawl()
	schedErr := <-schedDone

	// Ordered, bounded shutdown.
	shutdownErr := within(*drain,
		role.close, // publishes drained, last outcome events out; prefetched tasks back; leases released
		func() error {
			// Let the storage consumer store what the crawl published
			// (half the drain time at most: the rest stays in the
			// stream for the next start), then stop it.
			sinkDrained(conn, []consumerRef{{names.Articles, cc.Durable}, {names.Outcomes, cc.Durable}}, *drain/2)
			stopStages()
			return stages.Wait()
		},
		stopControl,
		stopMetrics,
		func() error {
			stopHTTP()
			if httpDone != nil {
				return <-httpDone
			}
			return nil
		},
		conn.Close,
	)
	printSummary(std.err, sum)
	var idleErr error
	reachedIdle := false
	if *untilIdle {
		select {
		case idleErr = <-idle:
			reachedIdle = idleErr == nil
		default:
		}
	}
	var checkErr error
	if reachedIdle && demoCheck != nil {
		checkErr = demoCheck(store)
	}
	errs := []error{crawlErr, schedErr, shutdownErr, ast.Close(), store.Close(), checkErr}
	if *summaryFile != "" {
		errs = append(errs, writeJSONFile(*summaryFile, sum))
	}
	if reachedIdle {
		errs = append(errs, sum.reconciles())
	} else if *untilIdle && ctx.Err() == nil && idleErr != nil && !errors.Is(idleErr, context.Canceled) {
		errs = append(errs, idleErr)
	}
	return errors.Join(errs...)
}

// enabledIDs returns the ids of the enabled sources.
func enabledIDs(srcs []*source.Source) []string {
	var out []string
	for _, s := range srcs {
		if s.IsEnabled() {
			out = append(out, s.ID)
		}
	}
	return out
}

// idleParts are what --until-idle watches.
type idleParts struct {
	front           *natsbus.Frontier
	conn            *natsbus.Conn
	stream, durable string // the storage consumer on ARTICLES
	outcomes        string // OUTCOMES (same durable)
	trig            *busTrigger
	agg             *outcomeAggregator
	sources         []string
	since           time.Time
}

// waitIdle returns nil once every enabled source had a run end in this
// process (since p.since), the frontier holds no task, every outcome
// event is published, and the storage consumer has stored every record
// and outcome event, twice in a row poll apart (a task settles only after
// its record was published and the links found on it were queued, so an
// empty frontier means nothing more will come).
func waitIdle(ctx context.Context, p idleParts, poll time.Duration, log *slog.Logger) error {
	t := time.NewTicker(poll)
	defer t.Stop()
	calm := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if !p.trig.completedSince(p.sources, p.since) {
			calm = 0
			continue
		}
		fp, err := p.front.Pending(ctx)
		if err != nil {
			log.Warn("idle check: frontier", "err", err)
			calm = 0
			continue
		}
		busy := !fp.Idle() || p.agg.unpublished() > 0
		for _, stream := range []string{p.stream, p.outcomes} {
			waiting, inflight, err := natsbus.ConsumerLag(ctx, p.conn.JetStream(), stream, p.durable)
			if err != nil {
				log.Warn("idle check: consumer", "stream", stream, "err", err)
				busy = true
				continue
			}
			busy = busy || waiting > 0 || inflight > 0
		}
		log.Debug("idle check", "queued", fp.Queued, "waiting", fp.Waiting, "inflight", fp.InFlight, "busy", busy)
		if busy {
			calm = 0
			continue
		}
		if calm++; calm >= 2 {
			return nil
		}
	}
}

// sinkDrained waits up to d until each consumer has acknowledged
// everything in its stream: nothing waiting or in flight twice in a row,
// as the server counts a message just published as waiting a moment
// later (asynchronously), so one "nothing waiting" can be stale.
func sinkDrained(conn *natsbus.Conn, consumers []consumerRef, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for _, c := range consumers {
		for calm := 0; ; {
			waiting, inflight, err := natsbus.ConsumerLag(ctx, conn.JetStream(), c.stream, c.durable)
			if err == nil && waiting == 0 && inflight == 0 {
				if calm++; calm == 2 {
					break
				}
			} else {
				calm = 0
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// uniqueSourceIDs fails when two sources share an id (e.g. a sources
// directory that also defines "demo" with --demo).
func uniqueSourceIDs(srcs []*source.Source) error {
	seen := map[string]bool{}
	for _, s := range srcs {
		if seen[s.ID] {
			return usagef("two sources have the id %q", s.ID)
		}
		seen[s.ID] = true
	}
	return nil
}

// idRows is what scanIDs needs of database/sql's and pgx's rows.
type idRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanIDs reads a one-column result of ids.
func scanIDs(rows idRows) ([]string, error) {
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// storedRecords reads back every stored record whose canonical URL starts
// with prefix (the demo check).
func storedRecords(ctx context.Context, store *openedStore, prefix string) ([]*record.Article, error) {
	var ids []string
	var err error
	switch s := store.Store.(type) {
	case *sqlite.Store:
		rows, qerr := s.DB().QueryContext(ctx, `SELECT id FROM articles WHERE substr(canonical_url, 1, ?) = ? ORDER BY id`, len(prefix), prefix)
		if qerr != nil {
			return nil, qerr
		}
		defer rows.Close()
		ids, err = scanIDs(rows)
	case *postgres.Store:
		rows, qerr := s.Pool().Query(ctx, `SELECT id FROM articles WHERE starts_with(canonical_url, $1) ORDER BY id`, prefix)
		if qerr != nil {
			return nil, qerr
		}
		defer rows.Close()
		ids, err = scanIDs(rows)
	default:
		return nil, fmt.Errorf("cannot list the records of a %s store", store.kind)
	}
	if err != nil {
		return nil, err
	}
	recs := make([]*record.Article, 0, len(ids))
	for _, id := range ids {
		a, err := store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if u, err := url.Parse(a.CanonicalURL); err == nil && u.Host != "" {
			recs = append(recs, a)
		}
	}
	return recs, nil
}
