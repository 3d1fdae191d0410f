package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"winnow/sink"
	"winnow/sink/analyst"
	"winnow/sink/jsonl"
	"winnow/sink/natsbus"
	"winnow/sink/postgres"
	"winnow/sink/record"
	"winnow/sink/sqlite"
)

// Store kinds of `winnow sink KIND` and `winnow run`.
const (
	storeSQLite   = "sqlite"
	storePostgres = "postgres"
	storeJSONL    = "jsonl"
)

// storeFlags locate the storage of a sink.
type storeFlags struct {
	postgres, schema, jsonlDir string
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.postgres, "postgres", "", "PostgreSQL DSN (store records there instead of SQLite in --data)")
	fs.StringVar(&f.schema, "postgres-schema", "", "PostgreSQL schema of the tables (created if missing; default: the server's search_path)")
	fs.StringVar(&f.jsonlDir, "jsonl-dir", "", "directory of the JSON-lines files (default --data/jsonl)")
}

// openedStore is a store with a readiness check.
type openedStore struct {
	sink.Store
	kind string
	// ping reports whether the storage answers.
	ping func(ctx context.Context) error
}

// openStore opens the store of the given kind: SQLite at
// dataDir/winnow.db, PostgreSQL at the DSN, JSON lines in a directory.
func openStore(ctx context.Context, kind, dataDir string, f storeFlags, log *slog.Logger) (*openedStore, error) {
	switch kind {
	case storeSQLite:
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, err
		}
		// The search indexer waits for a pause in the writes (or a long
		// backlog): a burst from the bus commits at full speed, and
		// search stays complete (it indexes the backlog first).
		s, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(dataDir, "winnow.db"), Logger: log, IndexIdle: 250 * time.Millisecond})
		if err != nil {
			return nil, err
		}
		return &openedStore{Store: s, kind: kind, ping: s.DB().PingContext}, nil
	case storePostgres:
		if f.postgres == "" {
			return nil, usagef("--postgres DSN (or WINNOW_POSTGRES) is required for the postgres store")
		}
		s, err := postgres.Open(ctx, postgres.Options{DSN: f.postgres, Schema: f.schema, Logger: log})
		if err != nil {
			return nil, err
		}
		return &openedStore{Store: s, kind: kind, ping: func(ctx context.Context) error { return s.Pool().Ping(ctx) }}, nil
	case storeJSONL:
		dir := f.jsonlDir
		if dir == "" {
			dir = filepath.Join(dataDir, "jsonl")
		}
		s, err := jsonl.Open(ctx, jsonl.Options{Dir: dir, Logger: log})
		if err != nil {
			return nil, err
		}
		return &openedStore{Store: s, kind: kind, ping: func(context.Context) error { _, err := os.Stat(dir); return err }}, nil
	}
	return nil, usagef("unknown store %q (sqlite, postgres or jsonl)", kind)
}

// storeWriter adapts a store's WriteBatch to natsbus.BatchWriter: records
// the store rejected make the batch's error wrap sink.ErrRejected (the
// consumer then isolates and dead-letters them; the others are already
// committed and rewriting them is a no-op).
type storeWriter struct{ s sink.BatchWriter }

func (w storeWriter) WriteBatch(ctx context.Context, recs []*record.Article) error {
	res, err := w.s.WriteBatch(ctx, recs)
	if err != nil {
		return err
	}
	if len(res.Rejected) == 0 {
		return nil
	}
	errs := make([]error, len(res.Rejected))
	for i, r := range res.Rejected {
		errs[i] = fmt.Errorf("record %d (%s): %w", r.Index, r.ID, r.Err)
	}
	return errors.Join(errs...)
}

// consumerFlags tune a storage consumer.
type consumerFlags struct {
	durable      string
	batch        int
	maxDeliver   int
	precreated   bool
	retryBackoff time.Duration
	writeDelay   time.Duration
	parallel     int
}

func (f *consumerFlags) register(fs *flag.FlagSet, defaultDurable string) {
	fs.StringVar(&f.durable, "durable", defaultDurable, "durable consumer name on ARTICLES (one per sink)")
	fs.IntVar(&f.batch, "batch", 256, "records fetched and written per transaction")
	fs.IntVar(&f.maxDeliver, "max-deliver", 8, "deliveries of one record before it goes to the DLQ")
	fs.DurationVar(&f.retryBackoff, "retry-backoff", 5*time.Second, "delay before a record whose write failed is delivered again (doubles per delivery up to 2m; at least 5s, the ack wait)")
	fs.IntVar(&f.parallel, "consumers", 2, "pull loops sharing the durable consumer in this process (one decodes while another writes)")
	fs.BoolVar(&f.precreated, "require-precreated", false, "bind to a consumer `winnow admin init` created, never create one (least privilege)")
	fs.DurationVar(&f.writeDelay, "write-delay", 0, internalFlag+"wait this long before each batch write (fault tests: a kill lands mid-batch)")
}

// writer returns the batch writer of store for the flags.
func (f *consumerFlags) writer(store sink.BatchWriter) natsbus.BatchWriter {
	w := storeWriter{store}
	if f.writeDelay <= 0 {
		return w
	}
	return natsbus.BatchWriterFunc(func(ctx context.Context, recs []*record.Article) error {
		t := time.NewTimer(f.writeDelay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		return w.WriteBatch(ctx, recs)
	})
}

// config returns the consumer configuration of ARTICLES for the flags.
func (f *consumerFlags) config(cfg natsbus.Config, log *slog.Logger) (natsbus.ConsumerConfig, error) {
	n, err := cfg.Names()
	if err != nil {
		return natsbus.ConsumerConfig{}, err
	}
	if f.batch < 1 || f.batch > 4096 {
		return natsbus.ConsumerConfig{}, usagef("--batch must be in 1..4096")
	}
	if f.maxDeliver < 2 {
		return natsbus.ConsumerConfig{}, usagef("--max-deliver must be at least 2")
	}
	if f.retryBackoff <= 0 {
		return natsbus.ConsumerConfig{}, usagef("--retry-backoff must be positive")
	}
	if f.parallel < 1 || f.parallel > 16 {
		return natsbus.ConsumerConfig{}, usagef("--consumers must be in 1..16")
	}
	// BackOff[i] is both the ack wait of delivery i+1 and the delay after
	// its failed write: --retry-backoff doubling up to 2m, but never
	// below minAckWait (a batch in hand must not be redelivered behind
	// the writer's back).
	const minAckWait = 5 * time.Second
	backoff := make([]time.Duration, f.maxDeliver-1)
	for i, d := 0, f.retryBackoff; i < len(backoff); i, d = i+1, min(2*d, 2*time.Minute) {
		backoff[i] = max(d, minAckWait)
	}
	return natsbus.ConsumerConfig{
		Config: cfg, Stream: n.Articles, Durable: f.durable, MaxDeliver: f.maxDeliver, BackOff: backoff,
		BatchSize: f.batch, MaxWait: time.Second, MaxAckPending: (f.parallel + 1) * f.batch,
		RequirePrecreated: f.precreated, StopTimeout: 20 * time.Second, Logger: log,
	}, nil
}

// consume runs the flags' number of Consume loops on one durable
// consumer, writing to store, until ctx ends. The store takes their
// batches in turns; while one loop writes, another fetches and decodes.
// Concurrent loops may write two versions of one record out of order,
// which the stores' upsert resolves (the later fetch wins).
func (f *consumerFlags) consume(ctx context.Context, conn *natsbus.Conn, cc natsbus.ConsumerConfig, store sink.BatchWriter) error {
	var g waitGroupErr
	for i := range max(f.parallel, 1) {
		g.Go(fmt.Sprintf("consumer %d", i), func() error { return natsbus.Consume(ctx, conn.JetStream(), cc, f.writer(store)) })
	}
	return g.Wait()
}

// runSink runs one storage consumer: `winnow sink sqlite|postgres|jsonl`.
// The SQLite and PostgreSQL sinks also record the crawl-outcome events
// (OUTCOMES, same durable) into crawl_outcomes, one process per durable
// at a time.
func runSink(ctx context.Context, std stdio, args []string) error {
	const usage = "sqlite|postgres|jsonl [--durable NAME] [--postgres DSN] [--metrics-addr ADDR] [--nats-url URL …]"
	if len(args) == 0 || (args[0] != storeSQLite && args[0] != storePostgres && args[0] != storeJSONL) {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintf(std.err, "usage: winnow sink %s\n", usage)
			return flag.ErrHelp
		}
		return usagef("sink needs the store: sqlite, postgres or jsonl")
	}
	kind := args[0]
	fs, dataDir := flagSet(std, "sink "+kind, usage)
	var bf busFlags
	bf.register(fs)
	var sf storeFlags
	sf.register(fs)
	var cf consumerFlags
	cf.register(fs, "sink-"+kind)
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics, /healthz and /readyz on this address (e.g. :9090)")
	noOutcomes := fs.Bool("no-outcomes", false, "do not record the crawl-outcome events into crawl_outcomes (another sink does)")
	level := logLevelFlag(fs)
	setUsage(fs, "sink "+kind, usage)
	if err := parseFlagsEnv(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	log := newLogger(std.err, *level).With("role", "sink", "store", kind)
	cfg, err := bf.config()
	if err != nil {
		return err
	}
	names, err := cfg.Names()
	if err != nil {
		return err
	}
	cc, err := cf.config(cfg, log)
	if err != nil {
		return err
	}
	conn, err := bf.connect(ctx, "sink-"+kind, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	store, err := openStore(ctx, kind, *dataDir, sf, log)
	if err != nil {
		return err
	}
	defer store.Close()
	var g waitGroupErr
	consumers := []consumerRef{{names.Articles, cc.Durable}}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	if kind != storeJSONL && !*noOutcomes {
		// The recorder waits for the database on its own: records keep
		// flowing (and failing, and being retried) meanwhile.
		olog := log.With("stage", "outcomes")
		g.Go("outcome recorder", func() error {
			for sctx.Err() == nil {
				ast, err := analystFor(sctx, store, *dataDir, olog)
				if err != nil {
					if sctx.Err() == nil {
						olog.Warn("crawl_outcomes unavailable; retrying in 10s", "err", err)
						sleepFor(sctx, 10*time.Second)
					}
					continue
				}
				defer ast.Close()
				rec, err := newOutcomeRecorder(sctx, conn, cfg, cc.Durable, cf.precreated, ast, "", olog)
				if err != nil {
					return err
				}
				return rec.run(sctx)
			}
			return nil
		})
		consumers = append(consumers, consumerRef{names.Outcomes, cc.Durable})
	}
	m := newMetrics()
	stopHTTP, err := serveRoleHTTP(ctx, std, *metricsAddr, m, []readyCheck{natsReady(conn), {name: "store", check: store.ping}}, log,
		func(ctx context.Context) (lagSample, error) { return pollLag(ctx, conn, cfg, 0, consumers, nil) })
	if err != nil {
		return err
	}
	fmt.Fprintf(std.err, "winnow sink %s: consuming %s as %s\n", kind, cc.Stream, cc.Durable)
	consumeErr := cf.consume(ctx, conn, cc, store)
	// ctx ended: Consume finished and acknowledged the batch in hand.
	stop()
	return errors.Join(consumeErr, g.Wait(), stopHTTP(), conn.Close(), store.Close())
}

// analystFor builds the analyst queries (and crawl_outcomes) over an
// opened SQLite or PostgreSQL store, sharing its database: the outcome
// recorder of a sink and the web page of `winnow run` use it. The
// returned store's Close closes only what analystFor opened.
func analystFor(ctx context.Context, store *openedStore, dataDir string, log *slog.Logger) (*analystStore, error) {
	out := &analystStore{warcDir: filepath.Join(dataDir, "warc"), store: store.Store, ping: store.ping}
	var (
		db      *sql.DB
		dialect analyst.Dialect
		err     error
	)
	switch s := store.Store.(type) {
	case *sqlite.Store:
		if db, err = openSQLiteReader(filepath.Join(dataDir, "winnow.db")); err != nil {
			return nil, err
		}
		dialect = analyst.SQLite
	case *postgres.Store:
		// The schema and the store's tables first: crawl_outcomes goes
		// beside them.
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
		db, dialect = stdlib.OpenDBFromPool(s.Pool()), analyst.Postgres
	default:
		return nil, fmt.Errorf("no analyst queries over a %s store", store.kind)
	}
	if err := out.attachQueries(ctx, db, dialect, log); err != nil {
		return nil, err
	}
	return out, nil
}

// outcomeConsumer is the consumer configuration of a storage consumer's
// outcome events (OUTCOMES, same durable name as on ARTICLES). Its ack
// wait is also how long a new recorder waits for a previous one's
// unacknowledged events to come back.
func outcomeConsumer(cfg natsbus.Config, durable string, precreated bool, log *slog.Logger) (natsbus.ConsumerConfig, error) {
	n, err := cfg.Names()
	if err != nil {
		return natsbus.ConsumerConfig{}, err
	}
	return natsbus.ConsumerConfig{
		Config: cfg, Stream: n.Outcomes, Durable: durable, MaxDeliver: 20, BackOff: []time.Duration{10 * time.Second},
		BatchSize: 256, MaxWait: time.Second, RequirePrecreated: precreated, StopTimeout: 20 * time.Second, Logger: log,
	}, nil
}

// newOutcomeRecorder returns the recorder of durable's outcome events
// into st's crawl_outcomes. owner names it in the recorder lease; ""
// means unique per process (a process that may restart under the same
// owner, as `winnow run` on its locked data directory, takes its lease
// back at once).
func newOutcomeRecorder(ctx context.Context, conn *natsbus.Conn, cfg natsbus.Config, durable string, precreated bool, st *analystStore, owner string, log *slog.Logger) (*outcomeRecorder, error) {
	cc, err := outcomeConsumer(cfg, durable, precreated, log)
	if err != nil {
		return nil, err
	}
	leases, err := natsbus.OpenLeases(ctx, conn.JetStream(), cfg)
	if err != nil {
		return nil, err
	}
	if owner == "" {
		host, _ := os.Hostname()
		owner = fmt.Sprintf("%s-%d-%x", host, os.Getpid(), time.Now().UnixNano()&0xffffff)
	}
	return &outcomeRecorder{conn: conn, cc: cc, an: st.an, leases: leases, owner: owner, ttl: 30 * time.Second, log: log}, nil
}
