-- name: InsertTestClock :execrows
INSERT INTO test_clocks (id, account_id, mode, name, idempotency_key, request_hash, frozen_time, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'ready', $8, $8)
ON CONFLICT (idempotency_key, account_id, mode) DO NOTHING;

-- name: GetTestClockByKey :one
SELECT id, account_id, mode, name, frozen_time, status, advance_to, created_at, updated_at, request_hash FROM test_clocks
WHERE idempotency_key = $1 AND account_id = $2 AND mode = $3;

-- name: GetTestClock :one
SELECT id, account_id, mode, name, frozen_time, status, advance_to, created_at, updated_at, request_hash FROM test_clocks
WHERE account_id = $1 AND mode = $2 AND id = $3;

-- name: LockTestClock :one
-- Serialises advances of one clock with each other and with the operations
-- of its customers (which take it FOR SHARE: ClockTimeShared).
SELECT id, account_id, mode, name, frozen_time, status, advance_to, created_at, updated_at, request_hash FROM test_clocks
WHERE account_id = $1 AND mode = $2 AND id = $3 FOR UPDATE;

-- name: ListTestClocks :many
-- Newest first, keyset-paged by id.
SELECT id, account_id, mode, name, frozen_time, status, advance_to, created_at, updated_at, request_hash FROM test_clocks
WHERE account_id = $1 AND mode = $2 AND (sqlc.narg(cursor)::text IS NULL OR id < sqlc.narg(cursor))
ORDER BY id DESC LIMIT sqlc.arg(lim);

-- name: ClockTime :one
-- A clock's time, read by an operation on one of its customers.
SELECT frozen_time, status, advance_to FROM test_clocks WHERE id = $1;

-- name: ClockTimeShared :one
-- A clock's time, read by an operation that writes for one of its
-- customers: an advance waits for it to commit.
SELECT frozen_time, status, advance_to FROM test_clocks WHERE id = $1 FOR SHARE;

-- name: StartTestClockAdvance :exec
UPDATE test_clocks SET status = 'advancing', advance_to = $2, updated_at = $3 WHERE id = $1;

-- name: StepTestClock :execrows
-- Moves an advancing clock to the next time something falls due.
UPDATE test_clocks SET frozen_time = $2, updated_at = $3 WHERE id = $1 AND status = 'advancing' AND $2 <= advance_to;

-- name: FinishTestClockAdvance :execrows
-- Ends an advance that has reached its target.
UPDATE test_clocks SET status = 'ready', advance_to = NULL, updated_at = $2
WHERE id = $1 AND status = 'advancing' AND frozen_time = advance_to;

-- name: TestClockNextDue :one
-- The first time in (after, until] at which something falls due for the
-- clock's customers: a renewal (or a cancellation or change at the period's
-- end), the suspension of a past_due plan, a lot's expiry or an
-- authorization's expiry; until when nothing does.
SELECT coalesce(LEAST(
    (SELECT min(s.period_end) FROM subscriptions s JOIN customers cu ON cu.id = s.customer_id
     WHERE cu.test_clock_id = sqlc.arg(clock) AND s.ended_at IS NULL AND s.status IN ('active', 'trialing')
       AND s.period_end > sqlc.arg(after) AND s.period_end <= sqlc.arg(until)),
    (SELECT min(s.grace_ends_at) FROM subscriptions s JOIN customers cu ON cu.id = s.customer_id
     WHERE cu.test_clock_id = sqlc.arg(clock) AND s.ended_at IS NULL AND s.status = 'past_due'
       AND s.grace_ends_at > sqlc.arg(after) AND s.grace_ends_at <= sqlc.arg(until)),
    (SELECT min(l.expires_at) FROM lots l JOIN wallets w ON w.id = l.wallet_id JOIN customers cu ON cu.id = w.customer_id
     WHERE cu.test_clock_id = sqlc.arg(clock) AND l.remaining > 0
       AND l.expires_at > sqlc.arg(after) AND l.expires_at <= sqlc.arg(until)),
    (SELECT min(a.expires_at) FROM authorizations a JOIN customers cu ON cu.id = a.customer_id
     WHERE cu.test_clock_id = sqlc.arg(clock) AND a.status = 'active'
       AND a.expires_at > sqlc.arg(after) AND a.expires_at <= sqlc.arg(until))
), sqlc.arg(until))::timestamptz AS due;

-- name: TestClockPlans :many
-- The running plans of a clock's customers (product and version), which
-- bound how far one advance may go.
SELECT DISTINCT s.product_id, s.version FROM subscriptions s JOIN customers cu ON cu.id = s.customer_id
WHERE cu.test_clock_id = $1 AND s.ended_at IS NULL AND s.period_end IS NOT NULL;
