package billing

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TranslateErrors returns db with every error of what runs on it (Exec, a
// Query and its rows, QueryRow's Scan) already translated into a domain error
// (Translate): generated queries run on it, so no call site translates by
// hand. No rows is ENotFound, not pgx.ErrNoRows.
func TranslateErrors(db DBTX) DBTX {
	if t, ok := db.(translatingDB); ok {
		return t
	}
	return translatingDB{db}
}

type translatingDB struct{ db DBTX }

func (t translatingDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.db.Exec(ctx, sql, args...)
	return tag, Translate(err)
}

func (t translatingDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rows, err := t.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, Translate(err)
	}
	return translatingRows{rows}, nil
}

func (t translatingDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return translatingRow{t.db.QueryRow(ctx, sql, args...)}
}

type translatingRows struct{ pgx.Rows }

func (r translatingRows) Scan(dest ...any) error { return Translate(r.Rows.Scan(dest...)) }
func (r translatingRows) Err() error             { return Translate(r.Rows.Err()) }

type translatingRow struct{ row pgx.Row }

func (r translatingRow) Scan(dest ...any) error { return Translate(r.row.Scan(dest...)) }
