-- name: LockFold :exec
-- Folds of one account and mode run one at a time.
SELECT pg_advisory_xact_lock(hashtextextended(sqlc.arg(key)::text, 0));

-- name: AnyPending :one
SELECT EXISTS (SELECT 1 FROM profitability_pending WHERE account_id = $1 AND mode = $2);

-- name: DeleteRollupsFrom :exec
DELETE FROM profitability_rollups WHERE account_id = $1 AND mode = $2 AND period >= sqlc.arg(from_period)::date;

-- name: LastEventSeq :one
SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass), 0)::bigint;

-- name: DeletePendingThrough :exec
DELETE FROM profitability_pending WHERE account_id = $1 AND mode = $2 AND seq <= sqlc.arg(through);

-- name: InsertPending :exec
INSERT INTO profitability_pending (account_id, mode, seq) SELECT sqlc.arg(account_id), sqlc.arg(mode), unnest(sqlc.arg(seqs)::bigint[])
ON CONFLICT DO NOTHING;

-- name: UpsertRollups :exec
-- Adds sums to their rollup rows, one array element per row.
INSERT INTO profitability_rollups AS r (account_id, mode, grain, period, customer_id, product_id, version,
        event_type, dims, events, revenue_events, cost_events, revenue, billed, promotional, bundled, cost, margin_revenue, margin_cost)
    -- One unnest per array in the select list: they run in lockstep, as
    -- unnest(a, b, …) in FROM would (which sqlc cannot compile).
    SELECT sqlc.arg(account_id), sqlc.arg(mode), unnest(sqlc.arg(grains)::text[]), unnest(sqlc.arg(periods)::date[]),
        unnest(sqlc.arg(customer_ids)::text[]), unnest(sqlc.arg(product_ids)::text[]), unnest(sqlc.arg(versions)::int[]),
        unnest(sqlc.arg(event_types)::text[]), unnest(sqlc.arg(dims)::text[])::jsonb, unnest(sqlc.arg(events)::bigint[]),
        unnest(sqlc.arg(revenue_events)::bigint[]), unnest(sqlc.arg(cost_events)::bigint[]), unnest(sqlc.arg(revenue)::numeric[]),
        unnest(sqlc.arg(billed)::numeric[]), unnest(sqlc.arg(promotional)::numeric[]), unnest(sqlc.arg(bundled)::numeric[]),
        unnest(sqlc.arg(cost)::numeric[]), unnest(sqlc.arg(margin_revenue)::numeric[]), unnest(sqlc.arg(margin_cost)::numeric[])
    ON CONFLICT (account_id, mode, grain, period, customer_id, product_id, version, event_type, dims) DO UPDATE SET
        events = r.events + excluded.events, revenue_events = r.revenue_events + excluded.revenue_events,
        cost_events = r.cost_events + excluded.cost_events, revenue = r.revenue + excluded.revenue,
        billed = r.billed + excluded.billed, promotional = r.promotional + excluded.promotional,
        bundled = r.bundled + excluded.bundled, cost = r.cost + excluded.cost,
        margin_revenue = r.margin_revenue + excluded.margin_revenue, margin_cost = r.margin_cost + excluded.margin_cost;

-- name: GetFoldState :one
SELECT currency, dimensions, folded_through, horizon_seq, horizon_vxids, max_occurred_at
FROM profitability_state WHERE account_id = $1 AND mode = $2;

-- name: SaveFoldState :exec
INSERT INTO profitability_state (account_id, mode, currency, dimensions, folded_through, horizon_seq,
        horizon_vxids, max_occurred_at, folded_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (account_id, mode) DO UPDATE SET currency = excluded.currency, dimensions = excluded.dimensions,
        folded_through = excluded.folded_through, horizon_seq = excluded.horizon_seq, horizon_vxids = excluded.horizon_vxids,
        max_occurred_at = excluded.max_occurred_at, folded_at = excluded.folded_at;

-- name: DeleteRollups :exec
DELETE FROM profitability_rollups WHERE account_id = $1 AND mode = $2;

-- name: DeleteAllPending :exec
DELETE FROM profitability_pending WHERE account_id = $1 AND mode = $2;

-- name: DeleteRatesSeen :exec
DELETE FROM profitability_rates_seen WHERE account_id = $1 AND mode = $2;

-- name: CountRatesSeen :one
SELECT count(*) FROM profitability_rates_seen WHERE account_id = $1 AND mode = $2 AND currency = $3;

-- name: MarkRatesSeen :many
-- Records rates and returns the earliest effective time of those not seen
-- before (no row when every one was seen).
WITH added AS (
        INSERT INTO profitability_rates_seen (account_id, mode, asset, currency, effective_at)
        SELECT sqlc.arg(account_id), sqlc.arg(mode), unnest(sqlc.arg(assets)::text[]), sqlc.arg(currency), unnest(sqlc.arg(effective_ats)::timestamptz[])
        ON CONFLICT DO NOTHING RETURNING effective_at)
    SELECT effective_at FROM added ORDER BY effective_at LIMIT 1;
