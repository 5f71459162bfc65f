-- name: GetEndpointByKey :one
SELECT id, request_hash FROM webhook_endpoints WHERE idempotency_key = sqlc.arg(idempotency_key)::text AND account_id = sqlc.arg(account_id) AND mode = sqlc.arg(mode);

-- name: ReplayedSecret :one
-- The secret an endpoint was made with, while it is the only one.
SELECT (CASE WHEN count(*) = 1 THEN max(secret) ELSE '' END)::text AS secret FROM webhook_secrets WHERE endpoint_id = $1;

-- name: CountEndpoints :one
SELECT count(*) FROM webhook_endpoints WHERE account_id = $1 AND mode = $2;

-- name: InsertEndpoint :exec
INSERT INTO webhook_endpoints (id, account_id, mode, url, description, event_types, created_at, updated_at, idempotency_key, request_hash)
VALUES (sqlc.arg(id), sqlc.arg(account_id), sqlc.arg(mode), sqlc.arg(url), sqlc.arg(description), sqlc.arg(event_types),
    sqlc.arg(now), sqlc.arg(now), nullif(sqlc.arg(idempotency_key)::text, ''), sqlc.arg(request_hash));

-- name: InsertSecret :exec
INSERT INTO webhook_secrets (endpoint_id, secret, created_at) VALUES ($1, $2, $3);

-- name: GetEndpoint :one
SELECT e.id, e.mode, e.url, e.description, e.event_types, e.enabled, e.disabled_reason, e.failing_since, e.created_at, e.updated_at,
    coalesce((SELECT right(s.secret, 4) FROM webhook_secrets s WHERE s.endpoint_id = e.id AND s.expires_at IS NULL), '')::text AS secret_last4,
    (SELECT p.expires_at FROM webhook_secrets p WHERE p.endpoint_id = e.id AND p.expires_at > sqlc.arg(now)::timestamptz
        ORDER BY p.expires_at DESC LIMIT 1) AS previous_secret_expires_at
FROM webhook_endpoints e
WHERE e.account_id = sqlc.arg(account_id) AND e.mode = sqlc.arg(mode) AND e.id = sqlc.arg(id);

-- name: ListEndpoints :many
SELECT e.id, e.mode, e.url, e.description, e.event_types, e.enabled, e.disabled_reason, e.failing_since, e.created_at, e.updated_at,
    coalesce((SELECT right(s.secret, 4) FROM webhook_secrets s WHERE s.endpoint_id = e.id AND s.expires_at IS NULL), '')::text AS secret_last4,
    (SELECT p.expires_at FROM webhook_secrets p WHERE p.endpoint_id = e.id AND p.expires_at > sqlc.arg(now)::timestamptz
        ORDER BY p.expires_at DESC LIMIT 1) AS previous_secret_expires_at
FROM webhook_endpoints e
WHERE e.account_id = sqlc.arg(account_id) AND e.mode = sqlc.arg(mode) ORDER BY e.id;

-- name: UpdateEndpoint :exec
UPDATE webhook_endpoints SET url = sqlc.arg(url), description = sqlc.arg(description), event_types = sqlc.arg(event_types),
    enabled = sqlc.arg(enabled), disabled_reason = sqlc.arg(disabled_reason),
    failing_since = CASE WHEN sqlc.arg(enabled) AND NOT enabled THEN NULL ELSE failing_since END, updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: DeleteExpiringSecrets :exec
-- A secret rotated earlier and still in its overlap stops now.
DELETE FROM webhook_secrets WHERE endpoint_id = $1 AND expires_at IS NOT NULL;

-- name: ExpireCurrentSecret :exec
UPDATE webhook_secrets SET expires_at = sqlc.arg(expires_at)::timestamptz WHERE endpoint_id = sqlc.arg(endpoint_id) AND expires_at IS NULL;

-- name: SigningSecrets :many
SELECT secret FROM webhook_secrets WHERE endpoint_id = sqlc.arg(endpoint_id) AND (expires_at IS NULL OR expires_at > sqlc.arg(now)::timestamptz)
ORDER BY created_at DESC;

-- name: EndpointsFor :many
-- The enabled endpoints that want an event type.
SELECT id FROM webhook_endpoints WHERE account_id = $1 AND mode = $2 AND enabled
    AND (event_types = '{}' OR sqlc.arg(type)::text = ANY(event_types)) ORDER BY id;

-- name: ClearFailing :exec
UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL;

-- name: MarkFailing :one
UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, sqlc.arg(at)::timestamptz) WHERE id = sqlc.arg(id) RETURNING failing_since;

-- name: DisableEndpoint :exec
UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1;
