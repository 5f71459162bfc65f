-- +goose Up
-- Profitability: revenue against cost, kept as rollups that queries bring up to
-- date before answering (see billing/profitability.go). Nothing here is written
-- by the usage path: recording an event never touches these tables.

-- The data keys, beyond the dimensions of the account's dimensional prices,
-- that profitability groups and filters by (e.g. "model" when the price is per
-- token but the cost differs per model).
CREATE TABLE profitability_dimensions (
    account_id text NOT NULL REFERENCES accounts,
    mode       text NOT NULL CHECK (mode IN ('test', 'live')),
    key        text NOT NULL CHECK (key <> ''),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, key)
);

-- Sums of per-event values in the reporting currency. Each event is counted in
-- five rows: per day and per month (grain), each with its customer and with
-- customer_id '' (all customers), so that a month grouped by product reads a
-- few rows; and per month and customer without dimension values (grain
-- month_no_dims, dims '{}'), so that a month by customer reads a few rows per
-- customer. dims holds the event's values of the dimension keys in force when
-- it was folded (profitability_state.dimensions). One partition per grain
-- keeps the monthly rows, which most reports read, together on disk; they
-- are updated in place as events arrive, hence the room left in their pages.
CREATE TABLE profitability_rollups (
    account_id     text NOT NULL,
    mode           text NOT NULL,
    grain          text NOT NULL CHECK (grain IN ('day', 'month', 'month_no_dims')),
    period         date NOT NULL,   -- the UTC day, or the first day of the UTC month
    customer_id    text NOT NULL,   -- '': all customers
    product_id     text NOT NULL,   -- '': an event without fees
    version        integer NOT NULL,
    event_type     text NOT NULL,
    dims           jsonb NOT NULL,
    events         bigint NOT NULL,
    revenue_events bigint NOT NULL, -- events whose fees could be valued
    cost_events    bigint NOT NULL, -- events whose cost is known and could be valued
    revenue        numeric NOT NULL,
    billed         numeric NOT NULL,
    promotional    numeric NOT NULL,
    bundled        numeric NOT NULL,
    cost           numeric NOT NULL,
    margin_revenue numeric NOT NULL, -- revenue of the events with both values known
    margin_cost    numeric NOT NULL, -- cost of the events with both values known
    PRIMARY KEY (account_id, mode, grain, period, customer_id, product_id, version, event_type, dims)
) PARTITION BY LIST (grain);
CREATE TABLE profitability_rollups_day PARTITION OF profitability_rollups FOR VALUES IN ('day') WITH (fillfactor = 80);
CREATE TABLE profitability_rollups_month PARTITION OF profitability_rollups FOR VALUES IN ('month') WITH (fillfactor = 50);
CREATE TABLE profitability_rollups_month_no_dims PARTITION OF profitability_rollups FOR VALUES IN ('month_no_dims') WITH (fillfactor = 50);
CREATE INDEX profitability_rollups_customer ON profitability_rollups (account_id, mode, grain, customer_id, period);

-- How far the rollups have folded the account's events. Every event with
-- seq <= folded_through is folded, and no event with a smaller seq can still
-- commit; events above it that are already folded are listed in
-- profitability_pending. horizon_seq and horizon_vxids are the identity value
-- read at the last fold and the transactions then writing to events: once they
-- have all ended, folded_through may move up to horizon_seq.
CREATE TABLE profitability_state (
    account_id      text NOT NULL REFERENCES accounts,
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    currency        text NOT NULL,
    dimensions      text[] NOT NULL,
    folded_through  bigint NOT NULL DEFAULT 0,
    horizon_seq     bigint NOT NULL DEFAULT 0,
    horizon_vxids   text[] NOT NULL DEFAULT '{}',
    max_occurred_at timestamptz,     -- the latest occurred_at folded
    folded_at       timestamptz,
    PRIMARY KEY (account_id, mode)
);

CREATE TABLE profitability_pending (
    account_id text NOT NULL,
    mode       text NOT NULL,
    seq        bigint NOT NULL,
    PRIMARY KEY (account_id, mode, seq)
);

-- The exchange rates into the reporting currency the rollups were valued with;
-- a rate that appears later and takes effect before max_occurred_at makes the
-- fold re-value the months it touches.
CREATE TABLE profitability_rates_seen (
    account_id   text NOT NULL,
    mode         text NOT NULL,
    asset        text NOT NULL,
    currency     text NOT NULL,
    effective_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, asset, currency, effective_at)
);

-- +goose Down
DROP TABLE profitability_rates_seen, profitability_pending, profitability_state, profitability_rollups, profitability_dimensions;
