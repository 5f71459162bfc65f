-- name: GetConfirmationThreshold :one
SELECT above FROM confirmation_thresholds WHERE account_id = $1 AND mode = $2 AND asset = $3;

-- name: ListConfirmationThresholds :many
SELECT asset, above, updated_at FROM confirmation_thresholds WHERE account_id = $1 AND mode = $2 ORDER BY asset;

-- name: UpsertConfirmationThreshold :exec
INSERT INTO confirmation_thresholds (account_id, mode, asset, above, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (account_id, mode, asset) DO UPDATE SET above = EXCLUDED.above, updated_at = EXCLUDED.updated_at;

-- name: IsKeyConfirmationExempt :one
SELECT EXISTS (SELECT 1 FROM confirmation_exempt_keys WHERE key_id = $1);

-- name: ExemptKeyFromConfirmation :exec
INSERT INTO confirmation_exempt_keys (key_id, created_at) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING;

-- name: UnexemptKeyFromConfirmation :exec
DELETE FROM confirmation_exempt_keys WHERE key_id = $1;

-- name: ListConfirmationExemptKeys :many
SELECT k.id, k.prefix, k.name, k.mode FROM confirmation_exempt_keys e JOIN api_keys k ON k.id = e.key_id
WHERE k.account_id = $1 AND k.revoked_at IS NULL ORDER BY k.id;

-- name: FindAPIKeyByRef :many
SELECT id, account_id, mode, prefix, revoked_at FROM api_keys WHERE id = sqlc.arg(ref) OR prefix = sqlc.arg(ref);

-- name: DeleteExpiredConfirmationTokens :exec
DELETE FROM confirmation_tokens WHERE account_id = $1 AND expires_at < $2;

-- name: InsertConfirmationToken :exec
INSERT INTO confirmation_tokens (hash, account_id, mode, tool, fingerprint, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: RedeemConfirmationToken :one
-- Marks the token used when it matches the call in every respect; the row
-- comes back either way (or none when unknown), so a refusal can say why.
UPDATE confirmation_tokens SET used_at = sqlc.arg(now)::timestamptz
WHERE hash = sqlc.arg(hash) AND account_id = sqlc.arg(account_id) AND mode = sqlc.arg(mode)
  AND tool = sqlc.arg(tool) AND fingerprint = sqlc.arg(fingerprint)
  AND used_at IS NULL AND expires_at > sqlc.arg(now)::timestamptz
RETURNING used_at;

-- name: GetConfirmationToken :one
SELECT account_id, mode, tool, fingerprint, expires_at, used_at FROM confirmation_tokens WHERE hash = $1;

-- name: GetCustomerKeyCustomer :one
SELECT c.id, c.external_id FROM customer_keys k JOIN customers c ON c.id = k.customer_id
WHERE k.account_id = $1 AND k.mode = $2 AND k.id = $3;
