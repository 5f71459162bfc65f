-- +goose Up
-- Key scopes: a read_only key reads everything its account and mode hold and
-- changes nothing, on REST and MCP alike; full is what every key could do
-- before.
ALTER TABLE api_keys ADD COLUMN scope text NOT NULL DEFAULT 'full' CHECK (scope IN ('full', 'read_only'));

-- +goose Down
ALTER TABLE api_keys DROP COLUMN scope;
