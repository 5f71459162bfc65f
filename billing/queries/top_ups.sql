-- A top-up reads with the precisions of its asset and currency; the four
-- reads return the same columns (their rows convert to GetTopUpRow).

-- name: GetTopUp :one
SELECT t.id, t.customer_id, t.wallet_id, t.asset, a.precision, t.credit_amount, t.paid_minor, t.currency, cur.precision AS paid_precision,
    t.provider, t.auto, t.status, t.checkout_url, t.action_url, coalesce(t.payment_id, '')::text AS payment_id, coalesce(t.lot_id, '')::text AS lot_id,
    t.failure_code, t.failure_message, t.refunded_minor, t.created_at, t.updated_at, t.request_hash
FROM top_ups t
JOIN assets a ON a.account_id = t.account_id AND a.mode = t.mode AND a.code = t.asset
JOIN assets cur ON cur.account_id = t.account_id AND cur.mode = t.mode AND cur.code = t.currency
WHERE t.id = $1 AND t.account_id = $2 AND t.mode = $3;

-- name: GetTopUpForUpdate :one
SELECT t.id, t.customer_id, t.wallet_id, t.asset, a.precision, t.credit_amount, t.paid_minor, t.currency, cur.precision AS paid_precision,
    t.provider, t.auto, t.status, t.checkout_url, t.action_url, coalesce(t.payment_id, '')::text AS payment_id, coalesce(t.lot_id, '')::text AS lot_id,
    t.failure_code, t.failure_message, t.refunded_minor, t.created_at, t.updated_at, t.request_hash
FROM top_ups t
JOIN assets a ON a.account_id = t.account_id AND a.mode = t.mode AND a.code = t.asset
JOIN assets cur ON cur.account_id = t.account_id AND cur.mode = t.mode AND cur.code = t.currency
WHERE t.id = $1 AND t.account_id = $2 AND t.mode = $3
FOR UPDATE OF t;

-- name: GetTopUpByKey :one
SELECT t.id, t.customer_id, t.wallet_id, t.asset, a.precision, t.credit_amount, t.paid_minor, t.currency, cur.precision AS paid_precision,
    t.provider, t.auto, t.status, t.checkout_url, t.action_url, coalesce(t.payment_id, '')::text AS payment_id, coalesce(t.lot_id, '')::text AS lot_id,
    t.failure_code, t.failure_message, t.refunded_minor, t.created_at, t.updated_at, t.request_hash
FROM top_ups t
JOIN assets a ON a.account_id = t.account_id AND a.mode = t.mode AND a.code = t.asset
JOIN assets cur ON cur.account_id = t.account_id AND cur.mode = t.mode AND cur.code = t.currency
WHERE t.request_key = sqlc.arg(request_key)::text AND t.account_id = sqlc.arg(account_id) AND t.mode = sqlc.arg(mode) AND t.request_key IS NOT NULL;

-- name: ListTopUps :many
SELECT t.id, t.customer_id, t.wallet_id, t.asset, a.precision, t.credit_amount, t.paid_minor, t.currency, cur.precision AS paid_precision,
    t.provider, t.auto, t.status, t.checkout_url, t.action_url, coalesce(t.payment_id, '')::text AS payment_id, coalesce(t.lot_id, '')::text AS lot_id,
    t.failure_code, t.failure_message, t.refunded_minor, t.created_at, t.updated_at, t.request_hash
FROM top_ups t
JOIN assets a ON a.account_id = t.account_id AND a.mode = t.mode AND a.code = t.asset
JOIN assets cur ON cur.account_id = t.account_id AND cur.mode = t.mode AND cur.code = t.currency
WHERE t.customer_id = $1 AND t.account_id = $2 AND t.mode = $3
ORDER BY t.id DESC LIMIT $4;

-- name: EnsureBalance :exec
INSERT INTO balances (wallet_id, asset, account_id, mode, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING;

-- name: InsertTopUp :execrows
INSERT INTO top_ups (id, account_id, mode, request_key, request_hash, customer_id, wallet_id, asset,
    credit_amount, paid_minor, currency, provider, status, success_url, cancel_url, created_at, updated_at)
VALUES (sqlc.arg(id), sqlc.arg(account_id), sqlc.arg(mode), sqlc.arg(request_key)::text, sqlc.arg(request_hash), sqlc.arg(customer_id),
    sqlc.arg(wallet_id), sqlc.arg(asset), sqlc.arg(credit_amount), sqlc.arg(paid_minor), sqlc.arg(currency), sqlc.arg(provider), 'pending',
    sqlc.arg(success_url), sqlc.arg(cancel_url), sqlc.arg(now), sqlc.arg(now))
ON CONFLICT (request_key, account_id, mode) WHERE request_key IS NOT NULL DO NOTHING;

-- name: SucceedTopUp :exec
UPDATE top_ups SET status = 'succeeded', lot_id = sqlc.arg(lot_id)::text, payment_id = coalesce(payment_id, nullif(sqlc.arg(payment_id)::text, '')),
    failure_code = '', failure_message = '', action_url = '', updated_at = sqlc.arg(updated_at)
WHERE id = sqlc.arg(id);

-- name: InsertPaymentEvent :execrows
INSERT INTO payment_events (provider, id, type, received_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: GetRefundByKey :one
SELECT id, amount_minor FROM top_up_refunds WHERE top_up_id = $1 AND request_key = $2;

-- name: InsertRefund :exec
INSERT INTO top_up_refunds (id, top_up_id, request_key, amount_minor, credit, created_at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: AddTopUpRefunded :exec
UPDATE top_ups SET refunded_minor = refunded_minor + sqlc.arg(minor), updated_at = sqlc.arg(updated_at) WHERE id = sqlc.arg(id);

-- name: SetRefundProviderID :exec
UPDATE top_up_refunds SET provider_refund_id = $2 WHERE id = $1;
