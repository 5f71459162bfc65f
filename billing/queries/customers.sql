-- name: InsertCustomer :execrows
INSERT INTO customers (id, account_id, mode, external_id, name, email, metadata, created_at, updated_at, test_clock_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, sqlc.narg(test_clock_id)) ON CONFLICT (account_id, mode, external_id) DO NOTHING;

-- name: GetCustomerByID :one
SELECT c.id, c.account_id, c.mode, c.external_id, c.name, c.email, c.metadata, c.created_at, c.updated_at,
    coalesce((SELECT w.id FROM wallets w WHERE w.customer_id = c.id AND w.is_default), '')::text AS default_wallet_id,
    coalesce(c.test_clock_id, '')::text AS test_clock_id
FROM customers c
WHERE c.account_id = $1 AND c.mode = $2 AND c.id = $3;

-- name: GetCustomerByExternalID :one
SELECT c.id, c.account_id, c.mode, c.external_id, c.name, c.email, c.metadata, c.created_at, c.updated_at,
    coalesce((SELECT w.id FROM wallets w WHERE w.customer_id = c.id AND w.is_default), '')::text AS default_wallet_id,
    coalesce(c.test_clock_id, '')::text AS test_clock_id
FROM customers c
WHERE c.account_id = $1 AND c.mode = $2 AND c.external_id = $3;

-- name: UpdateCustomer :exec
UPDATE customers SET name = $2, email = $3, metadata = $4, updated_at = $5 WHERE id = $1;

-- name: ListCustomers :many
-- Newest first, keyset-paged by id; each null filter is off.
SELECT c.id, c.account_id, c.mode, c.external_id, c.name, c.email, c.metadata, c.created_at, c.updated_at,
    coalesce((SELECT w.id FROM wallets w WHERE w.customer_id = c.id AND w.is_default), '')::text AS default_wallet_id,
    coalesce(c.test_clock_id, '')::text AS test_clock_id
FROM customers c
WHERE c.account_id = $1 AND c.mode = $2
  AND (sqlc.narg(cursor)::text IS NULL OR c.id < sqlc.narg(cursor))
  AND (sqlc.narg(email)::text IS NULL OR c.email = sqlc.narg(email))
  AND (sqlc.narg(created_after)::timestamptz IS NULL OR c.created_at >= sqlc.narg(created_after))
  AND (sqlc.narg(created_before)::timestamptz IS NULL OR c.created_at < sqlc.narg(created_before))
ORDER BY c.id DESC LIMIT sqlc.arg(lim);

-- name: GetCustomerTestClock :one
SELECT test_clock_id FROM customers WHERE id = $1;
