-- name: ListWalletTransactions :many
-- A page of a wallet's transactions, newest first and keyset-paged by id,
-- each with all its entries; each null filter is off.
SELECT t.id, t.kind, t.reference, t.wallet_id, t.description, t.created_at,
    e.ledger_account, coalesce(e.wallet_id, '')::text AS entry_wallet_id, coalesce(e.lot_id, '')::text AS lot_id, e.asset, e.amount
FROM (SELECT lt.id, lt.kind, lt.reference, lt.wallet_id, lt.description, lt.created_at FROM ledger_transactions lt
    WHERE lt.account_id = sqlc.arg(account_id) AND lt.mode = sqlc.arg(mode) AND lt.wallet_id = sqlc.arg(wallet_id)
      AND (sqlc.narg(cursor)::text IS NULL OR lt.id < sqlc.narg(cursor))
      AND (sqlc.narg(kind)::text IS NULL OR lt.kind = sqlc.narg(kind))
      AND (sqlc.narg(created_from)::timestamptz IS NULL OR lt.created_at >= sqlc.narg(created_from))
      AND (sqlc.narg(created_to)::timestamptz IS NULL OR lt.created_at < sqlc.narg(created_to))
    ORDER BY lt.id DESC LIMIT sqlc.arg(lim)) t
JOIN ledger_entries e ON e.transaction_id = t.id
ORDER BY t.id DESC, e.id;
