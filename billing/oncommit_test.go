package billing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestOnCommitAfterCommit: what a WithTx transaction registers with
// onCommit runs once its COMMIT is done, and never when it rolls back. Auto
// top-ups are handed to their job this way: a job that ran before the debit
// committed found no pending top-up and charged nothing.
func TestOnCommitAfterCommit(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		var xid, status string
		ran := 0
		err := billing.WithTx(ctx, pool, func(tx pgx.Tx) error {
			billing.OnCommit(tx, func() {
				ran++
				// Another connection: it sees the transaction as it is.
				if err := pool.QueryRow(ctx, `SELECT pg_xact_status($1::xid8)`, xid).Scan(&status); err != nil {
					t.Errorf("pg_xact_status = %v", err)
				}
			})
			return tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&xid)
		})
		if err != nil {
			t.Fatalf("WithTx = %v", err)
		}
		if ran != 1 || status != "committed" {
			t.Errorf("onCommit ran %d times, seeing the transaction %q; want once, committed", ran, status)
		}
	})

	t.Run("RolledBack", func(t *testing.T) {
		ran := false
		refused := errors.New("refused")
		err := billing.WithTx(ctx, pool, func(tx pgx.Tx) error {
			billing.OnCommit(tx, func() { ran = true })
			return refused
		})
		if !errors.Is(err, refused) {
			t.Fatalf("WithTx = %v, want %v", err, refused)
		}
		if ran {
			t.Error("onCommit ran for a transaction that rolled back")
		}
	})
}
