package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"sync"
	"time"

	"winnow/crawler"
	"winnow/crawler/source"
	"winnow/crawler/warc"
	"winnow/sink/natsbus"
	"winnow/sink/record"
)

// crawlerFlags are the flags of the crawl roles (run, worker).
type crawlerFlags struct {
	content   contentFlags
	sources   string
	workers   int
	allowNets string
	noArchive bool
	quiet     bool
	workerID  string
}

func (f *crawlerFlags) register(fs *flag.FlagSet) {
	f.content.register(fs)
	f.content.script = "" // per source unless given
	fs.StringVar(&f.sources, "sources", "", "directory of source files (*.yaml)")
	fs.IntVar(&f.workers, "workers", 8, "fetch workers")
	fs.StringVar(&f.allowNets, "allow-net", "", "comma-separated address prefixes the SSRF guard lets through (e.g. 127.0.0.0/8)")
	fs.BoolVar(&f.noArchive, "no-archive", false, "do not archive raw responses as WARC")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.StringVar(&f.workerID, "worker-id", "", "id of this worker in the frontier's partition leases (default host-pid-random)")
}

// loadSources reads the sources directory, if any.
func (f *crawlerFlags) loadSources() ([]*source.Source, error) {
	if f.sources == "" {
		return nil, nil
	}
	return source.LoadDir(f.sources)
}

// crawlRole is one crawler process's share of a crawl: it takes tasks from
// the partitions of the JetStream frontier it holds, fetches them, runs
// the content path and publishes records to ARTICLES (and audit events to
// AUDIT). Several crawl roles on one bus share a crawl without a
// coordinator; each host's politeness belongs to the one role holding the
// host's partition.
type crawlRole struct {
	log     *slog.Logger
	srcs    []*source.Source
	front   *natsbus.Frontier
	pub     *natsbus.Publisher
	crawler *crawler.Crawler
	paths   *contentPath
	tally   *tally
	rules   string
	archive *warc.Writer
	prog    *progress

	// publishCtx outlives the crawl's context so a page already fetched
	// when shutdown begins is still published (drained), until
	// stopPublishing is called.
	publishCtx     context.Context
	stopPublishing context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

func newCrawlRole(ctx context.Context, conn *natsbus.Conn, cfg natsbus.Config, f crawlerFlags, dataDir string,
	srcs []*source.Source, nets []netip.Prefix, std stdio, log *slog.Logger) (*crawlRole, error) {
	if f.workers < 1 {
		return nil, usagef("--workers must be positive")
	}
	js := conn.JetStream()
	paths, err := newContentPath(f.content)
	if err != nil {
		return nil, err
	}
	rules, err := paths.RulesVersion()
	if err != nil {
		return nil, err
	}
	front, err := natsbus.NewFrontier(ctx, js, natsbus.FrontierOptions{Config: cfg, WorkerID: f.workerID, Logger: log})
	if err != nil {
		return nil, err
	}
	pub, err := natsbus.NewPublisher(js, natsbus.PublisherOptions{Config: cfg, Logger: log})
	if err != nil {
		front.Close()
		return nil, err
	}
	r := &crawlRole{log: log, srcs: srcs, front: front, pub: pub, paths: paths, tally: &tally{}, rules: rules,
		prog: newProgress(std.err, f.quiet)}
	var archiver crawler.Archiver
	if !f.noArchive {
		prefix := "winnow-" + front.WorkerID()
		if r.archive, err = warc.NewWriter(warc.Options{Dir: filepath.Join(dataDir, "warc"), Prefix: prefix, Logger: log}); err != nil {
			front.Close()
			return nil, err
		}
		archiver = crawler.ArchiverFunc(func(ctx context.Context, e crawler.Exchange) (string, error) {
			return r.archive.WriteResponse(ctx, warc.Response(e))
		})
	}
	r.crawler, err = crawler.New(crawler.Options{
		Workers:       f.workers,
		Frontier:      newBusFrontier(front, log),
		NoSeeds:       true, // seeds are added once, by seed (run) or a scheduler
		Archiver:      archiver,
		Logger:        log,
		OnOutcome:     r.prog.outcome,
		AllowNetworks: nets,
	})
	if err != nil {
		r.close()
		return nil, err
	}
	r.publishCtx, r.stopPublishing = context.WithCancel(context.WithoutCancel(ctx))
	return r, nil
}

// seed queues the seeds of every enabled source; entry points may be
// queued again on a later start, and the stream's duplicate window drops a
// second seeding within it.
func (r *crawlRole) seed(ctx context.Context) (int, error) {
	added := 0
	for _, s := range r.srcs {
		if !s.IsEnabled() {
			continue
		}
		tasks, err := crawler.SeedTasks(s)
		if err != nil {
			return added, err
		}
		n, err := newBusFrontier(r.front, r.log).Add(ctx, tasks...)
		added += n
		if err != nil {
			return added, err
		}
	}
	return added, nil
}

// run crawls until ctx ends and returns the crawl summary.
func (r *crawlRole) run(ctx context.Context) (crawlSummary, error) {
	emit := func(_ context.Context, a *record.Article) error { return r.pub.Write(r.publishCtx, a) }
	s, err := r.crawler.Run(ctx, r.srcs, pageHandler(r.paths, r.srcs, r.tally, emit))
	r.prog.finish()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil // stopped: unfinished tasks went back to the frontier
	}
	return summarize(s, r.tally, r.rules), err
}

// close releases the role in order: the frontier (prefetched tasks go
// back, partition leases are released), the publisher, the archive.
func (r *crawlRole) close() error {
	r.closeOnce.Do(func() {
		if r.stopPublishing != nil {
			r.stopPublishing()
		}
		errs := []error{r.front.Close(), r.pub.Close()}
		if r.crawler != nil {
			errs = append(errs, r.crawler.Close())
		}
		if r.archive != nil {
			errs = append(errs, r.archive.Close())
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

// crawlNets returns the SSRF allow-list of the flags.
func crawlNets(f crawlerFlags) ([]netip.Prefix, error) { return parsePrefixes(f.allowNets) }

// runWorker runs one crawler process against an external NATS server:
// `winnow worker --sources DIR --workers N --nats-url URL`. It takes tasks
// from the frontier partitions it leases (the live workers split them),
// and publishes records to ARTICLES. Seeds are added by the scheduler, by
// `winnow run`, or with --seed by one worker.
func runWorker(ctx context.Context, std stdio, args []string) error {
	const usage = "--sources DIR [--workers N] [--seed] --nats-url URL"
	fs, dataDir := flagSet(std, "worker", usage)
	var bf busFlags
	bf.register(fs)
	var cf crawlerFlags
	cf.register(fs)
	seed := fs.Bool("seed", false, "queue every enabled source's seeds at start (when no scheduler runs)")
	drain := fs.Duration("drain-timeout", 20*time.Second, "bound on the graceful shutdown")
	level := logLevelFlag(fs)
	setUsage(fs, "worker", usage)
	if err := parseFlagsEnv(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if cf.sources == "" {
		return usagef("worker needs --sources DIR")
	}
	srcs, err := cf.loadSources()
	if err != nil {
		return err
	}
	nets, err := crawlNets(cf)
	if err != nil {
		return err
	}
	cfg, err := bf.config()
	if err != nil {
		return err
	}
	log := newLogger(std.err, *level).With("role", "worker")
	conn, err := bf.connect(ctx, "worker", log)
	if err != nil {
		return err
	}
	defer conn.Close()
	role, err := newCrawlRole(ctx, conn, cfg, cf, *dataDir, srcs, nets, std, log)
	if err != nil {
		return err
	}
	defer role.close()
	fmt.Fprintf(std.err, "winnow worker %s: crawling %d sources\n", role.front.WorkerID(), len(srcs))
	if *seed {
		n, err := role.seed(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(std.err, "winnow worker: queued %d seeds\n", n)
	}
	sum, err := role.run(ctx)
	printSummary(std.err, sum)
	return errors.Join(err, within(*drain, role.close, conn.Close))
}

// within runs the shutdown steps in order and gives up (with an error)
// when they take longer than d together: a stuck step must not keep the
// process alive.
func within(d time.Duration, steps ...func() error) error {
	done := make(chan error, 1)
	go func() {
		var errs []error
		for _, s := range steps {
			errs = append(errs, s())
		}
		done <- errors.Join(errs...)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("shutdown did not finish within %s", d)
	}
}

// waitGroupErr collects the first error of goroutines it owns.
type waitGroupErr struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

func (g *waitGroupErr) Go(name string, fn func() error) {
	g.wg.Go(func() {
		if err := fn(); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, fmt.Errorf("%s: %w", name, err))
			g.mu.Unlock()
		}
	})
}

func (g *waitGroupErr) Wait() error {
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.errs...)
}
