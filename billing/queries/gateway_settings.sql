-- name: GetGatewaySettings :one
SELECT event_type, updated_at FROM gateway_settings WHERE account_id = $1 AND mode = $2;

-- name: UpsertGatewaySettings :exec
INSERT INTO gateway_settings (account_id, mode, event_type, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, mode) DO UPDATE SET event_type = EXCLUDED.event_type, updated_at = EXCLUDED.updated_at;
