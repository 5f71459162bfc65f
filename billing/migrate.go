package billing

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// The schema is one ordered series of migrations for every package's tables
// (goose keys them by number), each file named NNNNN_<package>_<what>.sql for
// the package that owns its tables (billing, api, profitability, webhooks,
// portal); River's own tables migrate through jobs.Migrate.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded, numbered SQL migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

func newMigrator(db *sql.DB) (*goose.Provider, error) {
	// A session-level advisory lock: two processes starting at once apply each
	// migration exactly once, the second waiting for the first.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, Migrations(), goose.WithSessionLocker(locker))
}

// MigrateStep is the schema of a package beside billing that migrates its
// own tables (jobs.Migrate: River's), run after billing's migrations on the
// same connections.
type MigrateStep func(ctx context.Context, db *sql.DB) error

// Migrate applies every pending migration, each in its own transaction, on
// connections of their own without the pool's session limits: rebuilding an
// index of a large table may take longer than a request may; then the steps.
func Migrate(ctx context.Context, pool *pgxpool.Pool, steps ...MigrateStep) error {
	cfg := pool.Config().Copy()
	for k := range sessionLimits {
		delete(cfg.ConnConfig.RuntimeParams, k)
	}
	cfg.MaxConns = 2
	mpool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer mpool.Close()
	db := stdlib.OpenDBFromPool(mpool)
	defer db.Close()
	return MigrateDB(ctx, db, steps...)
}

// MigrateDB is Migrate over a database/sql handle.
func MigrateDB(ctx context.Context, db *sql.DB, steps ...MigrateStep) error {
	p, err := newMigrator(db)
	if err != nil {
		return err
	}
	applied, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, step := range steps {
		if err := step(ctx, db); err != nil {
			return err
		}
	}
	if len(applied) == 0 {
		return nil
	}
	if err := analyzeLoaded(ctx, db); err != nil {
		return fmt.Errorf("migrate: analyze: %w", err)
	}
	return nil
}

// analyzeLoaded refreshes the statistics of every table that holds rows, so
// that plans made after a schema change see the data as it is. Empty tables
// are left without statistics on purpose: PostgreSQL then assumes they hold a
// few pages and prefers index lookups, where statistics saying "empty" would
// make it choose sequential scans that connections keep as the table grows.
func analyzeLoaded(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY 1`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range tables {
		var loaded bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&loaded); err != nil {
			return err
		}
		if loaded {
			if _, err := db.ExecContext(ctx, `ANALYZE `+t); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
	}
	return nil
}

// MigrationStatuses lists every embedded migration and whether it is applied.
func MigrationStatuses(ctx context.Context, pool *pgxpool.Pool) ([]MigrationStatus, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := newMigrator(db)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, len(st))
	for i, s := range st {
		out[i] = MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied}
	}
	return out, nil
}
