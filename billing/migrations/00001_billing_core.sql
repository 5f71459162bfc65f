-- +goose Up
-- The billing core: accounts and API keys, assets and rates, customers, wallets,
-- lots and the double-entry ledger. Every row carries (account_id, mode) and every
-- query filters on both.

CREATE TABLE accounts (
    id                 text PRIMARY KEY,
    name               text NOT NULL,
    reporting_currency text NOT NULL DEFAULT 'USD',
    is_default         boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL
);
-- At most one default account: the one a first run and keyless stdio use.
CREATE UNIQUE INDEX accounts_one_default ON accounts (is_default) WHERE is_default;

CREATE TABLE api_keys (
    id           text PRIMARY KEY,
    account_id   text NOT NULL REFERENCES accounts,
    mode         text NOT NULL CHECK (mode IN ('test', 'live')),
    name         text NOT NULL DEFAULT '',
    prefix       text NOT NULL,          -- the first characters, safe to show
    hash         bytea NOT NULL UNIQUE,  -- SHA-256 of the whole key; the key itself is never stored
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE assets (
    account_id text NOT NULL REFERENCES accounts,
    mode       text NOT NULL CHECK (mode IN ('test', 'live')),
    code       text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('currency', 'custom')),
    name       text NOT NULL,
    symbol     text NOT NULL DEFAULT '',
    precision  integer NOT NULL CHECK (precision BETWEEN 0 AND 18),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, code)
);

CREATE TABLE asset_rates (
    account_id   text NOT NULL,
    mode         text NOT NULL,
    asset        text NOT NULL,
    currency     text NOT NULL,
    rate         numeric NOT NULL CHECK (rate > 0), -- 1 asset = rate currency
    effective_at timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, asset, currency, effective_at),
    FOREIGN KEY (account_id, mode, asset) REFERENCES assets,
    FOREIGN KEY (account_id, mode, currency) REFERENCES assets
);

CREATE TABLE customers (
    id          text PRIMARY KEY,
    account_id  text NOT NULL REFERENCES accounts,
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    external_id text NOT NULL CHECK (external_id <> ''),
    name        text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    metadata    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (account_id, mode, external_id),
    UNIQUE (account_id, mode, id)
);

CREATE TABLE wallets (
    id          text PRIMARY KEY,
    account_id  text NOT NULL,
    mode        text NOT NULL,
    customer_id text NOT NULL,
    name        text NOT NULL CHECK (name <> ''),
    is_default  boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    FOREIGN KEY (account_id, mode, customer_id) REFERENCES customers (account_id, mode, id),
    UNIQUE (customer_id, name),
    UNIQUE (account_id, mode, id)
);
CREATE UNIQUE INDEX wallets_one_default ON wallets (customer_id) WHERE is_default;

-- One row per wallet and asset: the lock every movement of that balance takes,
-- the debt (overdraft) and the credit limit. The spendable amount is derived
-- from lots and holds at read time so that expiry needs no sweep.
CREATE TABLE balances (
    wallet_id    text NOT NULL,
    asset        text NOT NULL,
    account_id   text NOT NULL,
    mode         text NOT NULL,
    posted       numeric NOT NULL DEFAULT 0, -- sum of the wallet's ledger entries in this asset
    debt         numeric NOT NULL DEFAULT 0 CHECK (debt >= 0),
    credit_limit numeric NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (wallet_id, asset),
    FOREIGN KEY (account_id, mode, wallet_id) REFERENCES wallets (account_id, mode, id),
    FOREIGN KEY (account_id, mode, asset) REFERENCES assets
) WITH (fillfactor = 70); -- room for HOT updates of a busy balance

CREATE TABLE ledger_transactions (
    id          text PRIMARY KEY,
    account_id  text NOT NULL REFERENCES accounts,
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    kind        text NOT NULL,   -- gift, top_up, charge, refund, correction, usage, expiry, …
    reference   text NOT NULL DEFAULT '', -- the adjustment, event or authorization behind it
    wallet_id   text,            -- the wallet it moved, for per-wallet listings
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);
CREATE INDEX ledger_transactions_wallet ON ledger_transactions (account_id, mode, wallet_id, id);

CREATE TABLE lots (
    id               text PRIMARY KEY,
    account_id       text NOT NULL,
    mode             text NOT NULL,
    wallet_id        text NOT NULL,
    asset            text NOT NULL,
    purpose          text NOT NULL CHECK (purpose IN ('paid', 'promotion', 'bundled')),
    amount           numeric NOT NULL CHECK (amount > 0),
    remaining        numeric NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
    priority         integer NOT NULL DEFAULT 0,
    expires_at       timestamptz,
    expired_at       timestamptz,     -- when the expiry was written to the ledger
    revenue_basis    numeric CHECK (revenue_basis >= 0), -- money paid for a paid lot
    revenue_currency text,
    refunded         numeric NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    transaction_id   text NOT NULL REFERENCES ledger_transactions,
    created_at       timestamptz NOT NULL,
    FOREIGN KEY (wallet_id, asset) REFERENCES balances
) WITH (fillfactor = 70);
-- No indexed column changes when a debit lowers remaining, so the update stays
-- HOT (heap-only) and a busy lot does not bloat its indexes.
CREATE INDEX lots_wallet ON lots (wallet_id, asset);
CREATE INDEX lots_expiring ON lots (expires_at) WHERE expires_at IS NOT NULL; -- for the expiry sweep

-- Signed amounts: a positive entry adds to its ledger account. The entries of a
-- transaction sum to zero per asset. Wallet entries name their lot; a wallet entry
-- without a lot moves the wallet's debt (negative: more debt).
CREATE TABLE ledger_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id text NOT NULL REFERENCES ledger_transactions,
    account_id     text NOT NULL,
    mode           text NOT NULL,
    ledger_account text NOT NULL,  -- wallet, revenue, funding, promotions, expired, refunds, corrections
    wallet_id      text,
    lot_id         text REFERENCES lots,
    asset          text NOT NULL,
    amount         numeric NOT NULL CHECK (amount <> 0),
    created_at     timestamptz NOT NULL,
    CHECK ((ledger_account = 'wallet') = (wallet_id IS NOT NULL))
);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);

-- The ledger is append-only: the database refuses to change or remove a row.
-- +goose StatementBegin
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
-- +goose StatementEnd
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

CREATE TABLE adjustments (
    id             text PRIMARY KEY,
    account_id     text NOT NULL,
    mode           text NOT NULL,
    transaction_id text NOT NULL,      -- the client's idempotency id
    request_hash   bytea NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('gift', 'top_up', 'charge', 'refund', 'correction')),
    wallet_id      text NOT NULL,
    asset          text NOT NULL,
    amount         numeric NOT NULL,
    reason         text NOT NULL DEFAULT '',
    lot_id         text,
    ledger_transaction_id text NOT NULL REFERENCES ledger_transactions DEFERRABLE INITIALLY DEFERRED,
    created_at     timestamptz NOT NULL,
    UNIQUE (account_id, mode, transaction_id)
);

-- Holds on available balance, made before the work. An active hold whose
-- expires_at has passed no longer counts, without any sweep.
CREATE TABLE authorizations (
    id              text PRIMARY KEY,
    account_id      text NOT NULL,
    mode            text NOT NULL,
    idempotency_key text NOT NULL,
    request_hash    bytea NOT NULL,
    customer_id     text NOT NULL,
    wallet_id       text NOT NULL,
    asset           text NOT NULL,
    amount          numeric NOT NULL CHECK (amount >= 0),
    status          text NOT NULL CHECK (status IN ('active', 'captured', 'voided', 'declined')),
    decline_reason  text NOT NULL DEFAULT '',
    available       numeric,              -- available balance when decided
    event_type      text NOT NULL DEFAULT '',
    estimate        jsonb,
    expires_at      timestamptz NOT NULL,
    captured_amount numeric,
    event_id        text,
    settled_at      timestamptz,
    created_at      timestamptz NOT NULL,
    UNIQUE (account_id, mode, idempotency_key)
);
CREATE INDEX authorizations_active ON authorizations (wallet_id, asset, expires_at) WHERE status = 'active';

-- Events for later delivery (webhooks), written in the transaction that caused them.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   text NOT NULL,
    mode         text NOT NULL,
    type         text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz
);

-- +goose Down
DROP TABLE outbox, authorizations, adjustments, ledger_entries, lots, ledger_transactions, balances, wallets,
    customers, asset_rates, assets, api_keys, accounts;
DROP FUNCTION ledger_append_only();
