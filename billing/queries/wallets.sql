-- name: InsertWallet :execrows
INSERT INTO wallets (id, account_id, mode, customer_id, name, is_default, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (customer_id, name) DO NOTHING;

-- name: GetWalletByID :one
SELECT w.id, w.account_id, w.mode, w.customer_id, w.name, w.is_default, w.created_at,
    coalesce(cu.test_clock_id, '')::text AS test_clock_id
FROM wallets w JOIN customers cu ON cu.id = w.customer_id
WHERE w.account_id = $1 AND w.mode = $2 AND w.id = $3;

-- name: GetWalletByName :one
SELECT w.id, w.account_id, w.mode, w.customer_id, w.name, w.is_default, w.created_at,
    coalesce(cu.test_clock_id, '')::text AS test_clock_id
FROM wallets w JOIN customers cu ON cu.id = w.customer_id
WHERE w.account_id = $1 AND w.mode = $2 AND w.customer_id = $3 AND w.name = $4;

-- name: ListWallets :many
SELECT w.id, w.account_id, w.mode, w.customer_id, w.name, w.is_default, w.created_at,
    coalesce(cu.test_clock_id, '')::text AS test_clock_id
FROM wallets w JOIN customers cu ON cu.id = w.customer_id
WHERE w.account_id = $1 AND w.mode = $2 AND w.customer_id = $3
ORDER BY w.is_default DESC, w.name;

-- name: OpenLots :many
-- The lots with value left, expired or not.
SELECT id, wallet_id, asset, purpose, amount, remaining, priority, expires_at, expired_at,
    revenue_basis, coalesce(revenue_currency, '')::text AS revenue_currency, refunded, transaction_id, created_at
FROM lots WHERE wallet_id = $1 AND asset = $2 AND remaining > 0;

-- name: GetLot :one
SELECT id, wallet_id, asset, purpose, amount, remaining, priority, expires_at, expired_at,
    revenue_basis, coalesce(revenue_currency, '')::text AS revenue_currency, refunded, transaction_id, created_at
FROM lots WHERE wallet_id = $1 AND id = $2;

-- name: HeldAmount :one
-- The active holds that have not expired at now.
SELECT coalesce(sum(amount), 0)::numeric AS held FROM authorizations
WHERE wallet_id = $1 AND asset = $2 AND status = 'active' AND expires_at > sqlc.arg(now);

-- name: SetCreditLimit :exec
UPDATE balances SET credit_limit = $3, updated_at = $4 WHERE wallet_id = $1 AND asset = $2;

-- name: ListBalances :many
SELECT b.asset, a.precision, b.debt, b.credit_limit FROM balances b
JOIN assets a ON a.account_id = b.account_id AND a.mode = b.mode AND a.code = b.asset
WHERE b.wallet_id = $1 ORDER BY b.asset;

-- name: DueBalances :many
-- Balances holding lots whose expiry is due but not yet written to the ledger,
-- of the customers on one test clock, or (clock null) of those on none: a
-- clock's customers are due by its time, not the service's.
SELECT DISTINCT l.account_id, l.mode, l.wallet_id, l.asset FROM lots l
WHERE l.expires_at IS NOT NULL AND l.expires_at <= sqlc.arg(now) AND l.remaining > 0
  AND (SELECT cu.test_clock_id FROM wallets w JOIN customers cu ON cu.id = w.customer_id WHERE w.id = l.wallet_id)
      IS NOT DISTINCT FROM sqlc.narg(clock)::text
LIMIT sqlc.arg(lim);
