// Package sqlite is winnow's embedded storage sink: article records in
// one SQLite file (modernc.org/sqlite, pure Go), in tables that analysts
// may query directly, with Chinese full-text search.
//
// Open applies the embedded schema migrations and returns a Store. Every
// WriteBatch is one transaction (BEGIN IMMEDIATE, prepared statements) in
// WAL mode with synchronous=FULL, so a batch is on disk when it returns
// and a crash leaves either all of it or none. Writes upsert by record id
// guarded by the content hash: the same hash is never rewritten, a new
// hash replaces the article row and its removal rows atomically, and a
// version fetched earlier than the stored one is ignored (a late
// redelivery cannot undo a newer version).
//
// Tables (schema in migrations/): articles (primary key id, the record's
// fields as columns, authors and normalization as JSON text, the record
// JSON in record — with "body": "", the body being its own column —
// published_utc for time ranges), removals (one row per removal with
// article_id, position, source and stored_at, indexed by rule, kind,
// source and time), articles_fts and search_pending (the search index and
// its queue) and schema_migrations.
//
// Search cuts title, subtitle and body into overlapping CJK bigrams and
// latin words (winnow/sink/internal/bigram) in an FTS5 table, so a
// two-character word such as 政法 is found (FTS5's trigram tokenizer
// cannot), ranked by bm25 with the title weighted over the body. Indexing
// a long article costs many times its row insert, so it runs beside the
// writes: a write queues the article in the same transaction, a
// goroutine owned by the Store indexes the queue, and Search first
// indexes whatever is still queued, so it sees every completed write.
// With Options.IndexIdle the indexer also waits for a pause in the writes
// (or a long queue), so a burst from the bus commits at full speed.
//
// Caveats: one process should write a database file at a time (several
// are safe, through SQLite's locking and the busy timeout, but they take
// turns); the search text is matched as given — records are normalized to
// Simplified upstream, so converting a Traditional query is the caller's
// job; latin words match whole words only; a Search right after a large
// burst of writes pays for indexing the backlog.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"winnow/sink"
)

// Errors.
var (
	// ErrOptions is wrapped by Open when Options are invalid.
	ErrOptions = errors.New("sqlite: invalid options")
	// ErrClosed is returned by every call on a closed Store.
	ErrClosed = errors.New("sqlite: store closed")
	// ErrSchemaTooNew is wrapped by Open when the database was migrated
	// by a newer winnow than this one.
	ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this program")
	// ErrTransient is wrapped by errors that a later retry may not get:
	// the database is locked by another process past the busy timeout, or
	// the disk is full.
	ErrTransient = errors.New("sqlite: transient error")
)

// Options configure a Store. The zero value is invalid only because Path
// is required.
type Options struct {
	// Path is the database file, created if missing (with -wal and -shm
	// files beside it). Required.
	Path string
	// Logger receives migrations and slow-path events; zero discards.
	Logger *slog.Logger
	// BusyTimeout is how long a statement waits for a lock held by
	// another connection or process; zero means 10s.
	BusyTimeout time.Duration
	// ReadConns is the size of the read pool (Get, Search, DB); zero
	// means 4.
	ReadConns int
	// IndexIdle makes the search indexer yield to writes: it indexes
	// only once no write has committed for this long, unless IndexBacklog
	// articles are queued. Indexing a long article costs several times
	// its write, so a burst of writes commits at full speed and is
	// indexed after; Search still indexes everything queued before it
	// answers, so it sees every completed write. Zero: the indexer runs
	// beside the writes.
	IndexIdle time.Duration
	// IndexBacklog is how many queued articles make the indexer run even
	// while writes go on, bounding the backlog a Search may have to index
	// (and making a sustained write load wait for indexing); zero means
	// 20,000. Only used with IndexIdle.
	IndexBacklog int
}

// Store is an open SQLite store. It is safe for concurrent use; writes
// take turns on one connection.
type Store struct {
	w, r *sql.DB // w: the one writer connection; r: read-only pool
	log  *slog.Logger
	st   statements

	mu     sync.RWMutex // held shared by every call, exclusively by Close
	closed bool

	wake        chan struct{} // buffered 1: the indexer has work
	stopIndexer context.CancelFunc
	indexerDone chan struct{} // closed when the indexer has returned
	indexIdle   time.Duration // see Options.IndexIdle
	backlog     int64         // see Options.IndexBacklog
	lastWrite   atomic.Int64  // UnixNano of the last write commit

	// beforeCommit, if set (by tests in this package), runs inside each
	// write transaction just before COMMIT.
	beforeCommit func()
}

var _ sink.Store = (*Store)(nil)

// Open opens (creating if needed) the database at opts.Path, applies
// pending migrations and prepares the write statements.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, fmt.Errorf("%w: Path is empty", ErrOptions)
	}
	if strings.ContainsAny(opts.Path, "?#") {
		return nil, fmt.Errorf("%w: Path %q contains ? or #", ErrOptions, opts.Path)
	}
	if opts.BusyTimeout < 0 || opts.ReadConns < 0 || opts.IndexIdle < 0 || opts.IndexBacklog < 0 {
		return nil, fmt.Errorf("%w: negative BusyTimeout, ReadConns, IndexIdle or IndexBacklog", ErrOptions)
	}
	if opts.IndexBacklog == 0 {
		opts.IndexBacklog = 20000
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 10 * time.Second
	}
	if opts.ReadConns == 0 {
		opts.ReadConns = 4
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	w, err := sql.Open("sqlite", dsn(opts, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", opts.Path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, log: log, indexIdle: opts.IndexIdle, backlog: int64(opts.IndexBacklog)}
	if err := s.migrateRetrying(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := s.st.prepare(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: prepare statements: %w", classify(err))
	}
	r, err := sql.Open("sqlite", dsn(opts, true))
	if err != nil {
		s.st.close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", opts.Path, err)
	}
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	s.r = r

	s.wake = make(chan struct{}, 1)
	s.indexerDone = make(chan struct{})
	ictx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopIndexer = cancel
	go s.runIndexer(ictx)
	s.wakeIndexer() // whatever an earlier process left queued
	return s, nil
}

// writerCacheKiB is the page cache of the writer connection: 32 MiB hold
// the id index of about half a million articles.
const writerCacheKiB = 32 << 10

// dsn returns the driver's data source name: the file path and the
// pragmas every connection runs.
func dsn(opts Options, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		return opts.Path + "?" + q.Encode()
	}
	q.Set("_txlock", "immediate")
	// The writer keeps the indexes a batch touches in memory (the default
	// 2 MB cache re-reads the id index from disk once it outgrows it),
	// and keeps statement journals (multi-row INSERTs need them) in
	// memory rather than in temporary files.
	q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -writerCacheKiB))
	q.Add("_pragma", "temp_store(MEMORY)")
	return opts.Path + "?" + q.Encode()
}

// DB returns the read-only connection pool, for queries over the tables
// (audit reports, analysts' SQL). Do not close it.
func (s *Store) DB() *sql.DB { return s.r }

// Close closes the store, waiting for calls in progress and stopping the
// search indexer (what it had not indexed stays queued for the next Open).
// Closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.stopIndexer()
	<-s.indexerDone
	s.st.close()
	// A checkpoint folds the WAL into the database so the file is whole
	// on its own; failure is harmless (the WAL is replayed on open).
	if _, err := s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.log.Debug("sqlite: checkpoint on close", "err", err)
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// acquire holds the store open for one call; release with s.mu.RUnlock.
func (s *Store) acquire() error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

// migrateRetrying runs migrate, retrying transient failures a few times:
// while several stores open a new file at once, some lock conflicts of
// its set-up (another opener switching the file to WAL) come back as
// SQLITE_BUSY at once, without waiting out the busy timeout.
func (s *Store) migrateRetrying(ctx context.Context) error {
	err := s.migrate(ctx)
	for attempt := 1; errors.Is(err, ErrTransient) && attempt < 6; attempt++ {
		t := time.NewTimer(time.Duration(attempt) * 50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		err = s.migrate(ctx)
	}
	return err
}

// classify wraps the errors a retry may fix with ErrTransient.
func classify(err error) error {
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL:
			return fmt.Errorf("%w: %w", ErrTransient, err)
		}
	}
	return err
}
