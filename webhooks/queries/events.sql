-- name: InsertEvent :exec
INSERT INTO webhook_events (id, account_id, mode, type, body, outbox_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: TakeOutbox :many
-- The outbox rows not yet taken, oldest first; concurrent fan-outs skip each other's.
SELECT id, account_id, mode, type, payload, created_at FROM outbox
WHERE delivered_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED;

-- name: MarkOutboxTaken :exec
UPDATE outbox SET delivered_at = sqlc.arg(now)::timestamptz WHERE id = ANY(sqlc.arg(ids)::bigint[]);
