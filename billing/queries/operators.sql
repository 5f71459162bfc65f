-- name: GetOperatorByEmail :one
SELECT * FROM operators WHERE email = $1;

-- name: GetOperator :one
SELECT * FROM operators WHERE id = $1;

-- name: InsertOperator :execrows
INSERT INTO operators (id, email, name, created_at, updated_at)
VALUES ($1, $2, $3, $4, $4) ON CONFLICT (email) DO NOTHING;

-- name: GetMembership :one
SELECT * FROM operator_memberships WHERE account_id = $1 AND operator_id = $2;

-- name: InsertMembership :exec
INSERT INTO operator_memberships (account_id, operator_id, role, created_at) VALUES ($1, $2, $3, $4);

-- name: SetMembershipRole :execrows
UPDATE operator_memberships SET role = $3 WHERE account_id = $1 AND operator_id = $2;

-- name: DeleteMembership :execrows
DELETE FROM operator_memberships WHERE account_id = $1 AND operator_id = $2;

-- name: CountOwners :one
SELECT count(*) FROM operator_memberships WHERE account_id = $1 AND role = 'owner';

-- name: ListAccountOperators :many
-- An account's operators with their role, by email.
SELECT o.id, o.email, o.name, (o.password_hash IS NOT NULL)::boolean AS has_password, (o.totp_enabled_at IS NOT NULL)::boolean AS has_totp,
       m.role, m.account_id, m.created_at AS joined_at
FROM operator_memberships m JOIN operators o ON o.id = m.operator_id
WHERE m.account_id = $1
ORDER BY o.email;

-- name: ListOperatorAccounts :many
-- The accounts an operator belongs to, by name.
SELECT a.id, a.name, m.role FROM operator_memberships m JOIN accounts a ON a.id = m.account_id
WHERE m.operator_id = $1
ORDER BY a.name, a.id;

-- name: InsertOperatorLink :exec
INSERT INTO operator_links (id, hash, operator_id, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: UseOperatorLink :one
-- Marks a link used, once: of any number of concurrent uses one gets the row.
UPDATE operator_links SET used_at = sqlc.arg(now)
WHERE hash = sqlc.arg(hash) AND used_at IS NULL AND expires_at > sqlc.arg(now)
RETURNING id, operator_id, account_id;

-- name: GetOperatorLinkByHash :one
SELECT id, operator_id, account_id, expires_at, used_at FROM operator_links WHERE hash = $1;

-- name: DeleteExpiredOperatorLinks :exec
DELETE FROM operator_links WHERE expires_at < sqlc.arg(before);

-- name: InsertOperatorSession :exec
INSERT INTO operator_sessions (id, hash, operator_id, account_id, mode, method, factor_pending, user_agent, created_at, last_seen_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10);

-- name: GetOperatorSessionByHash :one
-- The session of a request with who it is and the role it has in the
-- account it works in (null when no longer a member of it).
SELECT s.id, s.operator_id, s.account_id, s.mode, s.method, s.factor_pending, s.failed_codes, s.user_agent,
       s.created_at, s.last_seen_at, s.expires_at, s.revoked_at,
       o.email, o.name, (o.totp_enabled_at IS NOT NULL)::boolean AS has_totp, (o.password_hash IS NOT NULL)::boolean AS has_password,
       a.name AS account_name, coalesce(m.role, '')::text AS role
FROM operator_sessions s
JOIN operators o ON o.id = s.operator_id
JOIN accounts a ON a.id = s.account_id
LEFT JOIN operator_memberships m ON m.account_id = s.account_id AND m.operator_id = s.operator_id
WHERE s.hash = $1;

-- name: TouchOperatorSession :exec
UPDATE operator_sessions SET last_seen_at = $2 WHERE id = $1;

-- name: SetOperatorSessionPlace :execrows
UPDATE operator_sessions SET account_id = $2, mode = $3 WHERE id = $1 AND revoked_at IS NULL;

-- name: ClearSessionFactor :execrows
UPDATE operator_sessions SET factor_pending = false WHERE id = $1 AND revoked_at IS NULL;

-- name: FailSessionCode :one
-- Counts a wrong code; the fifth ends the session.
UPDATE operator_sessions SET failed_codes = failed_codes + 1,
    revoked_at = CASE WHEN failed_codes + 1 >= 5 THEN sqlc.arg(now)::timestamptz ELSE revoked_at END
WHERE id = sqlc.arg(id)
RETURNING failed_codes;

-- name: ListOperatorSessions :many
-- Sessions of one operator, or of every operator of one account, newest
-- first, those still open only unless all.
SELECT s.id, s.operator_id, s.account_id, s.mode, s.method, s.factor_pending, s.user_agent,
       s.created_at, s.last_seen_at, s.expires_at, s.revoked_at, o.email
FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
WHERE (sqlc.narg(operator_id)::text IS NULL OR s.operator_id = sqlc.narg(operator_id))
  AND (sqlc.narg(account_id)::text IS NULL OR s.operator_id IN
        (SELECT m.operator_id FROM operator_memberships m WHERE m.account_id = sqlc.narg(account_id)))
  AND (sqlc.arg(all_sessions)::boolean OR (s.revoked_at IS NULL AND s.expires_at > sqlc.arg(now)))
ORDER BY s.id DESC
LIMIT sqlc.arg(max_rows);

-- name: GetOperatorSession :one
SELECT s.id, s.operator_id, s.account_id, s.revoked_at FROM operator_sessions s WHERE s.id = $1;

-- name: RevokeOperatorSession :execrows
UPDATE operator_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL;

-- name: RevokeOperatorSessions :execrows
-- Ends every open session of an operator (all accounts when account is null:
-- a session can switch to any account the operator belongs to).
UPDATE operator_sessions SET revoked_at = sqlc.arg(now)
WHERE operator_id = sqlc.arg(operator_id) AND revoked_at IS NULL
  AND (sqlc.narg(except_id)::text IS NULL OR id <> sqlc.narg(except_id));

-- name: SetOperatorPassword :exec
UPDATE operators SET password_hash = $2, updated_at = $3 WHERE id = $1;

-- name: StartOperatorTOTP :exec
UPDATE operators SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = $3 WHERE id = $1;

-- name: GetOperatorTOTP :one
SELECT totp_secret, totp_enabled_at, totp_last_step FROM operators WHERE id = $1 FOR UPDATE;

-- name: AcceptOperatorTOTP :exec
-- Records the step of an accepted code (so it cannot be used again) and
-- turns the second factor on.
UPDATE operators SET totp_last_step = $2, totp_enabled_at = coalesce(totp_enabled_at, $3), updated_at = $3 WHERE id = $1;

-- name: DisableOperatorTOTP :exec
UPDATE operators SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = $2 WHERE id = $1;

-- name: RevokeOperatorSessionsIn :execrows
-- Ends an operator's open sessions working in one account.
UPDATE operator_sessions SET revoked_at = sqlc.arg(now)
WHERE operator_id = sqlc.arg(operator_id) AND account_id = sqlc.arg(account_id) AND revoked_at IS NULL;

-- name: LockAccountOperators :exec
-- Serialises changes to an account's operators (the last owner stays).
SELECT id FROM accounts WHERE id = $1 FOR UPDATE;
