-- +goose Up
-- Per-key rate limits, in requests a second (bursts twice that); null: the
-- server's defaults. rate_limit is the management endpoints' (and MCP's),
-- hot_rate_limit the hot path's (authorize, record, batch, void).
ALTER TABLE api_keys ADD COLUMN rate_limit integer CHECK (rate_limit > 0);
ALTER TABLE api_keys ADD COLUMN hot_rate_limit integer CHECK (hot_rate_limit > 0);

-- +goose Down
ALTER TABLE api_keys DROP COLUMN hot_rate_limit;
ALTER TABLE api_keys DROP COLUMN rate_limit;
