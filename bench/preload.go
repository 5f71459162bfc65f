package bench

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Preload writes n synthetic past events into the account, generated inside
// PostgreSQL, so workloads can be measured against a database that already
// holds a large history: each event with its fee, its ledger transaction and
// two balanced entries (funding → revenue, so no wallet balance changes and
// verify stays clean). Rows go in chunks of one million, one transaction each.
func Preload(ctx context.Context, pool *pgxpool.Pool, accountID, customerID, walletID string, n int) error {
	const chunk = 1_000_000
	for from := 1; from <= n; from += chunk {
		to := min(from+chunk-1, n)
		tx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		for _, q := range preloadSQL {
			if _, err := tx.Exec(ctx, q, accountID, customerID, walletID, from, to, "bench"); err != nil {
				tx.Rollback(ctx)
				return fmt.Errorf("preload events %d-%d: %w", from, to, err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
	}
	_, err := pool.Exec(ctx, `ANALYZE events, fees, ledger_transactions, ledger_entries`)
	return err
}

// preloadSQL writes events from $4 to $5 ($1 account, $2 customer, $3 wallet,
// $6 the product code); each names every parameter's type once in p.
var preloadSQL = []string{`WITH p AS (SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::text)
			INSERT INTO events (account_id, mode, id, request_hash, customer_id, wallet_id, event_type, occurred_at, data, created_at)
			SELECT $1, 'test', 'hist-' || g, '\x00', $2, $3, 'bench.history', now() - (g % 2592000) * interval '1 second', '{}', now()
			FROM generate_series($4::bigint, $5::bigint) g`, `WITH p AS (SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::text)
			INSERT INTO ledger_transactions (id, account_id, mode, kind, reference, wallet_id, description, created_at)
			SELECT 'txn_hist_' || g, $1, 'test', 'usage', 'hist-' || g, $3, 'history', now() FROM generate_series($4::bigint, $5::bigint) g`, `WITH p AS (SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::text)
			INSERT INTO ledger_entries (transaction_id, account_id, mode, ledger_account, asset, amount, created_at)
			SELECT 'txn_hist_' || g, $1, 'test', a.acct, 'USD', a.amount, now()
			FROM generate_series($4::bigint, $5::bigint) g, (VALUES ('funding', -0.01), ('revenue', 0.01)) a(acct, amount)`, `WITH p AS (SELECT $1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::text)
			INSERT INTO fees (id, account_id, mode, event_id, customer_id, product_id, version, price_id, asset, amount, quantity,
				breakdown, transaction_id, occurred_at, created_at)
			SELECT 'fee_hist_' || g, $1, 'test', 'hist-' || g, $2, (SELECT id FROM products WHERE account_id = $1 AND code = $6),
				1, 'price_hist', 'USD', 0.01, 1, 'history', 'txn_hist_' || g, now(), now()
			FROM generate_series($4::bigint, $5::bigint) g`,
}
