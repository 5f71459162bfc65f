-- +goose Up
-- The metering gateway's settings per account and mode: the event type of the
-- usage it records and of its holds (configure_gateway). No row: the
-- server's default (TOLLGATE_GATEWAY_EVENT_TYPE, else llm.tokens). Provider
-- keys are never stored here: they come from the server's environment.
CREATE TABLE gateway_settings (
    account_id text NOT NULL REFERENCES accounts,
    mode       text NOT NULL CHECK (mode IN ('test', 'live')),
    event_type text NOT NULL CHECK (event_type ~ '^[a-zA-Z0-9][a-zA-Z0-9_.:/-]{0,99}$'),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode)
);

-- +goose Down
DROP TABLE gateway_settings;
