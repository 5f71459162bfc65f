-- +goose Up
-- Customer keys (tg_cust_…): scoped to one customer of one account and mode,
-- accepted only by the metering gateway. The secret is never stored, only its
-- SHA-256. rate_limit is the key's own gateway limit in requests a second
-- (null: the server's default); daily_cap bounds what the key may spend per
-- UTC day, in daily_cap_asset (the asset of the gateway's holds).
CREATE TABLE customer_keys (
    id              text PRIMARY KEY,
    account_id      text NOT NULL REFERENCES accounts,
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    customer_id     text NOT NULL,
    name            text NOT NULL DEFAULT '',
    prefix          text NOT NULL,
    hash            bytea NOT NULL UNIQUE,
    rate_limit      integer CHECK (rate_limit > 0),
    daily_cap       numeric CHECK (daily_cap > 0),
    daily_cap_asset text,
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    CHECK ((daily_cap IS NULL) = (daily_cap_asset IS NULL)),
    FOREIGN KEY (account_id, mode, customer_id) REFERENCES customers (account_id, mode, id)
);
CREATE INDEX customer_keys_customer ON customer_keys (account_id, mode, customer_id, id);

-- What a capped key spent per UTC day: held is what its calls in flight
-- hold, captured what its settled calls were charged. A call is admitted
-- only while held + captured + its hold stays within the cap, in one
-- statement under the row's lock, so concurrent calls never pass it.
CREATE TABLE customer_key_spend (
    key_id   text NOT NULL REFERENCES customer_keys,
    day      date NOT NULL,
    held     numeric NOT NULL DEFAULT 0 CHECK (held >= 0),
    captured numeric NOT NULL DEFAULT 0 CHECK (captured >= 0),
    PRIMARY KEY (key_id, day)
);

-- +goose Down
DROP TABLE customer_key_spend;
DROP TABLE customer_keys;
