-- name: ClaimIdempotencyKey :execrows
INSERT INTO idempotency_keys (account_id, mode, key, request_hash, claim, locked_until, created_at)
VALUES (sqlc.arg(account_id), sqlc.arg(mode), sqlc.arg(key), sqlc.arg(request_hash), sqlc.arg(claim), sqlc.arg(locked_until), sqlc.arg(now))
ON CONFLICT (account_id, mode, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, claim = EXCLUDED.claim, locked_until = EXCLUDED.locked_until,
    created_at = EXCLUDED.created_at, status = NULL, content_type = NULL, response_body = NULL, completed_at = NULL
WHERE idempotency_keys.created_at < sqlc.arg(expired_before)
   OR (idempotency_keys.status IS NULL AND idempotency_keys.locked_until < sqlc.arg(now)
       AND idempotency_keys.request_hash = EXCLUDED.request_hash);

-- name: GetIdempotencyKey :one
SELECT request_hash, status, content_type, response_body FROM idempotency_keys
WHERE account_id = $1 AND mode = $2 AND key = $3;

-- name: CompleteIdempotencyKey :exec
UPDATE idempotency_keys SET status = sqlc.arg(status)::integer, content_type = sqlc.arg(content_type)::text,
    response_body = sqlc.arg(response_body)::bytea, completed_at = sqlc.arg(completed_at)::timestamptz
WHERE account_id = sqlc.arg(account_id) AND mode = sqlc.arg(mode) AND key = sqlc.arg(key) AND claim = sqlc.arg(claim) AND status IS NULL;

-- name: ReleaseIdempotencyKey :exec
DELETE FROM idempotency_keys
WHERE account_id = $1 AND mode = $2 AND key = $3 AND claim = $4 AND status IS NULL;

-- name: PruneIdempotencyKeys :execrows
DELETE FROM idempotency_keys WHERE ctid IN (
    SELECT old.ctid FROM idempotency_keys old WHERE old.created_at < sqlc.arg(before) LIMIT sqlc.arg(max_rows)::bigint);
