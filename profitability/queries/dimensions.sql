-- name: DeleteDimensions :exec
DELETE FROM profitability_dimensions WHERE account_id = $1 AND mode = $2;

-- name: InsertDimensions :exec
INSERT INTO profitability_dimensions (account_id, mode, key, created_at)
SELECT sqlc.arg(account_id), sqlc.arg(mode), k, sqlc.arg(created_at) FROM unnest(sqlc.arg(keys)::text[]) k;
