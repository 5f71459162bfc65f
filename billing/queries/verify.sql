-- The ledger checks of `tollgate verify` (verifyLedger): each lists what
-- breaks one invariant.

-- name: VerifyCounts :one
SELECT (SELECT count(*) FROM ledger_transactions)::bigint AS transactions, (SELECT count(*) FROM lots)::bigint AS lots,
    (SELECT count(*) FROM balances)::bigint AS balances;

-- name: VerifyUnbalancedTransactions :many
SELECT transaction_id, asset, sum(amount)::text AS sum FROM ledger_entries GROUP BY transaction_id, asset HAVING sum(amount) <> 0;

-- name: VerifyEmptyTransactions :many
SELECT t.id FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id);

-- What the ledger's dropped foreign keys checked (migration 00013).

-- name: VerifyEntriesWithoutTransaction :many
SELECT e.id, e.transaction_id FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = e.transaction_id);

-- name: VerifyEntriesWithoutLot :many
SELECT e.id, e.lot_id::text AS lot_id FROM ledger_entries e WHERE e.lot_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM lots l WHERE l.id = e.lot_id);

-- name: VerifyTransactionsWithoutAccount :many
SELECT t.id, t.account_id FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id);

-- name: VerifyLotRemaining :many
SELECT l.id, l.remaining::text AS remaining, coalesce(e.sum, 0)::text AS sum FROM lots l
LEFT JOIN (SELECT lot_id, sum(amount) AS sum FROM ledger_entries WHERE lot_id IS NOT NULL GROUP BY lot_id) e ON e.lot_id = l.id
WHERE l.remaining <> coalesce(e.sum, 0);

-- name: VerifyLotBounds :many
SELECT id, remaining::text AS remaining, amount::text AS amount FROM lots WHERE remaining < 0 OR remaining > amount;

-- name: VerifyBalancePosted :many
SELECT b.wallet_id, b.asset, b.posted::text AS posted, coalesce(e.sum, 0)::text AS sum FROM balances b
LEFT JOIN (SELECT wallet_id, asset, sum(amount) AS sum FROM ledger_entries WHERE ledger_account = 'wallet' GROUP BY wallet_id, asset) e
  ON e.wallet_id = b.wallet_id AND e.asset = b.asset
WHERE b.posted <> coalesce(e.sum, 0);

-- name: VerifyBalanceDebt :many
SELECT b.wallet_id, b.asset, b.debt::text AS debt, (-coalesce(e.sum, 0))::text AS sum FROM balances b
LEFT JOIN (SELECT wallet_id, asset, sum(amount) AS sum FROM ledger_entries WHERE ledger_account = 'wallet' AND lot_id IS NULL GROUP BY wallet_id, asset) e
  ON e.wallet_id = b.wallet_id AND e.asset = b.asset
WHERE b.debt <> -coalesce(e.sum, 0);

-- name: VerifyBalanceLots :many
SELECT b.wallet_id, b.asset, b.posted::text AS posted, (coalesce(l.sum, 0) - b.debt)::text AS lots FROM balances b
LEFT JOIN (SELECT wallet_id, asset, sum(remaining) AS sum FROM lots GROUP BY wallet_id, asset) l
  ON l.wallet_id = b.wallet_id AND l.asset = b.asset
WHERE b.posted <> coalesce(l.sum, 0) - b.debt;
