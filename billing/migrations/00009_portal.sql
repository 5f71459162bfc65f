-- +goose Up
-- The hosted customer portal: the server secret that signs its links and
-- session cookies, and each account's branding and top-up limits per mode.

-- One row: the portal's signing secret, made at first start when
-- TOLLGATE_PORTAL_SECRET is not set, so every process sharing the database
-- verifies the others' links and cookies. Never returned by any surface.
CREATE TABLE portal_secrets (
    id         smallint PRIMARY KEY CHECK (id = 1),
    secret     bytea NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL
);

-- Branding and the top-up limits the platform sets, per account and mode.
-- The portal tops up asset, paid in currency ('': the asset itself, when it
-- is a currency); amounts and limits are in what the customer pays.
CREATE TABLE portal_settings (
    account_id    text NOT NULL REFERENCES accounts,
    mode          text NOT NULL CHECK (mode IN ('test', 'live')),
    display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 80),
    logo_url      text NOT NULL DEFAULT '' CHECK (length(logo_url) <= 2000),
    accent_color  text NOT NULL DEFAULT '' CHECK (accent_color = '' OR accent_color ~ '^#[0-9a-fA-F]{6}$'),
    support_email text NOT NULL DEFAULT '' CHECK (length(support_email) <= 254),
    asset           text NOT NULL DEFAULT 'USD',
    currency        text NOT NULL DEFAULT '',
    top_up_presets  numeric[] NOT NULL DEFAULT '{10,25,50}' CHECK (cardinality(top_up_presets) <= 6),
    top_up_min      numeric NOT NULL DEFAULT 5 CHECK (top_up_min > 0),
    top_up_max      numeric NOT NULL DEFAULT 500 CHECK (top_up_max >= top_up_min),
    monthly_cap_max numeric NOT NULL DEFAULT 1000 CHECK (monthly_cap_max >= top_up_min),
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode)
);

-- The portal's chart and month total read a customer's fees by day.
CREATE INDEX fees_customer_occurred ON fees (account_id, mode, customer_id, occurred_at);

-- +goose Down
DROP INDEX fees_customer_occurred;
DROP TABLE portal_settings, portal_secrets;
