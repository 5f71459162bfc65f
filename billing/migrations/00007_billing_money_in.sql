-- +goose Up
-- Money in: an account's connection to Stripe, top-ups paid through a
-- provider, and auto top-up. Amounts paid are whole minor units of their
-- currency (bigint); amounts credited are exact (numeric, the accrual scale).

-- An account's Stripe connection, per mode. The secrets are the operator's
-- (set with `tollgate payments connect`), never returned: only their last 4
-- characters are shown.
CREATE TABLE payment_connections (
    account_id     text NOT NULL REFERENCES accounts,
    mode           text NOT NULL CHECK (mode IN ('test', 'live')),
    provider       text NOT NULL CHECK (provider = 'stripe'),
    secret_key     text NOT NULL,
    webhook_secret text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode)
);

-- Each Tollgate customer maps to one provider customer, created on first
-- need, with the card its last paid checkout saved.
CREATE TABLE provider_customers (
    customer_id          text NOT NULL REFERENCES customers,
    provider             text NOT NULL,
    provider_customer_id text NOT NULL,
    payment_method_id    text NOT NULL DEFAULT '',
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (customer_id, provider)
);

CREATE TABLE top_ups (
    id              text PRIMARY KEY,
    account_id      text NOT NULL,
    mode            text NOT NULL,
    request_key     text,            -- the client's idempotency key; null for auto top-ups
    request_hash    bytea,
    customer_id     text NOT NULL,
    wallet_id       text NOT NULL,
    asset           text NOT NULL,
    credit_amount   numeric NOT NULL CHECK (credit_amount > 0),
    paid_minor      bigint NOT NULL CHECK (paid_minor > 0),
    currency        text NOT NULL,
    provider        text NOT NULL DEFAULT '',
    auto            boolean NOT NULL DEFAULT false,
    status          text NOT NULL CHECK (status IN ('pending', 'requires_action', 'succeeded', 'failed', 'expired', 'canceled')),
    checkout_id     text NOT NULL DEFAULT '',
    checkout_url    text NOT NULL DEFAULT '',
    action_url      text NOT NULL DEFAULT '',
    payment_id      text,
    failure_code    text NOT NULL DEFAULT '',
    failure_message text NOT NULL DEFAULT '',
    lot_id          text,
    refunded_minor  bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= paid_minor),
    success_url     text NOT NULL DEFAULT '',
    cancel_url      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    FOREIGN KEY (wallet_id, asset) REFERENCES balances
);
-- Readers: create_top_up's replay (request), a payment's webhook (payment),
-- the one-in-flight rule of auto top-up (auto_in_flight), list_top_ups (list)
-- and the reconciler of auto top-ups whose job was lost (auto_pending).
CREATE UNIQUE INDEX top_ups_request ON top_ups (request_key, account_id, mode) WHERE request_key IS NOT NULL;
CREATE UNIQUE INDEX top_ups_payment ON top_ups (payment_id, provider) WHERE payment_id IS NOT NULL;
CREATE UNIQUE INDEX top_ups_auto_in_flight ON top_ups (wallet_id, asset) WHERE auto AND status = 'pending';
CREATE INDEX top_ups_list ON top_ups (customer_id, id);
CREATE INDEX top_ups_auto_pending ON top_ups (created_at) WHERE auto AND status = 'pending';

-- Auto top-up, per wallet and asset: when a debit, hold or charge takes the
-- available balance below threshold, a top-up of credit_amount, paying
-- paid_minor, is charged to the saved card.
CREATE TABLE auto_top_ups (
    wallet_id         text NOT NULL,
    asset             text NOT NULL,
    enabled           boolean NOT NULL,
    threshold         numeric NOT NULL CHECK (threshold >= 0),
    credit_amount     numeric NOT NULL CHECK (credit_amount > 0),
    paid_minor        bigint NOT NULL CHECK (paid_minor > 0),
    currency          text NOT NULL,
    monthly_cap_minor bigint CHECK (monthly_cap_minor > 0), -- null: no cap
    failures          integer NOT NULL DEFAULT 0,
    retry_after       timestamptz,     -- after a decline, no new attempt before it
    disabled_reason   text NOT NULL DEFAULT '',
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (wallet_id, asset),
    FOREIGN KEY (wallet_id, asset) REFERENCES balances
);

-- Refunds of top-ups, one per client idempotency key: the ledger is
-- debited once, then the provider is asked (again, on a retry) with the same
-- key until it answers.
CREATE TABLE top_up_refunds (
    id                 text PRIMARY KEY,
    top_up_id          text NOT NULL REFERENCES top_ups,
    request_key        text NOT NULL,
    amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
    credit             numeric NOT NULL CHECK (credit > 0), -- taken from the lot
    provider_refund_id text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL,
    UNIQUE (top_up_id, request_key)
);

-- Provider events handled, so a webhook delivered again is acknowledged and
-- changes nothing.
CREATE TABLE payment_events (
    provider    text NOT NULL,
    id          text NOT NULL,
    type        text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (id, provider)
);

-- +goose Down
DROP TABLE payment_events;
DROP TABLE top_up_refunds;
DROP TABLE auto_top_ups;
DROP TABLE top_ups;
DROP TABLE provider_customers;
DROP TABLE payment_connections;
