-- name: CountActiveCustomers :one
-- Customers billed since a time: one probe of fees_customer_occurred per
-- customer, never a scan of the events.
SELECT count(*) FROM customers c
WHERE c.account_id = $1 AND c.mode = $2
  AND EXISTS (SELECT 1 FROM fees f WHERE f.account_id = c.account_id AND f.mode = c.mode AND f.customer_id = c.id
              AND f.occurred_at >= sqlc.arg(since));

-- name: CountRecentEvents :one
-- Events recorded since a time, among the newest 10,000 (events_seq,
-- read backwards): a count that stops at 10,000 rather than scan.
SELECT count(*) FROM (
    SELECT e.created_at FROM events e WHERE e.account_id = $1 AND e.mode = $2 ORDER BY e.seq DESC LIMIT 10000
) AS recent WHERE created_at >= sqlc.arg(since)::timestamptz;

-- name: CountWalletsBelowThreshold :one
-- Wallets with a balance below one of its thresholds (crossed, not yet
-- back at its rearm level).
SELECT count(DISTINCT t.wallet_id) FROM balance_thresholds t JOIN wallets w ON w.id = t.wallet_id
WHERE w.account_id = $1 AND w.mode = $2 AND NOT t.armed;

-- name: CountPastDuePlans :one
SELECT count(*) FROM subscriptions s
WHERE s.account_id = $1 AND s.mode = $2 AND s.ended_at IS NULL AND s.status = 'past_due';

-- name: SearchCustomers :many
-- Exact matches (id, external id, email) first, then names, emails and
-- external ids containing the text; newest first within each. Each branch of
-- the OR has its index (customers_pkey, the external id's key,
-- customers_search_email, and customers_search_text over the name, email and
-- external id together, where pg_trgm is installed).
SELECT c.id, c.account_id, c.mode, c.external_id, c.name, c.email, c.metadata, c.created_at, c.updated_at,
    coalesce((SELECT w.id FROM wallets w WHERE w.customer_id = c.id AND w.is_default), '')::text AS default_wallet_id,
    coalesce(c.test_clock_id, '')::text AS test_clock_id
FROM customers c
WHERE c.account_id = $1 AND c.mode = $2
  AND (c.id = sqlc.arg(q)::text OR c.external_id = sqlc.arg(q)::text OR lower(c.email) = lower(sqlc.arg(q)::text)
       OR (c.name || ' ' || c.email || ' ' || c.external_id) ILIKE sqlc.arg(pattern)::text)
ORDER BY (c.id = sqlc.arg(q)::text OR c.external_id = sqlc.arg(q)::text OR lower(c.email) = lower(sqlc.arg(q)::text)) DESC, c.id DESC
LIMIT sqlc.arg(lim);

-- name: ListOpenHolds :many
-- A customer's authorizations still holding money, soonest to expire first.
SELECT a.id, a.wallet_id, a.asset, a.amount, a.event_type, a.expires_at, a.created_at FROM authorizations a
JOIN wallets w ON w.id = a.wallet_id
WHERE w.account_id = $1 AND w.mode = $2 AND w.customer_id = $3 AND a.status = 'active' AND a.expires_at > sqlc.arg(now)
ORDER BY a.expires_at LIMIT 100;

-- name: ListAccountTopUps :many
-- An account's top-ups, newest first (keyset by id): all, auto top-ups that
-- failed (declines), or those refunded in part or whole.
SELECT t.id, t.customer_id, t.wallet_id, t.asset, a.precision, t.credit_amount, t.paid_minor, t.currency, cur.precision AS paid_precision,
    t.provider, t.auto, t.status, t.checkout_url, t.action_url, coalesce(t.payment_id, '')::text AS payment_id, coalesce(t.lot_id, '')::text AS lot_id,
    t.failure_code, t.failure_message, t.refunded_minor, t.created_at, t.updated_at, t.request_hash
FROM top_ups t
JOIN assets a ON a.account_id = t.account_id AND a.mode = t.mode AND a.code = t.asset
JOIN assets cur ON cur.account_id = t.account_id AND cur.mode = t.mode AND cur.code = t.currency
WHERE t.account_id = $1 AND t.mode = $2
  AND (sqlc.narg(cursor)::text IS NULL OR t.id < sqlc.narg(cursor))
  AND (sqlc.arg(kind)::text = 'all'
       OR (sqlc.arg(kind)::text = 'declined' AND t.auto AND t.status = 'failed')
       OR (sqlc.arg(kind)::text = 'refunded' AND t.refunded_minor > 0))
ORDER BY t.id DESC LIMIT sqlc.arg(lim);
