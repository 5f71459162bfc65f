-- name: InsertCustomerKey :exec
INSERT INTO customer_keys (id, account_id, mode, customer_id, name, prefix, hash, rate_limit, daily_cap, daily_cap_asset, created_at,
    idempotency_key, request_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, sqlc.narg(idempotency_key), sqlc.narg(request_hash));

-- name: GetCustomerKeyByIdempotencyKey :one
SELECT id, account_id, mode, customer_id, name, prefix, rate_limit, daily_cap, daily_cap_asset, created_at, last_used_at, revoked_at,
    request_hash
FROM customer_keys
WHERE idempotency_key = $1 AND account_id = $2 AND mode = $3;

-- name: ListCustomerKeys :many
SELECT id, account_id, mode, customer_id, name, prefix, rate_limit, daily_cap, daily_cap_asset, created_at, last_used_at, revoked_at
FROM customer_keys
WHERE account_id = $1 AND mode = $2 AND customer_id = $3
ORDER BY id;

-- name: RevokeCustomerKey :one
UPDATE customer_keys SET revoked_at = coalesce(revoked_at, sqlc.arg(now)::timestamptz)
WHERE account_id = $1 AND mode = $2 AND id = sqlc.arg(id)
RETURNING id, account_id, mode, customer_id, name, prefix, rate_limit, daily_cap, daily_cap_asset, created_at, last_used_at, revoked_at;

-- name: GetActiveCustomerKeyByHash :one
SELECT id, account_id, mode, customer_id, name, prefix, rate_limit, daily_cap, daily_cap_asset, created_at, last_used_at, revoked_at
FROM customer_keys
WHERE hash = $1 AND revoked_at IS NULL;

-- name: TouchCustomerKey :exec
UPDATE customer_keys SET last_used_at = $2 WHERE id = $1;

-- name: ReserveCustomerKeySpend :one
-- Admits a hold of amount against the key's cap for day, atomically: the
-- insert or the update (under the row's lock, re-checked on the newest row)
-- happens only while held + captured + amount stays within the cap. No row:
-- declined.
INSERT INTO customer_key_spend AS s (key_id, day, held)
SELECT k.id, sqlc.arg(day)::date, sqlc.arg(amount)::numeric FROM customer_keys k
WHERE k.id = sqlc.arg(key_id) AND k.daily_cap >= sqlc.arg(amount)::numeric
ON CONFLICT (key_id, day) DO UPDATE SET held = s.held + EXCLUDED.held
WHERE s.held + s.captured + EXCLUDED.held <= (SELECT daily_cap FROM customer_keys WHERE id = EXCLUDED.key_id)
RETURNING s.held, s.captured;

-- name: SettleCustomerKeySpend :execrows
-- Replaces a call's hold with what it was charged (0 when voided).
UPDATE customer_key_spend
SET held = greatest(held - sqlc.arg(held)::numeric, 0), captured = captured + sqlc.arg(captured)::numeric
WHERE key_id = sqlc.arg(key_id) AND day = sqlc.arg(day)::date;

-- name: GetCustomerKeySpend :one
SELECT held, captured FROM customer_key_spend WHERE key_id = $1 AND day = $2;
