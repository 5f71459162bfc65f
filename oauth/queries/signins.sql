-- name: InsertSignInLink :exec
INSERT INTO oauth_signins (link_hash, account_id, mode, created_at, link_expires_at)
VALUES (sqlc.arg(link_hash), sqlc.arg(account_id), sqlc.arg(mode), sqlc.arg(now)::timestamptz, sqlc.arg(expires_at));

-- name: PeekSignInLink :one
-- What a link signs in to, without using it (the page that asks to sign in).
SELECT s.account_id, s.mode, s.link_expires_at, s.used_at, a.name AS account_name
FROM oauth_signins s JOIN accounts a ON a.id = s.account_id
WHERE s.link_hash = $1;

-- name: UseSignInLink :one
-- Exchanges a link, once and before it expires, for a browser session.
UPDATE oauth_signins SET used_at = sqlc.arg(now)::timestamptz, session_hash = sqlc.arg(session_hash), session_expires_at = sqlc.arg(session_expires_at)::timestamptz
WHERE link_hash = sqlc.arg(link_hash) AND used_at IS NULL AND link_expires_at > sqlc.arg(now)::timestamptz
RETURNING account_id, mode;

-- name: GetSignInSession :one
SELECT account_id, mode FROM oauth_signins WHERE session_hash = sqlc.arg(session_hash) AND session_expires_at > sqlc.arg(now)::timestamptz;
