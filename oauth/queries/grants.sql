-- name: InsertGrant :exec
INSERT INTO oauth_grants (id, account_id, mode, client_id, client_name, redirect_uri, scopes, resource, created_at, expires_at)
VALUES (sqlc.arg(id), sqlc.arg(account_id), sqlc.arg(mode), sqlc.arg(client_id), sqlc.arg(client_name), sqlc.arg(redirect_uri),
    sqlc.arg(scopes), sqlc.arg(resource), sqlc.arg(now)::timestamptz, sqlc.arg(expires_at));

-- name: InsertCode :exec
INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at)
VALUES ($1, $2, $3, $4, $5);

-- name: LockCode :one
-- A code with its grant, locked so it is exchanged once.
SELECT c.grant_id, c.redirect_uri, c.code_challenge, c.expires_at, c.used_at,
    g.client_id, g.resource, g.scopes, g.revoked_at
FROM oauth_codes c JOIN oauth_grants g ON g.id = c.grant_id
WHERE c.code_hash = $1
FOR UPDATE OF c;

-- name: SpendCode :exec
UPDATE oauth_codes SET used_at = sqlc.arg(now)::timestamptz WHERE code_hash = sqlc.arg(code_hash);

-- name: InsertToken :exec
INSERT INTO oauth_tokens (token_hash, grant_id, kind, created_at, expires_at)
VALUES (sqlc.arg(token_hash), sqlc.arg(grant_id), sqlc.arg(kind), sqlc.arg(now)::timestamptz, sqlc.arg(expires_at));

-- name: ExtendGrant :exec
-- The grant lives as long as its newest refresh token.
UPDATE oauth_grants SET expires_at = sqlc.arg(expires_at) WHERE id = sqlc.arg(id);

-- name: LockRefreshToken :one
-- A refresh token with its grant, locked so it is spent once.
SELECT t.grant_id, t.expires_at, t.used_at, g.client_id, g.resource, g.scopes, g.revoked_at
FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id
WHERE t.token_hash = $1 AND t.kind = 'refresh'
FOR UPDATE OF t;

-- name: SpendRefreshToken :exec
UPDATE oauth_tokens SET used_at = sqlc.arg(now)::timestamptz WHERE token_hash = sqlc.arg(token_hash);

-- name: GrantOfToken :one
-- The grant of an access or refresh token (RFC 7009 revocation).
SELECT t.grant_id, g.client_id FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = $1;

-- name: AuthenticateAccessToken :one
-- An access token that is live, of a grant not revoked.
SELECT g.id, g.account_id, g.mode, g.scopes, g.resource, g.last_used_at, t.expires_at
FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id
WHERE t.token_hash = sqlc.arg(token_hash) AND t.kind = 'access' AND t.expires_at > sqlc.arg(now)::timestamptz AND g.revoked_at IS NULL;

-- name: TouchGrant :exec
-- Notes a grant's use, at most once a minute.
UPDATE oauth_grants SET last_used_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id) AND (last_used_at IS NULL OR last_used_at < sqlc.arg(now)::timestamptz - interval '1 minute');

-- name: RevokeGrant :one
-- Revokes a grant not yet revoked.
UPDATE oauth_grants SET revoked_at = sqlc.arg(now)::timestamptz, revoked_reason = sqlc.arg(reason)::text
WHERE id = sqlc.arg(id) AND revoked_at IS NULL
RETURNING id;

-- name: GetGrant :one
-- A grant; with account_id or mode, only of those.
SELECT id, account_id, mode, client_id, client_name, redirect_uri, scopes, resource, created_at, expires_at, last_used_at, revoked_at, revoked_reason
FROM oauth_grants
WHERE id = sqlc.arg(id) AND (sqlc.narg(account_id)::text IS NULL OR account_id = sqlc.narg(account_id))
    AND (sqlc.narg(mode)::text IS NULL OR mode = sqlc.narg(mode));

-- name: ListGrants :many
-- Grants newest first, after a cursor (an id); with account_id or mode,
-- only of those; without include_ended, only those still in force.
SELECT id, account_id, mode, client_id, client_name, redirect_uri, scopes, resource, created_at, expires_at, last_used_at, revoked_at, revoked_reason
FROM oauth_grants
WHERE (sqlc.narg(account_id)::text IS NULL OR account_id = sqlc.narg(account_id))
    AND (sqlc.narg(mode)::text IS NULL OR mode = sqlc.narg(mode))
    AND (sqlc.arg(after)::text = '' OR id < sqlc.arg(after)::text)
    AND (sqlc.arg(include_ended)::boolean OR (revoked_at IS NULL AND expires_at > sqlc.arg(now)::timestamptz))
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);

-- name: NotifyGrants :exec
-- Tells every process (they LISTEN) to stop trusting its cached tokens.
SELECT pg_notify('tollgate_oauth', sqlc.arg(grant_id)::text);
