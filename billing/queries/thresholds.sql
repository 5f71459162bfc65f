-- name: DeleteBalanceThresholdsExcept :exec
-- Removes the thresholds of a wallet in an asset not among levels (written
-- at the asset's precision).
DELETE FROM balance_thresholds
WHERE wallet_id = sqlc.arg(wallet_id) AND asset = sqlc.arg(asset) AND NOT (threshold = ANY(sqlc.arg(levels)::text[]::numeric[]));

-- name: UpsertBalanceThresholds :exec
-- A new threshold starts armed when available is at or above it; one kept
-- keeps its state and takes its new rearm_at.
INSERT INTO balance_thresholds (wallet_id, asset, threshold, rearm_at, armed, created_at)
SELECT sqlc.arg(wallet_id)::text, sqlc.arg(asset)::text, x.t::numeric, x.r::numeric, sqlc.arg(available)::numeric >= x.t::numeric, sqlc.arg(created_at)::timestamptz
-- Two unnests in one select list run in lockstep, as unnest(levels, rearms)
-- would (sqlc's catalog has only the one-array unnest).
FROM (SELECT unnest(sqlc.arg(levels)::text[]) AS t, unnest(sqlc.arg(rearms)::text[]) AS r) AS x
ON CONFLICT (wallet_id, asset, threshold) DO UPDATE SET rearm_at = EXCLUDED.rearm_at;

-- name: ListBalanceThresholds :many
SELECT t.wallet_id, t.asset, a.precision, t.threshold, t.rearm_at, t.armed, t.crossed_at, t.created_at
FROM balance_thresholds t JOIN balances b ON b.wallet_id = t.wallet_id AND b.asset = t.asset
JOIN assets a ON a.account_id = b.account_id AND a.mode = b.mode AND a.code = t.asset
WHERE t.wallet_id = $1 AND t.asset = $2 ORDER BY t.threshold DESC;
