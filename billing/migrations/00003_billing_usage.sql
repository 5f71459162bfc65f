-- +goose Up
-- Usage events and the fees they yield. An event's id is the client's
-- idempotency key, unique per account and mode.

CREATE TABLE events (
    account_id       text NOT NULL,
    mode             text NOT NULL,
    id               text NOT NULL,
    seq              bigint GENERATED ALWAYS AS IDENTITY, -- recording order, for keyset listing
    request_hash     bytea NOT NULL,
    customer_id      text NOT NULL,
    wallet_id        text NOT NULL,
    event_type       text NOT NULL,
    occurred_at      timestamptz NOT NULL,
    data             jsonb NOT NULL,
    costs            jsonb,            -- null: cost unknown (never zero)
    authorization_id text,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, id)
);
CREATE INDEX events_customer ON events (account_id, mode, customer_id, seq);
CREATE INDEX events_seq ON events (account_id, mode, seq);

CREATE TABLE fees (
    id             text PRIMARY KEY,
    account_id     text NOT NULL,
    mode           text NOT NULL,
    event_id       text NOT NULL,
    customer_id    text NOT NULL,
    product_id     text NOT NULL,
    version        integer NOT NULL,
    price_id       text NOT NULL,
    price_name     text NOT NULL DEFAULT '',
    asset          text NOT NULL,
    amount         numeric NOT NULL CHECK (amount >= 0),
    quantity       numeric NOT NULL,
    breakdown      text NOT NULL,
    transaction_id text,               -- the ledger transaction that debited it
    occurred_at    timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    FOREIGN KEY (account_id, mode, event_id) REFERENCES events
);
CREATE INDEX fees_event ON fees (account_id, mode, event_id);

-- +goose Down
DROP TABLE fees, events;
