-- name: GetPortalSecret :one
SELECT secret FROM portal_secrets WHERE id = 1;

-- name: InsertPortalSecret :exec
-- The first process to start makes the secret; the others read it.
INSERT INTO portal_secrets (id, secret, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING;

-- name: GetPortalBranding :one
SELECT account_id, mode, display_name, logo_url, accent_color, support_email, asset, currency,
    top_up_presets, top_up_min, top_up_max, monthly_cap_max, updated_at
FROM portal_settings WHERE account_id = $1 AND mode = $2;

-- name: UpsertPortalBranding :exec
INSERT INTO portal_settings (account_id, mode, display_name, logo_url, accent_color, support_email, asset, currency,
    top_up_presets, top_up_min, top_up_max, monthly_cap_max, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (account_id, mode) DO UPDATE SET display_name = EXCLUDED.display_name, logo_url = EXCLUDED.logo_url,
    accent_color = EXCLUDED.accent_color, support_email = EXCLUDED.support_email, asset = EXCLUDED.asset,
    currency = EXCLUDED.currency, top_up_presets = EXCLUDED.top_up_presets, top_up_min = EXCLUDED.top_up_min,
    top_up_max = EXCLUDED.top_up_max, monthly_cap_max = EXCLUDED.monthly_cap_max, updated_at = EXCLUDED.updated_at;

-- name: DailySpend :many
-- A customer's fees in one asset per UTC day of [from, to).
SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC')::date AS day, sum(amount)::numeric AS amount
FROM fees
WHERE account_id = $1 AND mode = $2 AND customer_id = $3 AND asset = $4 AND occurred_at >= $5 AND occurred_at < $6
GROUP BY 1 ORDER BY 1;

-- name: GetSavedCard :one
SELECT payment_method_id FROM provider_customers WHERE customer_id = $1 AND provider = $2;

-- name: DeleteExpiredPortalLinkUses :exec
-- A used link's row is kept until the link expires: an expired link is
-- refused anyway.
DELETE FROM portal_link_uses WHERE expires_at < $1;

-- name: UsePortalLink :execrows
-- 1 row: this is the link's first use; 0: it was used before.
INSERT INTO portal_link_uses (nonce, used_at, expires_at) VALUES ($1, $2, $3) ON CONFLICT (nonce) DO NOTHING;

-- name: CustomerProducts :many
-- The account's products a customer has events of, archived ones included
-- (their usage stays listed), by name: one probe of events_customer_type
-- per product.
SELECT p.id, p.code, p.name, p.description, p.event_type, p.default_version, p.archived_at, p.created_at
FROM products p
WHERE p.account_id = $1 AND p.mode = $2
  AND EXISTS (SELECT 1 FROM events e WHERE e.account_id = p.account_id AND e.mode = p.mode
      AND e.customer_id = sqlc.arg(customer_id) AND e.event_type = p.event_type)
ORDER BY p.name, p.code
LIMIT 200;
