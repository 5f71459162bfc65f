-- The authorization reads return authorizationColumns (usage_store.go, the
-- hot path's reads) with the asset's precision; their rows convert to
-- GetAuthorizationRow.

-- name: GetAuthorization :one
SELECT id, idempotency_key, customer_id, wallet_id, event_type, asset,
    (SELECT s.precision FROM assets s WHERE s.account_id = authorizations.account_id AND s.mode = authorizations.mode AND s.code = authorizations.asset)::integer AS precision,
    amount, status, decline_reason,
    coalesce(available, 0)::numeric AS available, expires_at, captured_amount, coalesce(event_id, '')::text AS event_id, settled_at, created_at, request_hash
FROM authorizations WHERE authorizations.account_id = $1 AND authorizations.mode = $2 AND authorizations.id = $3;

-- name: GetAuthorizationForUpdate :one
SELECT id, idempotency_key, customer_id, wallet_id, event_type, asset,
    (SELECT s.precision FROM assets s WHERE s.account_id = authorizations.account_id AND s.mode = authorizations.mode AND s.code = authorizations.asset)::integer AS precision,
    amount, status, decline_reason,
    coalesce(available, 0)::numeric AS available, expires_at, captured_amount, coalesce(event_id, '')::text AS event_id, settled_at, created_at, request_hash
FROM authorizations WHERE authorizations.account_id = $1 AND authorizations.mode = $2 AND authorizations.id = $3
FOR UPDATE;

-- name: GetAuthorizationByKey :one
SELECT id, idempotency_key, customer_id, wallet_id, event_type, asset,
    (SELECT s.precision FROM assets s WHERE s.account_id = authorizations.account_id AND s.mode = authorizations.mode AND s.code = authorizations.asset)::integer AS precision,
    amount, status, decline_reason,
    coalesce(available, 0)::numeric AS available, expires_at, captured_amount, coalesce(event_id, '')::text AS event_id, settled_at, created_at, request_hash
FROM authorizations WHERE authorizations.account_id = $1 AND authorizations.mode = $2 AND authorizations.idempotency_key = $3;

-- name: SettleAuthorization :exec
UPDATE authorizations SET status = sqlc.arg(status), captured_amount = sqlc.narg(captured_amount), event_id = nullif(sqlc.arg(event_id)::text, ''),
    settled_at = sqlc.narg(settled_at)
WHERE id = sqlc.arg(id);

-- name: GetEvent :one
SELECT e.id, e.customer_id, e.wallet_id, e.event_type, e.occurred_at, e.data, e.costs, coalesce(e.authorization_id, '')::text AS authorization_id,
    e.created_at, e.seq, e.request_hash
FROM events e WHERE e.account_id = $1 AND e.mode = $2 AND e.id = $3;

-- name: ListEvents :many
-- Newest first, after the keyset cursor (0: from the newest); an empty
-- customer or event type, or a null from or to, does not filter.
SELECT e.id, e.customer_id, e.wallet_id, e.event_type, e.occurred_at, e.data, e.costs, coalesce(e.authorization_id, '')::text AS authorization_id,
    e.created_at, e.seq, e.request_hash
FROM events e
WHERE e.account_id = sqlc.arg(account_id) AND e.mode = sqlc.arg(mode)
  AND (sqlc.arg(customer_id)::text = '' OR e.customer_id = sqlc.arg(customer_id)::text)
  AND (sqlc.arg(after)::bigint = 0 OR e.seq < sqlc.arg(after)::bigint)
  AND (sqlc.arg(event_type)::text = '' OR e.event_type = sqlc.arg(event_type)::text)
  AND (sqlc.narg(occurred_from)::timestamptz IS NULL OR e.occurred_at >= sqlc.narg(occurred_from)::timestamptz)
  AND (sqlc.narg(occurred_to)::timestamptz IS NULL OR e.occurred_at < sqlc.narg(occurred_to)::timestamptz)
ORDER BY e.seq DESC LIMIT sqlc.arg(max_rows)::bigint;

-- name: ListFeesOfEvents :many
SELECT f.id, f.event_id, f.product_id, p.code, f.version, f.price_id, f.price_name, f.asset, a.precision, f.amount, f.quantity, f.breakdown
FROM fees f JOIN products p ON p.id = f.product_id
JOIN assets a ON a.account_id = f.account_id AND a.mode = f.mode AND a.code = f.asset
WHERE f.account_id = sqlc.arg(account_id) AND f.mode = sqlc.arg(mode) AND f.event_id = ANY(sqlc.arg(event_ids)::text[])
ORDER BY f.event_id, f.id;

-- name: ReadUsageCounters :many
SELECT price_id, quantity FROM usage_counters
WHERE customer_id = sqlc.arg(customer_id) AND price_id = ANY(sqlc.arg(price_ids)::text[]) AND period_start = sqlc.arg(period_start);
