package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultMaxConns is the pool size unless the database URL sets
// pool_max_conns: enough concurrent transactions for PostgreSQL's group commit
// to share one WAL flush among many of them.
const DefaultMaxConns = 16

// ConfigurePool prepares a pool config for the billing service: NUMERIC columns
// scan into and from Decimal exactly, and the pool gets DefaultMaxConns
// connections unless the URL chose a size.
func ConfigurePool(c *pgxpool.Config) {
	if !strings.Contains(c.ConnString(), "pool_max_conns") {
		c.MaxConns = DefaultMaxConns
	}
	prev := c.AfterConnect
	c.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		pgxdecimal.Register(conn.TypeMap())
		if prev != nil {
			return prev(ctx, conn)
		}
		return nil
	}
}

// withTx runs fn in one transaction: committed when fn returns nil, rolled back
// otherwise. The rollback runs even when ctx is cancelled.
func withTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return translate(err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	return nil
}

// translate turns driver errors into domain errors; it is the only place that
// inspects them.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return Errorf(ENotFound, "not found")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &Error{Code: EConflict, Message: "already exists: " + pe.ConstraintName}
		case "40001", "40P01":
			return &Error{Code: EConflict, Message: "concurrent update; retry the request"}
		}
	}
	return err
}
