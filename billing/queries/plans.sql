-- name: LockSubscription :one
-- Serialises the billing cycle of one subscription: renewals, retries,
-- changes and cancellations take this lock first.
SELECT s.id, s.customer_id, s.product_id, p.code AS product_code, s.version, s.started_at, s.ended_at,
    s.wallet_id, s.status, s.anchor_at, s.period_index, s.period_start, s.period_end, s.grace_ends_at,
    s.cancel_at_period_end, s.next_version, s.allowance_lots, s.account_id, s.mode
FROM subscriptions s JOIN products p ON p.id = s.product_id
WHERE s.id = $1 FOR UPDATE OF s;

-- name: UpdateSubscriptionCycle :exec
UPDATE subscriptions SET status = $2, period_index = $3, period_start = $4, period_end = $5, grace_ends_at = $6,
    cancel_at_period_end = $7, next_version = $8, allowance_lots = $9, ended_at = $10
WHERE id = $1;

-- name: DueSubscriptions :many
-- Plans whose period has ended, and plans in their grace period or
-- suspended that may now pay, oldest first: of the customers on one test
-- clock, or (clock null) of those on none.
SELECT s.id FROM subscriptions s
WHERE s.ended_at IS NULL AND s.period_end IS NOT NULL AND (s.period_end <= sqlc.arg(period_end) OR s.status IN ('past_due', 'suspended'))
  AND (SELECT cu.test_clock_id FROM customers cu WHERE cu.id = s.customer_id) IS NOT DISTINCT FROM sqlc.narg(clock)::text
ORDER BY s.period_end, s.id
LIMIT sqlc.arg(lim);

-- name: OwingSubscriptions :many
SELECT id FROM subscriptions
WHERE wallet_id = $1 AND ended_at IS NULL AND status IN ('past_due', 'suspended')
ORDER BY id;

-- name: InsertSubscriptionPeriod :execrows
INSERT INTO subscription_periods (subscription_id, period_start, period_end, account_id, mode, status, asset, fee, transaction_id, created_at, paid_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, sqlc.arg(created_at), $10)
ON CONFLICT (subscription_id, period_start) DO NOTHING;

-- name: PayDuePeriods :exec
-- The due period is paid (by the transaction given) or, when the customer
-- pays after it ended, waived in favour of the period in force.
UPDATE subscription_periods SET status = CASE WHEN period_start = sqlc.arg(paid_start) THEN 'paid' ELSE 'waived' END,
    transaction_id = CASE WHEN period_start = sqlc.arg(paid_start) THEN sqlc.narg(transaction_id) END,
    paid_at = CASE WHEN period_start = sqlc.arg(paid_start) THEN sqlc.arg(paid_at)::timestamptz END
WHERE subscription_id = $1 AND status = 'due';

-- name: ListSubscriptionPeriods :many
SELECT subscription_id, period_start, period_end, status, asset, fee, transaction_id, paid_at
FROM subscription_periods WHERE subscription_id = $1 ORDER BY period_start;
