// Package migrate applies the numbered schema migrations that the SQL
// stores (sink/sqlite, sink/postgres) embed, in one transaction the store
// opens and locks in its own dialect.
//
// Migrations are files named NNNN_name.sql (0001_init.sql, …) in a
// directory of an fs.FS, usually an embed.FS; versions start at 1 and
// have no gaps. A table schema_migrations (created by the dialect's
// statement) records each applied version, so Apply runs every step once
// per database, in order, and refuses a database that a newer program
// migrated further than the steps it knows.
//
// Caveats: a step's SQL runs as one Exec, so it must be something the
// store's driver runs as a script (both drivers do); the caller owns the
// transaction: it takes the lock that serializes concurrent migrators
// (BEGIN IMMEDIATE, an advisory lock) before Apply and commits after.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
)

// ErrBadStep is wrapped by Load when a migration file is misnamed or
// numbered out of sequence.
var ErrBadStep = errors.New("migrate: bad migration file")

// Step is one numbered migration.
type Step struct {
	Version int    // from 1, no gaps
	Name    string // the file name without .sql, e.g. 0001_init
	SQL     string
}

// Load returns the migrations dir/*.sql of fsys in version order.
func Load(fsys fs.FS, dir string) ([]Step, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	steps := make([]Step, 0, len(names))
	for i, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("%w: %s: want version %d", ErrBadStep, base, i+1)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		steps = append(steps, Step{Version: v, Name: strings.TrimSuffix(base, ".sql"), SQL: string(data)})
	}
	return steps, nil
}

// Tx is the open transaction the migrations run in, in the store's
// driver. Its errors should already be classified the store's way (a
// retryable failure wrapping the store's transient sentinel).
type Tx interface {
	// Exec runs one statement or script.
	Exec(ctx context.Context, sql string, args ...any) error
	// QueryInt returns the single integer that sql selects.
	QueryInt(ctx context.Context, sql string) (int, error)
}

// Schema is a store's migrations and the statements of its dialect.
type Schema struct {
	// Store prefixes error messages, e.g. "sqlite".
	Store string
	// FS holds the migrations as Dir/NNNN_name.sql.
	FS  fs.FS
	Dir string
	// CreateTable creates schema_migrations (version, name, applied_at)
	// if it does not exist.
	CreateTable string
	// Record inserts one applied step: its parameters are the version
	// and the name.
	Record string
	// TooNew is wrapped when the database records a version past the
	// last step (the store's own sentinel).
	TooNew error
}

// Steps returns the schema's migrations in version order (see Load).
func (d Schema) Steps() ([]Step, error) {
	steps, err := Load(d.FS, d.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.Store, err)
	}
	return steps, nil
}

// Apply applies the steps of d after the highest version recorded in tx,
// in order, and returns how many it applied (log, if not nil, hears of
// each). It neither commits nor rolls back.
func Apply(ctx context.Context, tx Tx, d Schema, log *slog.Logger) (int, error) {
	steps, err := d.Steps()
	if err != nil {
		return 0, err
	}
	if err := tx.Exec(ctx, d.CreateTable); err != nil {
		return 0, fmt.Errorf("%s: migrate: %w", d.Store, err)
	}
	current, err := tx.QueryInt(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`)
	if err != nil {
		return 0, fmt.Errorf("%s: migrate: %w", d.Store, err)
	}
	if current > len(steps) {
		return 0, fmt.Errorf("%w: database at version %d, this program knows %d", d.TooNew, current, len(steps))
	}
	for _, m := range steps[current:] {
		if err := tx.Exec(ctx, m.SQL); err != nil {
			return 0, fmt.Errorf("%s: migration %s: %w", d.Store, m.Name, err)
		}
		if err := tx.Exec(ctx, d.Record, m.Version, m.Name); err != nil {
			return 0, fmt.Errorf("%s: migration %s: %w", d.Store, m.Name, err)
		}
		if log != nil {
			log.Info(d.Store+": applied migration", "version", m.Version, "name", m.Name)
		}
	}
	return len(steps) - current, nil
}
