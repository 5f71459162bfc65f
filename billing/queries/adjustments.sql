-- name: InsertAdjustment :execrows
INSERT INTO adjustments (id, account_id, mode, transaction_id, request_hash, kind, wallet_id, asset, amount, reason,
    ledger_transaction_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (account_id, mode, transaction_id) DO NOTHING;

-- name: SetAdjustmentLot :exec
UPDATE adjustments SET lot_id = $2 WHERE id = $1;

-- name: GetAdjustment :one
SELECT a.id, a.transaction_id, a.kind, a.wallet_id, w.customer_id, a.asset, a.amount, a.reason, a.lot_id,
    a.ledger_transaction_id, a.created_at, a.request_hash
FROM adjustments a JOIN wallets w ON w.id = a.wallet_id
WHERE a.account_id = $1 AND a.mode = $2 AND a.transaction_id = $3;
