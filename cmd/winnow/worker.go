package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"winnow/crawler"
	"winnow/crawler/schedule"
	"winnow/crawler/source"
	"winnow/crawler/ssrf"
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
// AUDIT) and, every few seconds, each source's outcomes added up to
// OUTCOMES. Several crawl roles on one bus share a crawl without a
// coordinator; each host's politeness belongs to the one role holding the
// host's partition. Entry-point validators live in crawl_state.
type crawlRole struct {
	log     *slog.Logger
	front   *natsbus.Frontier
	pub     *natsbus.Publisher
	crawler *crawler.Crawler
	paths   *contentPath
	tally   *tally
	rules   string
	archive *warc.Writer
	prog    *progress
	metrics *metrics
	agg     *outcomeAggregator

	// publishCtx outlives the crawl's context so a page already fetched
	// when shutdown begins is still published (drained), until
	// stopPublishing is called.
	publishCtx     context.Context
	stopPublishing context.CancelFunc
	stopAgg        context.CancelFunc
	aggDone        chan struct{}

	mu        sync.Mutex
	srcs      []*source.Source
	reload    bool
	cancelRun context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// crawlRoleOptions are the parts of a crawl role its command decides.
type crawlRoleOptions struct {
	flags       crawlerFlags
	dataDir     string
	srcs        []*source.Source
	nets        []netip.Prefix
	precreated  bool          // bind only to admin-created frontier consumers
	window      time.Duration // outcome aggregation window
	metrics     *metrics      // nil: a registry of its own, not served
	validatorKV bool          // keep entry-point validators in crawl_state
	resolver    ssrf.Resolver // nil: the system resolver
}

func newCrawlRole(ctx context.Context, conn *natsbus.Conn, cfg natsbus.Config, o crawlRoleOptions, std stdio, log *slog.Logger) (*crawlRole, error) {
	f := o.flags
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
	front, err := natsbus.NewFrontier(ctx, js, natsbus.FrontierOptions{Config: cfg, WorkerID: f.workerID, RequirePrecreated: o.precreated, Logger: log})
	if err != nil {
		return nil, err
	}
	pub, err := natsbus.NewPublisher(js, natsbus.PublisherOptions{Config: cfg, Logger: log})
	if err != nil {
		front.Close()
		return nil, err
	}
	m := o.metrics
	if m == nil {
		m = newMetrics()
	}
	r := &crawlRole{log: log, srcs: o.srcs, front: front, pub: pub, paths: paths, tally: &tally{}, rules: rules,
		prog: newProgress(std.err, f.quiet), metrics: m}
	r.agg = newOutcomeAggregator(pub, front.WorkerID(), o.window, refetchSources(o.srcs), log)
	var archiver crawler.Archiver
	if !f.noArchive {
		prefix := "winnow-" + front.WorkerID()
		if r.archive, err = warc.NewWriter(warc.Options{Dir: filepath.Join(o.dataDir, "warc"), Prefix: prefix, Logger: log}); err != nil {
			front.Close()
			return nil, err
		}
		archiver = crawler.ArchiverFunc(func(ctx context.Context, e crawler.Exchange) (string, error) {
			return r.archive.WriteResponse(ctx, warc.Response(e))
		})
	}
	var state crawler.StateStore
	if o.validatorKV {
		st, err := natsbus.OpenState(ctx, js, cfg)
		if err != nil {
			r.close()
			return nil, err
		}
		state = kvValidators{st}
	}
	bf := newBusFrontier(front, log)
	bf.onAdded = r.agg.linksQueued
	r.crawler, err = crawler.New(crawler.Options{
		Workers:  f.workers,
		Frontier: bf,
		NoSeeds:  true, // seeds are queued by the scheduler (or worker --seed)
		State:    state,
		Archiver: archiver,
		Logger:   log,
		OnOutcome: func(o crawler.Outcome) {
			r.prog.outcome(o)
			r.metrics.observe(o)
			r.agg.observe(o)
		},
		AllowNetworks: o.nets,
		Resolver:      o.resolver,
	})
	if err != nil {
		r.close()
		return nil, err
	}
	r.publishCtx, r.stopPublishing = context.WithCancel(context.WithoutCancel(ctx))
	var actx context.Context
	actx, r.stopAgg = context.WithCancel(context.WithoutCancel(ctx))
	r.aggDone = make(chan struct{})
	go func() {
		defer close(r.aggDone)
		r.agg.run(actx, 10*time.Second)
	}()
	return r, nil
}

// refetchSources returns the ids of sources that re-fetch articles (their
// outcome events list new article URLs).
func refetchSources(srcs []*source.Source) map[string]bool {
	out := map[string]bool{}
	for _, s := range srcs {
		if after, _ := s.Schedule.RefetchPlan(); after > 0 {
			out[s.ID] = true
		}
	}
	return out
}

// sources returns the sources the role crawls now.
func (r *crawlRole) sources() []*source.Source {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srcs
}

// setSources replaces the sources (hot reload): the engine restarts with
// them; tasks in flight go back to the frontier and come again at once.
func (r *crawlRole) setSources(srcs []*source.Source) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.srcs = srcs
	r.reload = true
	r.agg.mu.Lock()
	r.agg.refetch = refetchSources(srcs)
	r.agg.mu.Unlock()
	if r.cancelRun != nil {
		r.cancelRun()
	}
}

// seed queues the seeds of every enabled source; entry points may be
// queued again on a later start, and the stream's duplicate window drops a
// second seeding within it.
func (r *crawlRole) seed(ctx context.Context) (int, error) {
	added := 0
	for _, s := range r.sources() {
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

// run crawls until ctx ends and returns the crawl summary. A source
// reload restarts the engine with the new sources.
func (r *crawlRole) run(ctx context.Context) (crawlSummary, error) {
	emit := func(_ context.Context, a *record.Article) error {
		if err := r.pub.Write(r.publishCtx, a); err != nil {
			return err
		}
		r.metrics.stored(a)
		r.agg.produced(a)
		return nil
	}
	var total crawler.Summary
	for {
		rctx, cancel := context.WithCancel(ctx)
		r.mu.Lock()
		srcs := r.srcs
		r.reload = false
		r.cancelRun = cancel
		r.mu.Unlock()
		h := charsetCounter(pageHandler(r.paths, srcs, r.tally, emit), srcs, r.metrics)
		s, err := r.crawler.Run(rctx, srcs, h)
		cancel()
		addSummary(&total, s)
		r.mu.Lock()
		reload := r.reload
		r.mu.Unlock()
		if ctx.Err() == nil && reload {
			r.log.Info("sources reloaded: crawling the new set", "stage", "crawl", "sources", len(r.sources()))
			continue
		}
		r.prog.finish()
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			err = nil // stopped: unfinished tasks went back to the frontier
		}
		return summarize(total, r.tally, r.rules), err
	}
}

// addSummary adds s to total (engine restarts on reload).
func addSummary(total *crawler.Summary, s crawler.Summary) {
	if total.Started.IsZero() {
		total.Started = s.Started
	}
	total.Finished = s.Finished
	total.Discovered += s.Discovered
	addCounts(&total.Counts, s.Counts)
	for id, c := range s.Sources {
		if total.Sources == nil {
			total.Sources = map[string]*crawler.Counts{}
		}
		if total.Sources[id] == nil {
			total.Sources[id] = &crawler.Counts{}
		}
		addCounts(total.Sources[id], *c)
	}
}

func addCounts(dst *crawler.Counts, c crawler.Counts) {
	dst.Fetched += c.Fetched
	dst.Handled += c.Handled
	dst.NotArticle += c.NotArticle
	dst.Failed += c.Failed
	dst.Skipped += c.Skipped
	for k, v := range c.Reasons {
		if dst.Reasons == nil {
			dst.Reasons = map[string]int{}
		}
		dst.Reasons[k] += v
	}
}

// charsetCounter counts, in m, the pages whose charset the content path
// had to guess (no forced charset, no BOM, no charset in the
// Content-Type, not valid UTF-8, no <meta> declaration: extract's order),
// once they became a record.
func charsetCounter(h crawler.Handler, srcs []*source.Source, m *metrics) crawler.Handler {
	forced := map[string]bool{}
	for _, s := range srcs {
		forced[s.ID] = s.Encoding.Label() != ""
	}
	return crawler.HandlerFunc(func(ctx context.Context, p *crawler.Page) error {
		guessed := !forced[p.Source] && charsetGuessed(p.Body, p.ContentType)
		err := h.HandlePage(ctx, p)
		if err == nil && guessed {
			m.charsetFallback(p.Source)
		}
		return err
	})
}

// metaCharset finds a charset declaration in a <meta> element.
var metaCharset = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=`)

// charsetGuessed mirrors the content path's decision order (DESIGN.md):
// BOM, then the Content-Type's charset, then valid UTF-8, then <meta> in
// the first 16 KiB; what none of them decides is a detector's guess.
func charsetGuessed(body []byte, contentType string) bool {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}), bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return false
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		return false
	}
	if utf8.Valid(body) {
		return false
	}
	head := body[:min(len(body), 16<<10)]
	return !metaCharset.Match(head)
}

// close releases the role in order: the frontier (prefetched tasks go
// back, partition leases are released), the publisher (after the last
// outcome events), the archive.
func (r *crawlRole) close() error {
	r.closeOnce.Do(func() {
		if r.stopPublishing != nil {
			r.stopPublishing()
		}
		errs := []error{r.front.Close()}
		if r.stopAgg != nil {
			r.stopAgg() // one last flush of the outcome events
			<-r.aggDone
		}
		errs = append(errs, r.pub.Close())
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
// publishes records to ARTICLES and outcome events to OUTCOMES, and
// reloads the sources directory when it changes. Seeds are queued by the
// scheduler (`winnow scheduler`, or the one in `winnow run`); --seed
// queues every enabled source's seeds once, by hand, when none runs.
func runWorker(ctx context.Context, std stdio, args []string) error {
	const usage = "--sources DIR [--workers N] [--metrics-addr ADDR] [--seed] --nats-url URL"
	fs, dataDir := flagSet(std, "worker", usage)
	var bf busFlags
	bf.register(fs)
	var cf crawlerFlags
	cf.register(fs)
	seed := fs.Bool("seed", false, "queue every enabled source's seeds once at start (by hand, when no scheduler runs)")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics, /healthz and /readyz on this address (e.g. :9090)")
	precreated := fs.Bool("require-precreated", false, "bind only to the frontier consumers `winnow admin init` created, never create one (least privilege)")
	reload := fs.Duration("reload-interval", schedule.DefaultWatchInterval, "how often the sources directory is checked for changes (hot reload)")
	window := fs.Duration("outcome-window", 2*time.Second, internalFlag+"how long outcomes are added up before an outcome event is published")
	drain := fs.Duration("drain-timeout", 20*time.Second, "bound on the graceful shutdown")
	resolve := fs.String("resolve", "", "HOST=IP[,HOST=IP…]: resolve these host names to these addresses, like curl --resolve (tests, private DNS overrides); the SSRF guard still checks the address")
	level := logLevelFlag(fs)
	setUsage(fs, "worker", usage)
	if err := parseFlagsEnvNoArgs(fs, args); err != nil {
		return err
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
	resolver, err := parseResolve(*resolve)
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
	m := newMetrics()
	role, err := newCrawlRole(ctx, conn, cfg, crawlRoleOptions{flags: cf, dataDir: *dataDir, srcs: srcs, nets: nets,
		precreated: *precreated, window: *window, metrics: m, validatorKV: true, resolver: resolver}, std, log)
	if err != nil {
		return err
	}
	defer role.close()
	stopHTTP, err := serveRoleHTTP(ctx, std, *metricsAddr, m, []readyCheck{natsReady(conn)}, log, func(ctx context.Context) (lagSample, error) {
		return pollLag(ctx, conn, cfg, lagFrontier, nil, role.front)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(std.err, "winnow worker %s: crawling %d sources\n", role.front.WorkerID(), len(srcs))
	if *seed {
		n, err := role.seed(ctx)
		if err != nil {
			return errors.Join(err, stopHTTP())
		}
		fmt.Fprintf(std.err, "winnow worker: queued %d seeds\n", n)
	}
	wctx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		watchSources(wctx, cf.sources, *reload, role.setSources, log)
	}()
	sum, err := role.run(ctx)
	stopWatch()
	<-watchDone
	printSummary(std.err, sum)
	return errors.Join(err, within(*drain, role.close, stopHTTP, conn.Close))
}

// parseResolve parses --resolve (HOST=IP, comma-separated) into a
// resolver that answers those names with those addresses and asks the
// system resolver for every other name; nil when s is empty.
func parseResolve(s string) (ssrf.Resolver, error) {
	fixed := map[string][]netip.Addr{}
	for _, pair := range splitList(s) {
		host, ip, ok := strings.Cut(pair, "=")
		host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
		addr, err := netip.ParseAddr(strings.TrimSpace(ip))
		if !ok || host == "" || err != nil {
			return nil, usagef("--resolve: %q is not HOST=IP", pair)
		}
		fixed[host] = append(fixed[host], addr)
	}
	if len(fixed) == 0 {
		return nil, nil
	}
	return ssrf.ResolverFunc(func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		if addrs, ok := fixed[strings.ToLower(strings.TrimSuffix(host, "."))]; ok {
			return addrs, nil
		}
		return net.DefaultResolver.LookupNetIP(ctx, network, host)
	}), nil
}

// watchSources polls dir every interval and calls onChange with the new
// sources whenever a file changes (not for the first load), until ctx
// ends. It uses the scheduler's directory watch (per-file fallback: a
// broken file keeps its last good version).
func watchSources(ctx context.Context, dir string, interval time.Duration, onChange func([]*source.Source), log *slog.Logger) {
	w, err := schedule.New(schedule.Options{Store: schedule.NewMemoryStore(), Logger: log})
	if err != nil {
		log.Error("sources watch", "err", err)
		return
	}
	first := true
	if err := w.Watch(ctx, dir, interval, func(srcs []*source.Source) {
		if first {
			first = false
			return
		}
		onChange(srcs)
	}); err != nil {
		log.Error("sources watch", "stage", "sources", "err", err)
	}
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
