-- name: InsertProduct :execrows
INSERT INTO products (id, account_id, mode, code, name, description, event_type, default_version, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (account_id, mode, code) DO NOTHING;

-- name: GetProduct :one
-- A product by id or code.
SELECT id, code, name, description, event_type, default_version, archived_at, created_at FROM products
WHERE account_id = $1 AND mode = $2 AND (code = sqlc.arg(ref) OR id = sqlc.arg(ref));

-- name: ListVersions :many
SELECT id, product_id, version, prices, entitlements, published_at FROM product_versions
WHERE product_id = $1 ORDER BY version DESC;

-- name: GetVersion :one
SELECT id, product_id, version, prices, entitlements, published_at FROM product_versions
WHERE product_id = $1 AND version = $2;

-- name: LatestVersion :one
SELECT coalesce(max(version), 0)::integer AS version FROM product_versions WHERE product_id = $1;

-- name: InsertVersion :exec
INSERT INTO product_versions (id, product_id, version, prices, entitlements, published_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: SetDefaultVersion :exec
UPDATE products SET default_version = $2 WHERE id = $1;

-- name: ArchiveProduct :exec
UPDATE products SET archived_at = $2 WHERE id = $1;

-- name: ListProducts :many
-- Newest first, keyset-paged by id; a null cursor starts at the newest.
SELECT id, code, name, description, event_type, default_version, archived_at, created_at FROM products
WHERE account_id = $1 AND mode = $2
  AND (sqlc.narg(cursor)::text IS NULL OR id < sqlc.narg(cursor))
  AND (sqlc.arg(include_archived)::boolean OR archived_at IS NULL)
ORDER BY id DESC LIMIT sqlc.arg(lim);

-- name: InsertVendor :execrows
INSERT INTO vendors (id, account_id, mode, code, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (account_id, mode, code) DO NOTHING;

-- name: GetVendor :one
SELECT id, code, name, created_at FROM vendors WHERE account_id = $1 AND mode = $2 AND code = $3;

-- name: ListVendors :many
SELECT id, code, name, created_at FROM vendors WHERE account_id = $1 AND mode = $2 ORDER BY code;

-- name: LockCustomer :exec
-- Serialises changes to one customer's subscriptions.
SELECT 1 FROM customers WHERE id = $1 FOR UPDATE;

-- name: CurrentSubscription :one
SELECT s.id, s.customer_id, s.product_id, p.code AS product_code, s.version, s.started_at, s.ended_at,
    s.wallet_id, s.status, s.anchor_at, s.period_index, s.period_start, s.period_end, s.grace_ends_at,
    s.cancel_at_period_end, s.next_version, s.allowance_lots
FROM subscriptions s JOIN products p ON p.id = s.product_id
WHERE s.customer_id = $1 AND s.product_id = $2 AND s.ended_at IS NULL;

-- name: EndSubscription :exec
UPDATE subscriptions SET ended_at = $2 WHERE id = $1;

-- name: InsertSubscription :exec
INSERT INTO subscriptions (id, account_id, mode, customer_id, product_id, version, started_at, created_at,
    wallet_id, status, anchor_at, period_index, period_start, period_end, grace_ends_at, cancel_at_period_end, next_version, allowance_lots)
VALUES ($1, $2, $3, $4, $5, $6, sqlc.arg(started_at), sqlc.arg(started_at),
    $7, $8, $9, $10, $11, $12, $13, $14, $15, $16);

-- name: ListSubscriptions :many
SELECT s.id, s.customer_id, s.product_id, p.code AS product_code, s.version, s.started_at, s.ended_at,
    s.wallet_id, s.status, s.anchor_at, s.period_index, s.period_start, s.period_end, s.grace_ends_at,
    s.cancel_at_period_end, s.next_version, s.allowance_lots
FROM subscriptions s JOIN products p ON p.id = s.product_id
WHERE s.customer_id = $1
ORDER BY s.ended_at IS NULL DESC, s.started_at DESC;

-- name: ListActiveProductsForEvent :many
SELECT id, code, name, description, event_type, default_version, archived_at, created_at FROM products
WHERE account_id = $1 AND mode = $2 AND event_type = $3 AND archived_at IS NULL ORDER BY code;
