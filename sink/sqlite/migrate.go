package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"winnow/sink/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the store's schema steps, in SQLite's dialect.
var migrations = migrate.Schema{
	Store: "sqlite",
	FS:    migrationFS,
	Dir:   "migrations",
	CreateTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`,
	Record: `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))`,
	TooNew: ErrSchemaTooNew,
}

// migrate applies the pending migrations in one IMMEDIATE transaction, so
// two processes opening a new file at once apply them once.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", classify(err))
	}
	defer tx.Rollback()
	if _, err := migrate.Apply(ctx, migrationTx{tx}, migrations, s.log); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", classify(err))
	}
	return nil
}

// migrationTx runs migrations in a database/sql transaction.
type migrationTx struct{ tx *sql.Tx }

func (m migrationTx) Exec(ctx context.Context, sql string, args ...any) error {
	_, err := m.tx.ExecContext(ctx, sql, args...)
	return classify(err)
}

func (m migrationTx) QueryInt(ctx context.Context, sql string) (int, error) {
	var n int
	err := m.tx.QueryRowContext(ctx, sql).Scan(&n)
	return n, classify(err)
}
