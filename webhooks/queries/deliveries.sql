-- name: ListDeliveries :many
-- An endpoint's deliveries, newest first, keyset-paged by id; a null filter is off.
SELECT d.id, d.endpoint_id, d.event_id, ev.type AS event_type, d.status, d.next_attempt_at, d.created_at, d.updated_at
FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
WHERE d.endpoint_id = sqlc.arg(endpoint_id)
  AND (sqlc.narg(status)::text IS NULL OR d.status = sqlc.narg(status))
  AND (sqlc.narg(after)::text IS NULL OR d.id < sqlc.narg(after))
ORDER BY d.id DESC LIMIT sqlc.arg(lim);

-- name: GetDelivery :one
SELECT d.id, d.endpoint_id, d.event_id, ev.type AS event_type, d.status, d.next_attempt_at, d.created_at, d.updated_at
FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id
WHERE d.id = $1 AND e.account_id = $2 AND e.mode = $3;

-- name: ListAttempts :many
SELECT delivery_id, number, attempted_at, status_code, latency_ms, response_excerpt, error
FROM webhook_attempts WHERE delivery_id = ANY(sqlc.arg(delivery_ids)::text[]) ORDER BY delivery_id, number;

-- name: RetryDelivery :exec
UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = sqlc.arg(now)::timestamptz, updated_at = sqlc.arg(now) WHERE id = sqlc.arg(id);

-- name: InsertDelivery :exec
INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at, created_at, updated_at)
VALUES (sqlc.arg(id), sqlc.arg(endpoint_id), sqlc.arg(event_id), 'pending', sqlc.arg(now)::timestamptz, sqlc.arg(now), sqlc.arg(now));

-- name: DeliveryTarget :one
-- What an attempt sends, and where.
SELECT d.status, e.id AS endpoint_id, e.url, e.mode, e.disabled_reason, e.enabled, ev.id AS event_id, ev.body
FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_events ev ON ev.id = d.event_id
WHERE d.id = $1;

-- name: FailPendingDelivery :exec
UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'pending';

-- name: CountAttempt :one
UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts;

-- name: InsertAttempt :exec
INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms, response_excerpt, error)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: SettleDelivery :exec
UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, updated_at = $4 WHERE id = $1;
