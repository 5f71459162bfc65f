-- The fold reads events in seq order, a batch at a time (LIMIT), with the
-- values of the dimension keys in force ($3); one statement per selection.

-- name: NewEvents :many
-- Not folded yet: above the watermark and not pending.
SELECT e.seq, e.id, e.customer_id, e.event_type, e.occurred_at,
        coalesce((SELECT jsonb_object_agg(d.key, d.value) FROM jsonb_each(e.data) d WHERE d.key = ANY(sqlc.arg(dims)::text[])), '{}'::jsonb)::jsonb AS dims,
        e.costs
    FROM events e
    WHERE e.account_id = sqlc.arg(account_id) AND e.mode = sqlc.arg(mode) AND e.seq > sqlc.arg(after)::bigint
    AND NOT EXISTS (SELECT 1 FROM profitability_pending p WHERE p.account_id = e.account_id AND p.mode = e.mode AND p.seq = e.seq)
    ORDER BY e.seq LIMIT sqlc.arg(lim);

-- name: RefoldEvents :many
-- Folded, and occurred from a date on: those up to through and the pending ones.
SELECT e.seq, e.id, e.customer_id, e.event_type, e.occurred_at,
        coalesce((SELECT jsonb_object_agg(d.key, d.value) FROM jsonb_each(e.data) d WHERE d.key = ANY(sqlc.arg(dims)::text[])), '{}'::jsonb)::jsonb AS dims,
        e.costs
    FROM events e
    WHERE e.account_id = sqlc.arg(account_id) AND e.mode = sqlc.arg(mode) AND e.seq > sqlc.arg(after)::bigint
    AND e.occurred_at >= sqlc.arg(from_at) AND (e.seq <= sqlc.arg(through)::bigint OR EXISTS (SELECT 1 FROM profitability_pending p WHERE p.account_id = e.account_id AND p.mode = e.mode AND p.seq = e.seq))
    ORDER BY e.seq LIMIT sqlc.arg(lim);

-- name: RangeEvents :many
-- Every event of a period [from, to).
SELECT e.seq, e.id, e.customer_id, e.event_type, e.occurred_at,
        coalesce((SELECT jsonb_object_agg(d.key, d.value) FROM jsonb_each(e.data) d WHERE d.key = ANY(sqlc.arg(dims)::text[])), '{}'::jsonb)::jsonb AS dims,
        e.costs
    FROM events e
    WHERE e.account_id = sqlc.arg(account_id) AND e.mode = sqlc.arg(mode) AND e.seq > sqlc.arg(after)::bigint
    AND e.occurred_at >= sqlc.arg(from_at) AND e.occurred_at < sqlc.arg(to_at)
    ORDER BY e.seq LIMIT sqlc.arg(lim);

-- name: OneEvent :many
SELECT e.seq, e.id, e.customer_id, e.event_type, e.occurred_at,
        coalesce((SELECT jsonb_object_agg(d.key, d.value) FROM jsonb_each(e.data) d WHERE d.key = ANY(sqlc.arg(dims)::text[])), '{}'::jsonb)::jsonb AS dims,
        e.costs
    FROM events e
    WHERE e.account_id = sqlc.arg(account_id) AND e.mode = sqlc.arg(mode) AND e.seq > sqlc.arg(after)::bigint
    AND e.id = sqlc.arg(id)
    ORDER BY e.seq LIMIT sqlc.arg(lim);

-- name: EventFees :many
SELECT event_id, product_id, version, asset, amount, coalesce(transaction_id, '')::text AS transaction_id FROM fees
WHERE account_id = $1 AND mode = $2 AND event_id = ANY(sqlc.arg(event_ids)::text[]);

-- name: WalletPieces :many
-- The wallet entries of usage transactions, with the lots they burned.
SELECT le.transaction_id, le.amount, (l.id IS NOT NULL)::boolean AS has_lot, coalesce(l.purpose, '')::text AS purpose,
        coalesce(l.amount, 0)::numeric AS lot_amount, l.revenue_basis, coalesce(l.revenue_currency, '')::text AS revenue_currency
    FROM ledger_entries le LEFT JOIN lots l ON l.id = le.lot_id
    WHERE le.transaction_id = ANY(sqlc.arg(transaction_ids)::text[]) AND le.ledger_account = 'wallet' AND le.account_id = sqlc.arg(account_id) AND le.mode = sqlc.arg(mode)
    ORDER BY le.transaction_id, le.id;

-- name: ProductEvents :many
-- The events of [from, to) that a product charged, with their full data and
-- the product's fees and version, in seq order; customer_id '' is every customer.
SELECT e.seq, e.id, e.customer_id, e.event_type, e.occurred_at, e.data, e.costs, min(f.version)::integer AS version,
        array_agg(f.asset ORDER BY f.id)::text[] AS assets, array_agg(f.amount ORDER BY f.id)::numeric[] AS amounts
    FROM fees f JOIN events e ON e.account_id = f.account_id AND e.mode = f.mode AND e.id = f.event_id
    WHERE f.account_id = sqlc.arg(account_id) AND f.mode = sqlc.arg(mode) AND f.product_id = sqlc.arg(product_id)
      AND f.occurred_at >= sqlc.arg(from_at) AND f.occurred_at < sqlc.arg(to_at)
      AND (sqlc.arg(customer_id)::text = '' OR f.customer_id = sqlc.arg(customer_id)::text)
    GROUP BY e.account_id, e.mode, e.id
    ORDER BY e.seq;
