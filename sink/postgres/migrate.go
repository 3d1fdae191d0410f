package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"winnow/sink/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the store's schema steps, in PostgreSQL's dialect.
var migrations = migrate.Schema{
	Store: "postgres",
	FS:    migrationFS,
	Dir:   "migrations",
	CreateTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`,
	Record: `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
	TooNew: ErrSchemaTooNew,
}

// lz4Columns are switched to lz4 TOAST compression where the server can.
var lz4Columns = []string{"body", "search"}

// Migrate connects, and applies the pending migrations once per Store
// (every call needs them, and makes them itself; Migrate only does it up
// front). It is safe to call from several processes at once.
func (s *Store) Migrate(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return s.ensureMigrated(ctx)
}

func (s *Store) ensureMigrated(ctx context.Context) error {
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	if s.migrated {
		return nil
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.migrated = true
	return nil
}

// lockKey is the advisory lock that serializes migrations of one schema.
func lockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("winnow/sink/postgres migrate " + schema))
	return int64(h.Sum64())
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", classify(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey(s.schema)); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", classify(err))
	}
	if s.schema != "" {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
			return fmt.Errorf("postgres: migrate: create schema: %w", classify(err))
		}
	}
	if _, err := migrate.Apply(ctx, migrationTx{tx}, migrations, s.log); err != nil {
		return err
	}
	if err := s.useLZ4(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", classify(err))
	}
	return nil
}

// migrationTx runs migrations in a pgx transaction.
type migrationTx struct{ tx pgx.Tx }

func (m migrationTx) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := m.tx.Exec(ctx, sql, args...)
	return classify(err)
}

func (m migrationTx) QueryInt(ctx context.Context, sql string) (int, error) {
	var n int
	err := m.tx.QueryRow(ctx, sql).Scan(&n)
	return n, classify(err)
}

// useLZ4 switches lz4Columns to lz4 compression when the server supports
// it and they are not already; otherwise it logs at debug and moves on.
func (s *Store) useLZ4(ctx context.Context, tx pgx.Tx) error {
	var version int
	if err := tx.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		return fmt.Errorf("postgres: server version: %w", classify(err))
	}
	if version < 140000 {
		s.log.Debug("postgres: lz4 compression needs PostgreSQL 14+; keeping the default", "server_version_num", version)
		return nil
	}
	for _, col := range lz4Columns {
		var method string
		if err := tx.QueryRow(ctx, `SELECT attcompression::text FROM pg_attribute
			WHERE attrelid = 'articles'::regclass AND attname = $1`, col).Scan(&method); err != nil {
			return fmt.Errorf("postgres: column %s compression: %w", col, classify(err))
		}
		if method == "l" {
			continue
		}
		// A savepoint, so a server built without lz4 fails this statement
		// and not the migration.
		sp, err := tx.Begin(ctx)
		if err != nil {
			return fmt.Errorf("postgres: savepoint: %w", classify(err))
		}
		if _, err := sp.Exec(ctx, `ALTER TABLE articles ALTER COLUMN `+pgx.Identifier{col}.Sanitize()+` SET COMPRESSION lz4`); err != nil {
			s.log.Debug("postgres: lz4 compression unavailable; keeping the default", "column", col, "err", err)
			if err := sp.Rollback(ctx); err != nil {
				return fmt.Errorf("postgres: rollback to savepoint: %w", classify(err))
			}
			continue
		}
		if err := sp.Commit(ctx); err != nil {
			return fmt.Errorf("postgres: release savepoint: %w", classify(err))
		}
		s.log.Info("postgres: using lz4 compression", "column", col)
	}
	return nil
}
