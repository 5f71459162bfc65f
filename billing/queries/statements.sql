-- name: StatementSums :many
-- A wallet's entries in an asset before month_end: the opening sum (before
-- month_start), the month's sums by movement kind, usage from bundled lots,
-- usage by product. The wallet's entries are read through its transactions
-- (ledger_transactions_wallet, then each transaction's entries by the
-- primary key), and a usage entry's product through its event's fees
-- (fees_pkey): nothing scans the ledger or the fees of other wallets.
-- (month_start is cast where it meets the CTE's columns: sqlc cannot infer
-- a parameter's type from a CTE's.)
WITH e AS (
	SELECT e.amount, e.created_at, e.lot_id, t.kind, t.reference, t.id AS txn
	FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
	WHERE t.account_id = sqlc.arg(account_id)::text AND t.mode = sqlc.arg(mode)::text AND t.wallet_id = sqlc.arg(wallet_id)::text
	  AND e.ledger_account = 'wallet' AND e.wallet_id = sqlc.arg(wallet_id)::text AND e.asset = sqlc.arg(asset) AND e.created_at < sqlc.arg(month_end))
SELECT 'opening'::text AS section, ''::text AS key, coalesce(sum(amount), 0)::numeric AS amount FROM e WHERE created_at < sqlc.arg(month_start)::timestamptz
UNION ALL
SELECT 'line', kind, sum(amount) FROM e WHERE created_at >= sqlc.arg(month_start)::timestamptz GROUP BY kind
UNION ALL
SELECT 'allowance_used', '', coalesce(sum(e.amount), 0) FROM e JOIN lots l ON l.id = e.lot_id
	WHERE e.created_at >= sqlc.arg(month_start)::timestamptz AND e.kind = 'usage' AND l.purpose = 'bundled'
UNION ALL
SELECT 'product', p.code, sum(e.amount) FROM e
	JOIN LATERAL (SELECT DISTINCT f.product_id FROM fees f
		WHERE f.account_id = sqlc.arg(account_id)::text AND f.mode = sqlc.arg(mode)::text AND f.event_id = e.reference AND f.transaction_id = e.txn) f ON true
	JOIN products p ON p.id = f.product_id
	WHERE e.created_at >= sqlc.arg(month_start)::timestamptz AND e.kind = 'usage' GROUP BY p.code;
