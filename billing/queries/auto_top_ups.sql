-- name: UpsertAutoTopUp :exec
INSERT INTO auto_top_ups (wallet_id, asset, enabled, threshold, credit_amount, paid_minor, currency, monthly_cap_minor, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (wallet_id, asset) DO UPDATE SET enabled = EXCLUDED.enabled, threshold = EXCLUDED.threshold,
    credit_amount = EXCLUDED.credit_amount, paid_minor = EXCLUDED.paid_minor, currency = EXCLUDED.currency,
    monthly_cap_minor = EXCLUDED.monthly_cap_minor, updated_at = EXCLUDED.updated_at,
    failures = CASE WHEN EXCLUDED.enabled THEN 0 ELSE auto_top_ups.failures END,
    retry_after = CASE WHEN EXCLUDED.enabled THEN NULL ELSE auto_top_ups.retry_after END,
    disabled_reason = CASE WHEN EXCLUDED.enabled THEN '' ELSE auto_top_ups.disabled_reason END;

-- name: GetAutoTopUp :one
SELECT x.wallet_id, x.asset, ast.precision, x.enabled, x.threshold, x.credit_amount, x.paid_minor, x.currency, cur.precision AS paid_precision,
    x.monthly_cap_minor, x.failures, x.retry_after, x.disabled_reason, x.updated_at
FROM auto_top_ups x JOIN balances b ON b.wallet_id = x.wallet_id AND b.asset = x.asset
JOIN assets ast ON ast.account_id = b.account_id AND ast.mode = b.mode AND ast.code = x.asset
JOIN assets cur ON cur.account_id = b.account_id AND cur.mode = b.mode AND cur.code = x.currency
WHERE x.wallet_id = $1 AND x.asset = $2;

-- name: GetSavedCardCharge :one
SELECT provider_customer_id, payment_method_id FROM provider_customers WHERE customer_id = $1 AND provider = $2;

-- name: GetPendingAutoTopUp :one
SELECT t.account_id, t.mode, x.enabled, x.monthly_cap_minor FROM top_ups t
JOIN auto_top_ups x ON x.wallet_id = t.wallet_id AND x.asset = t.asset
WHERE t.id = $1 AND t.auto AND t.status = 'pending';

-- name: CancelPendingTopUp :exec
UPDATE top_ups SET status = 'canceled', failure_message = $2, updated_at = $3 WHERE id = $1 AND status = 'pending';

-- name: SetTopUpProvider :exec
UPDATE top_ups SET provider = $2 WHERE id = $1;

-- name: AutoTopUpSpent :one
SELECT coalesce(sum(paid_minor), 0)::bigint FROM top_ups
WHERE customer_id = $1 AND wallet_id = $2 AND asset = $3 AND auto AND status = 'succeeded' AND created_at >= sqlc.arg(since);

-- name: StalePendingAutoTopUps :many
SELECT id FROM top_ups WHERE auto AND status = 'pending' AND created_at < sqlc.arg(before) ORDER BY created_at LIMIT 500;
