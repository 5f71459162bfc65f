-- name: GetAsset :one
SELECT account_id, mode, code, kind, name, symbol, precision, created_at FROM assets
WHERE account_id = $1 AND mode = $2 AND code = $3;

-- name: ListAssets :many
SELECT account_id, mode, code, kind, name, symbol, precision, created_at FROM assets
WHERE account_id = $1 AND mode = $2
ORDER BY kind, code;

-- name: InsertAsset :execrows
INSERT INTO assets (account_id, mode, code, kind, name, symbol, precision, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING;

-- name: InsertRate :execrows
INSERT INTO asset_rates (account_id, mode, asset, currency, rate, effective_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING;

-- name: RateAt :one
-- The rate in force at a moment: the latest that took effect by then.
SELECT asset, currency, rate, effective_at, created_at FROM asset_rates
WHERE account_id = $1 AND mode = $2 AND asset = $3 AND currency = $4 AND effective_at <= sqlc.arg(at)
ORDER BY effective_at DESC LIMIT 1;

-- name: ListRates :many
SELECT asset, currency, rate, effective_at, created_at FROM asset_rates
WHERE account_id = $1 AND mode = $2 AND asset = $3
ORDER BY effective_at DESC, currency;
