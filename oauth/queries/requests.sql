-- name: InsertRequest :exec
INSERT INTO oauth_requests (id, client_id, client_name, redirect_uri, state, scopes, resource, code_challenge, created_at, expires_at)
VALUES (sqlc.arg(id), sqlc.arg(client_id), sqlc.arg(client_name), sqlc.arg(redirect_uri), sqlc.arg(state), sqlc.arg(scopes),
    sqlc.arg(resource), sqlc.arg(code_challenge), sqlc.arg(now)::timestamptz, sqlc.arg(expires_at));

-- name: GetRequest :one
SELECT id, client_id, client_name, redirect_uri, state, scopes, resource, code_challenge, expires_at, decided_at
FROM oauth_requests WHERE id = $1;

-- name: DecideRequest :one
-- Takes a request's decision, once and before it expires.
UPDATE oauth_requests SET decided_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id) AND decided_at IS NULL AND expires_at > sqlc.arg(now)::timestamptz
RETURNING id;
