-- name: InsertWallet :execrows
INSERT INTO wallets (id, account_id, mode, customer_id, name, is_default, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (customer_id, name) DO NOTHING;

-- name: GetWalletByID :one
SELECT id, account_id, mode, customer_id, name, is_default, created_at FROM wallets
WHERE account_id = $1 AND mode = $2 AND id = $3;

-- name: GetWalletByName :one
SELECT id, account_id, mode, customer_id, name, is_default, created_at FROM wallets
WHERE account_id = $1 AND mode = $2 AND customer_id = $3 AND name = $4;

-- name: ListWallets :many
SELECT id, account_id, mode, customer_id, name, is_default, created_at FROM wallets
WHERE account_id = $1 AND mode = $2 AND customer_id = $3
ORDER BY is_default DESC, name;

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
-- Balances holding lots whose expiry is due but not yet written to the ledger.
SELECT DISTINCT account_id, mode, wallet_id, asset FROM lots
WHERE expires_at IS NOT NULL AND expires_at <= sqlc.arg(now) AND remaining > 0 LIMIT sqlc.arg(lim);
