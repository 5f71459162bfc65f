-- name: GetDefaultAccount :one
SELECT id, name, reporting_currency, is_default, created_at FROM accounts WHERE is_default;

-- name: GetAccount :one
SELECT id, name, reporting_currency, is_default, created_at FROM accounts WHERE id = $1;

-- name: InsertAccount :execrows
INSERT INTO accounts (id, name, reporting_currency, is_default, created_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING;

-- name: InsertAPIKey :exec
INSERT INTO api_keys (id, account_id, mode, scope, name, prefix, hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: ListAPIKeys :many
-- A null account lists every account's keys.
SELECT id, account_id, mode, scope, name, prefix, created_at, last_used_at, revoked_at, rate_limit, hot_rate_limit FROM api_keys
WHERE (sqlc.narg(account_id)::text IS NULL OR account_id = sqlc.narg(account_id))
ORDER BY id;

-- name: CountAPIKeysByRef :one
SELECT count(*) FROM api_keys WHERE id = sqlc.arg(ref) OR prefix = sqlc.arg(ref);

-- name: RevokeAPIKey :one
UPDATE api_keys SET revoked_at = coalesce(revoked_at, sqlc.arg(now)::timestamptz)
WHERE id = sqlc.arg(ref) OR prefix = sqlc.arg(ref)
RETURNING id, account_id, mode, scope, name, prefix, created_at, last_used_at, revoked_at, rate_limit, hot_rate_limit;

-- name: GetActiveAPIKeyByHash :one
SELECT id, account_id, mode, scope, name, prefix, created_at, last_used_at, revoked_at, rate_limit, hot_rate_limit FROM api_keys
WHERE hash = $1 AND revoked_at IS NULL;

-- name: TouchAPIKey :exec
UPDATE api_keys SET last_used_at = $2 WHERE id = $1;

-- name: SetAPIKeyLimits :one
UPDATE api_keys SET rate_limit = sqlc.narg(rate_limit), hot_rate_limit = sqlc.narg(hot_rate_limit)
WHERE (id = sqlc.arg(ref) OR prefix = sqlc.arg(ref)) AND revoked_at IS NULL
RETURNING id, account_id, mode, scope, name, prefix, created_at, last_used_at, revoked_at, rate_limit, hot_rate_limit;

-- name: NotifyAPIKeys :exec
-- Tells every process (they LISTEN) to stop trusting its cached keys.
SELECT pg_notify('tollgate_api_keys', sqlc.arg(key_id)::text);

-- name: ListAccounts :many
SELECT id, name, reporting_currency, is_default, created_at FROM accounts ORDER BY created_at, id;

-- name: RenameAccount :one
UPDATE accounts SET name = $2 WHERE id = $1
RETURNING id, name, reporting_currency, is_default, created_at;
