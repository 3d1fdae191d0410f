// Package postgres is winnow's scale-out storage sink: article records in
// PostgreSQL (pgx v5, pgxpool), in the same tables as sink/sqlite —
// articles, removals, schema_migrations — with native types and Chinese
// full-text search.
//
// Open only parses the options; the first call (or Migrate) connects and
// applies the embedded migrations in one transaction under an advisory
// lock, so several sink processes starting together apply them once.
// Where the server supports it (PostgreSQL 14+ built with lz4) the body
// and search columns are switched to lz4 TOAST compression, several times
// cheaper to write than the default pglz; otherwise they stay as they are
// (logged at debug).
//
// WriteBatch is one transaction: it locks the stored versions of the
// batch's ids (in id order, so concurrent batches cannot deadlock),
// decides per record as every winnow sink does (new id: insert; same
// content hash: nothing; a different hash fetched earlier than the stored
// one: a stale redelivery, nothing; otherwise replace), upserts the
// articles in one pipelined pgx.Batch (INSERT … ON CONFLICT (id) DO
// UPDATE … WHERE the hash differs and the version is not older), then
// replaces their removal rows (DELETE, then COPY) in the same
// transaction. The search index takes most of the server's CPU: a 20 KB
// article adds ~1,700 distinct bigrams to the GIN pending list, and the
// insert that fills the list merges it into the index (with a larger
// work_mem than the usual default, see cleanupWorkMem).
//
// Search: title, subtitle and body are cut into CJK bigrams and latin
// words (winnow/sink/internal/bigram) and stored in articles.search with
// a GIN index, title weighted A: the tsvector that to_tsvector('simple',
// <tokens>) would give, built client-side (the server's parser costs
// several times more, and index and query then share one tokenizer
// whatever the server's locale). A query becomes a tsquery of bigram
// phrases (<->), a single character as a prefix (:*), ranked by ts_rank.
//
// Errors: a record that can never be written wraps sink.ErrRejected; a
// connection failure, serialization failure, deadlock or server shutdown
// wraps ErrTransient (retry after a delay).
//
// Caveats: the search text is matched as given (records are Simplified;
// converting a Traditional query is the caller's job); PostgreSQL keeps at
// most 256 positions per lexeme and positions up to 16383, so in very long
// articles a phrase near the end can be missed; a tsvector holds at most
// 1 MB.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"winnow/sink"
)

// Errors.
var (
	// ErrOptions is wrapped by Open when Options are invalid.
	ErrOptions = errors.New("postgres: invalid options")
	// ErrClosed is returned by every call on a closed Store.
	ErrClosed = errors.New("postgres: store closed")
	// ErrSchemaTooNew is wrapped when the database was migrated by a newer
	// winnow than this one.
	ErrSchemaTooNew = errors.New("postgres: database schema is newer than this program")
	// ErrTransient is wrapped by errors a retry after a delay may not get:
	// the server is unreachable or shutting down, the connection broke, or
	// the transaction lost a serialization or deadlock race.
	ErrTransient = errors.New("postgres: transient error")
)

// Options configure a Store. The zero value is invalid only because DSN
// is required.
type Options struct {
	// DSN is a PostgreSQL connection string (URL or key=value). Required.
	DSN string
	// Schema, if set, is created if missing and used as the search_path,
	// so the tables live there; "" uses the server's search_path.
	Schema string
	// Logger receives migration events; zero discards.
	Logger *slog.Logger
	// MaxConns is the pool size; zero means 4.
	MaxConns int32
	// ConnectTimeout bounds one connection attempt; zero means 5s (never
	// "no timeout").
	ConnectTimeout time.Duration
}

// Store is a PostgreSQL store. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	log    *slog.Logger
	schema string

	migrateMu sync.Mutex
	migrated  bool

	mu     sync.RWMutex // held shared by every call, exclusively by Close
	closed bool

	// beforeCommit, if set (by tests in this package), runs inside each
	// write transaction just before COMMIT.
	beforeCommit func()
}

var _ sink.Store = (*Store)(nil)

// Open validates opts and makes the connection pool. It does not connect:
// a server that is down makes the calls fail (with ErrTransient), not
// Open, so a sink process can start before its database. Call Migrate to
// connect and migrate up front.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.DSN == "" {
		return nil, fmt.Errorf("%w: DSN is empty", ErrOptions)
	}
	if opts.MaxConns < 0 || opts.ConnectTimeout < 0 {
		return nil, fmt.Errorf("%w: negative MaxConns or ConnectTimeout", ErrOptions)
	}
	cfg, err := pgxpool.ParseConfig(opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("%w: DSN: %w", ErrOptions, err)
	}
	cfg.MaxConns = 4
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > opts.ConnectTimeout {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: pool: %w", err)
	}
	return &Store{pool: pool, log: log, schema: opts.Schema}, nil
}

// Pool returns the connection pool, for queries over the tables (audit
// reports, analysts' SQL). Do not close it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool, waiting for calls in progress. Closing twice is a
// no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.pool.Close()
	return nil
}

// acquire holds the store open for one call and makes sure the schema is
// migrated; release with s.mu.RUnlock.
func (s *Store) acquire(ctx context.Context) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	if err := s.ensureMigrated(ctx); err != nil {
		s.mu.RUnlock()
		return err
	}
	return nil
}

// classify wraps the errors a retry may fix with ErrTransient. The
// caller's own cancellation is returned as it is.
func classify(err error) error {
	if err == nil || errors.Is(err, ErrTransient) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if transientCode(pgErr.Code) {
			return fmt.Errorf("%w: %w", ErrTransient, err)
		}
		return err
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, pgconn.ErrConnClosed) {
		return fmt.Errorf("%w: %w", ErrTransient, err)
	}
	return err
}

// transientCode reports whether a SQLSTATE is worth a retry: connection
// exceptions (08), insufficient resources (53: disk full, too many
// connections), serialization failure, deadlock, lock not available,
// and server shutdown or start-up.
func transientCode(code string) bool {
	switch code {
	case "40001", "40P01", "55P03", "57P01", "57P02", "57P03":
		return true
	}
	return len(code) == 5 && (code[:2] == "08" || code[:2] == "53")
}
