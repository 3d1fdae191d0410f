package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"winnow/cleaner/normalize"
	"winnow/crawler/source"
	"winnow/sink/natsbus"
	"winnow/sink/postgres"
	"winnow/sink/record"
	"winnow/sink/sqlite"
)

// runRun runs the whole pipeline in one process: `winnow run [--sources
// DIR] [--demo] [--until-idle] [--listen ADDR]`. By default it starts the
// embedded NATS server (--data/nats), ensures the topology, opens the
// SQLite store (--data/winnow.db), and runs the DLQ forwarder, the
// storage consumer and the crawl workers, seeding every enabled source
// once at start. With --nats-url it uses an external server instead, and
// with --postgres a PostgreSQL store.
//
// Shutdown (SIGINT/SIGTERM, or idle with --until-idle) is ordered and
// bounded by --drain-timeout: stop taking crawl tasks (unfinished ones go
// back to the frontier), publish pages already fetched, release the
// frontier, let the storage consumer finish its batch, drain NATS, close
// the store.
func runRun(ctx context.Context, std stdio, args []string) error {
	const usage = "[--sources DIR] [--demo] [--until-idle] [--listen ADDR] [--nats-url URL …] [--postgres DSN]"
	fs, dataDir := flagSet(std, "run", usage)
	var bf busFlags
	bf.register(fs)
	var cf crawlerFlags
	cf.register(fs)
	var sf storeFlags
	sf.register(fs)
	var kf consumerFlags
	kf.register(fs, "")
	demo := fs.Bool("demo", false, "serve the bundled demo site in-process and crawl it too")
	untilIdle := fs.Bool("until-idle", false, "exit once everything queued is crawled and stored")
	listen := fs.String("listen", "", "serve /healthz and /readyz on this address (e.g. 127.0.0.1:8081)")
	summaryFile := fs.String("summary", "", "write the crawl summary as JSON to FILE")
	drain := fs.Duration("drain-timeout", 30*time.Second, "bound on the graceful shutdown")
	poll := fs.Duration("idle-poll", 500*time.Millisecond, internalFlag+"how often --until-idle checks the frontier and the consumer")
	level := logLevelFlag(fs)
	setUsage(fs, "run", usage)
	if err := parseFlagsEnv(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if cf.sources == "" && !*demo {
		return usagef("run needs --sources DIR or --demo")
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
		srcs = append(srcs, src)
		nets = append(nets, loopback...)
		fmt.Fprintf(std.err, "demo site on %s/\n", base)
		demoCheck = func(store *openedStore) error {
			recs, err := storedRecords(context.WithoutCancel(ctx), store, base+"/")
			if err != nil {
				return err
			}
			conv, err := normalize.New(normalize.Default)
			if err != nil {
				return err
			}
			report := checkDemo(site.Manifest(), site.Requests(), recs, conv)
			report.print(std.err)
			return report.err()
		}
	}
	if err := uniqueSourceIDs(srcs); err != nil {
		return err
	}

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

	// The storage consumer and the DLQ forwarder outlive the crawl: they
	// stop after it, so what the crawl published is stored.
	stageCtx, stopStages := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStages()
	var stages waitGroupErr
	stages.Go("sink", func() error { return kf.consume(stageCtx, conn, cc, store) })
	stages.Go("dlq-forwarder", func() error {
		return natsbus.ForwardDeadLetters(stageCtx, js, natsbus.ForwarderOptions{Config: cfg, Logger: log.With("stage", "dlq")})
	})

	role, err := newCrawlRole(ctx, conn, cfg, cf, *dataDir, srcs, nets, std, log.With("stage", "crawl"))
	if err != nil {
		stopStages()
		return errors.Join(err, stages.Wait())
	}
	defer role.close()

	httpCtx, stopHTTP := context.WithCancel(ctx)
	defer stopHTTP()
	var httpDone <-chan error
	if *listen != "" {
		mux := newMux(muxParts{ready: []readyCheck{
			{name: "nats", check: func(ctx context.Context) error {
				_, err := js.AccountInfo(ctx)
				return err
			}},
			{name: "store", check: store.ping},
		}})
		addr, done, err := listenHTTP(httpCtx, *listen, mux)
		if err != nil {
			return err
		}
		httpDone = done
		fmt.Fprintf(std.err, "health on http://%s/healthz and /readyz\n", addr)
	}

	added, err := role.seed(ctx)
	if err != nil && ctx.Err() == nil {
		return err
	}
	fmt.Fprintf(std.err, "winnow run: %d sources, %d new seeds, storing in %s as %s\n", len(srcs), added, kind, cc.Durable)

	crawlCtx, stopCrawl := context.WithCancel(ctx)
	defer stopCrawl()
	idle := make(chan error, 1)
	if *untilIdle {
		go func() {
			err := waitIdle(crawlCtx, role.front, conn, names.Articles, cc.Durable, *poll, log)
			idle <- err
			stopCrawl()
		}()
	}
	sum, crawlErr := role.run(crawlCtx)

	// Ordered, bounded shutdown.
	shutdownErr := within(*drain,
		role.close, // publishes drained; prefetched tasks back; leases released
		func() error {
			// Let the storage consumer store what the crawl published
			// (half the drain time at most: the rest stays in the
			// stream for the next start), then stop it.
			sinkDrained(conn, names.Articles, cc.Durable, *drain/2)
			stopStages()
			return stages.Wait()
		},
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
	errs := []error{crawlErr, shutdownErr, store.Close(), checkErr}
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

// waitIdle returns nil once the frontier holds no task and the storage
// consumer has stored everything published, twice in a row poll apart (a
// task settles only after its record was published and the links found
// on it were queued, so an empty frontier means nothing more will come).
func waitIdle(ctx context.Context, front *natsbus.Frontier, conn *natsbus.Conn, stream, durable string, poll time.Duration, log *slog.Logger) error {
	t := time.NewTicker(poll)
	defer t.Stop()
	calm := 0
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		p, err := front.Pending(ctx)
		if err != nil {
			log.Warn("idle check: frontier", "err", err)
			calm = 0
			continue
		}
		waiting, inflight, err := natsbus.ConsumerLag(ctx, conn.JetStream(), stream, durable)
		if err != nil {
			log.Warn("idle check: consumer", "err", err)
			calm = 0
			continue
		}
		log.Debug("idle check", "queued", p.Queued, "waiting", p.Waiting, "inflight", p.InFlight, "sink_waiting", waiting, "sink_inflight", inflight)
		if !p.Idle() || waiting > 0 || inflight > 0 {
			calm = 0
			continue
		}
		if calm++; calm >= 2 {
			return nil
		}
	}
}

// sinkDrained waits up to d until the durable consumer has acknowledged
// everything in its stream.
func sinkDrained(conn *natsbus.Conn, stream, durable string, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		waiting, inflight, err := natsbus.ConsumerLag(ctx, conn.JetStream(), stream, durable)
		if err == nil && waiting == 0 && inflight == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
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

// storedRecords reads back every stored record whose canonical URL starts
// with prefix (the demo check).
func storedRecords(ctx context.Context, store *openedStore, prefix string) ([]*record.Article, error) {
	var ids []string
	switch s := store.Store.(type) {
	case *sqlite.Store:
		rows, err := s.DB().QueryContext(ctx, `SELECT id FROM articles WHERE substr(canonical_url, 1, ?) = ? ORDER BY id`, len(prefix), prefix)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	case *postgres.Store:
		rows, err := s.Pool().Query(ctx, `SELECT id FROM articles WHERE starts_with(canonical_url, $1) ORDER BY id`, prefix)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("cannot list the records of a %s store", store.kind)
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
