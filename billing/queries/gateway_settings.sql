-- name: GetGatewaySettings :one
SELECT event_type, updated_at FROM gateway_settings WHERE account_id = $1 AND mode = $2;

-- name: UpsertGatewaySettings :exec
INSERT INTO gateway_settings (account_id, mode, event_type, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, mode) DO UPDATE SET event_type = EXCLUDED.event_type, updated_at = EXCLUDED.updated_at;

-- name: ListGatewayProviders :many
SELECT provider, api_key, base_url, updated_at FROM gateway_providers WHERE account_id = $1 AND mode = $2 ORDER BY provider;

-- name: UpsertGatewayProvider :exec
INSERT INTO gateway_providers (account_id, mode, provider, api_key, base_url, created_at, updated_at)
VALUES (sqlc.arg(account_id), sqlc.arg(mode), sqlc.arg(provider), sqlc.arg(api_key), sqlc.arg(base_url), sqlc.arg(now), sqlc.arg(now))
ON CONFLICT (account_id, mode, provider) DO UPDATE SET api_key = EXCLUDED.api_key, base_url = EXCLUDED.base_url, updated_at = EXCLUDED.updated_at;

-- name: DeleteGatewayProvider :execrows
DELETE FROM gateway_providers WHERE account_id = $1 AND mode = $2 AND provider = $3;

-- name: ListGatewayModelCosts :many
SELECT provider, model, currency, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, updated_at
FROM gateway_model_costs WHERE account_id = $1 AND mode = $2 ORDER BY provider, model;

-- name: DeleteGatewayModelCosts :exec
DELETE FROM gateway_model_costs WHERE account_id = $1 AND mode = $2;

-- name: InsertGatewayModelCost :exec
INSERT INTO gateway_model_costs (account_id, mode, provider, model, currency, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);
