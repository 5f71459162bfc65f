-- name: UpsertPaymentConnection :exec
INSERT INTO payment_connections (account_id, mode, provider, secret_key, webhook_secret, created_at, updated_at)
VALUES (sqlc.arg(account_id), sqlc.arg(mode), 'stripe', sqlc.arg(secret_key), sqlc.arg(webhook_secret), sqlc.arg(now), sqlc.arg(now))
ON CONFLICT (account_id, mode) DO UPDATE SET secret_key = EXCLUDED.secret_key, webhook_secret = EXCLUDED.webhook_secret, updated_at = EXCLUDED.updated_at;

-- name: GetPaymentConnection :one
SELECT secret_key, webhook_secret FROM payment_connections WHERE account_id = $1 AND mode = $2;

-- name: GetProviderCustomer :one
SELECT provider_customer_id FROM provider_customers WHERE customer_id = $1 AND provider = $2;

-- name: UpsertProviderCustomer :exec
INSERT INTO provider_customers (customer_id, provider, provider_customer_id, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (customer_id, provider) DO UPDATE SET provider_customer_id = EXCLUDED.provider_customer_id, updated_at = EXCLUDED.updated_at;

-- name: SetTopUpCheckout :exec
UPDATE top_ups SET provider = $2, checkout_id = $3, checkout_url = $4, updated_at = $5 WHERE id = $1;
