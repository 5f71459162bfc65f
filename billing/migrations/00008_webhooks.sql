-- +goose Up
-- Outgoing webhooks: the platform's endpoints and their signing secrets, the
-- events taken from the outbox, one delivery per event and endpoint with
-- every attempt, and the balance thresholds whose crossing is an event.

-- An endpoint per account and mode. event_types empty: every type. A
-- disabled endpoint (by the platform, by a 410 Gone, or after failing for 5
-- days) gets nothing new and says why in disabled_reason.
CREATE TABLE webhook_endpoints (
    id              text PRIMARY KEY,
    account_id      text NOT NULL REFERENCES accounts,
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    url             text NOT NULL,
    description     text NOT NULL DEFAULT '',
    event_types     text[] NOT NULL DEFAULT '{}',
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text NOT NULL DEFAULT '',
    failing_since   timestamptz,         -- first failure since the last success
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- Readers: list_webhook_endpoints (keyset by id) and the fan-out (enabled ones).
CREATE INDEX webhook_endpoints_list ON webhook_endpoints (account_id, mode, id);

-- Signing secrets ("whsec_" + base64). One is current (expires_at null); a
-- rotation gives the old one an expires_at at the end of the overlap, and
-- until then every delivery is signed with both.
CREATE TABLE webhook_secrets (
    endpoint_id text NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    PRIMARY KEY (endpoint_id, created_at)
);
CREATE UNIQUE INDEX webhook_secrets_current ON webhook_secrets (endpoint_id) WHERE expires_at IS NULL;

-- An event as sent: body is the exact bytes signed, so every attempt and
-- every endpoint gets the same. outbox_id makes the fan-out of an outbox row
-- happen once; test events have none.
CREATE TABLE webhook_events (
    id         text PRIMARY KEY,
    account_id text NOT NULL,
    mode       text NOT NULL,
    type       text NOT NULL,
    body       text NOT NULL,
    outbox_id  bigint UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE webhook_deliveries (
    id          text PRIMARY KEY,
    endpoint_id text NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    event_id    text NOT NULL REFERENCES webhook_events,
    status      text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
-- Reader: list_webhook_deliveries (an endpoint's, newest first, keyset by id).
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    delivery_id      text NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
    number           integer NOT NULL CHECK (number > 0),
    attempted_at     timestamptz NOT NULL,
    status_code      integer,              -- null: no response (refused, timed out)
    latency_ms       integer NOT NULL CHECK (latency_ms >= 0),
    response_excerpt text NOT NULL DEFAULT '',
    error            text NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, number)
);

-- The fan-out reads the outbox rows not yet taken (delivered_at null).
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;

-- Thresholds on a wallet's available balance in an asset. balance.threshold_crossed
-- fires when a write leaves the available balance below threshold while the
-- threshold is armed, and disarms it; a later write that leaves it at or
-- above rearm_at arms it again. rearm_at > threshold is the hysteresis that
-- keeps a balance hovering around the threshold from firing again and again.
CREATE TABLE balance_thresholds (
    wallet_id  text NOT NULL,
    asset      text NOT NULL,
    threshold  numeric NOT NULL CHECK (threshold > 0),
    rearm_at   numeric NOT NULL,
    armed      boolean NOT NULL,
    crossed_at timestamptz,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (wallet_id, asset, threshold),
    CHECK (rearm_at > threshold),
    FOREIGN KEY (wallet_id, asset) REFERENCES balances
);

-- A balance that is depleted (available at zero or below, balance.depleted
-- sent) until a credit takes it back above zero (balance.recovered sent).
CREATE TABLE balance_depletions (
    wallet_id text NOT NULL,
    asset     text NOT NULL,
    since     timestamptz NOT NULL,
    PRIMARY KEY (wallet_id, asset),
    FOREIGN KEY (wallet_id, asset) REFERENCES balances
);

-- +goose Down
DROP TABLE balance_depletions, balance_thresholds;
DROP INDEX outbox_pending;
DROP TABLE webhook_attempts, webhook_deliveries, webhook_events, webhook_secrets, webhook_endpoints;
