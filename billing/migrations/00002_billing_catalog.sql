-- +goose Up
-- The catalog: products with immutable versions holding prices and
-- entitlements, vendors, and the subscriptions that tie customers to versions.

CREATE TABLE products (
    id              text PRIMARY KEY,
    account_id      text NOT NULL REFERENCES accounts,
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    code            text NOT NULL,
    name            text NOT NULL,
    description     text NOT NULL DEFAULT '',
    event_type      text NOT NULL,
    default_version integer NOT NULL DEFAULT 1,
    archived_at     timestamptz,
    created_at      timestamptz NOT NULL,
    UNIQUE (account_id, mode, code)
);
CREATE INDEX products_event_type ON products (account_id, mode, event_type);

-- A version never changes once written: prices change by publishing a new one.
CREATE TABLE product_versions (
    id           text PRIMARY KEY,
    product_id   text NOT NULL REFERENCES products,
    version      integer NOT NULL CHECK (version > 0),
    prices       jsonb NOT NULL,
    entitlements jsonb NOT NULL DEFAULT '[]',
    published_at timestamptz NOT NULL,
    UNIQUE (product_id, version)
);
-- +goose StatementBegin
CREATE FUNCTION product_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'product versions are immutable: publish a new version instead'
        USING ERRCODE = 'restrict_violation';
END $$;
-- +goose StatementEnd
CREATE TRIGGER product_versions_immutable BEFORE UPDATE OR DELETE ON product_versions
    FOR EACH ROW EXECUTE FUNCTION product_versions_immutable();
CREATE TRIGGER product_versions_no_truncate BEFORE TRUNCATE ON product_versions
    FOR EACH STATEMENT EXECUTE FUNCTION product_versions_immutable();

CREATE TABLE vendors (
    id         text PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts,
    mode       text NOT NULL CHECK (mode IN ('test', 'live')),
    code       text NOT NULL,
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (account_id, mode, code)
);

-- A customer's subscription history per product: the row in force at an
-- event's occurred_at decides the version that prices it.
CREATE TABLE subscriptions (
    id          text PRIMARY KEY,
    account_id  text NOT NULL,
    mode        text NOT NULL,
    customer_id text NOT NULL REFERENCES customers,
    product_id  text NOT NULL,
    version     integer NOT NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    created_at  timestamptz NOT NULL,
    FOREIGN KEY (product_id, version) REFERENCES product_versions (product_id, version),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX subscriptions_current ON subscriptions (customer_id, product_id) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, started_at);

-- Cumulative usage per customer, price and period (UTC calendar month), read
-- by tiered prices.
CREATE TABLE usage_counters (
    customer_id  text NOT NULL,
    price_id     text NOT NULL,
    period_start timestamptz NOT NULL,
    quantity     numeric NOT NULL,
    PRIMARY KEY (customer_id, price_id, period_start)
);

-- +goose Down
DROP TABLE usage_counters, subscriptions, vendors, product_versions, products;
DROP FUNCTION product_versions_immutable();
