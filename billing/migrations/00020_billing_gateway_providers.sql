-- +goose Up
-- The metering gateway per account and mode, beyond its event type (00019),
-- and idempotent customer keys (below):
--
-- gateway_providers: an account's own upstream for a provider in a mode, set
-- by the operator with `tollgate gateway connect` (never through a tool or
-- route). api_key is the provider key, kept as the Stripe secret key is
-- (payment_connections) and shown only by its last 4 characters. No row: the
-- server's environment applies (TOLLGATE_<PROVIDER>_API_KEY, _BASE_URL).
CREATE TABLE gateway_providers (
    account_id text NOT NULL REFERENCES accounts,
    mode       text NOT NULL CHECK (mode IN ('test', 'live')),
    provider   text NOT NULL CHECK (provider IN ('openai', 'anthropic')),
    api_key    text NOT NULL CHECK (length(api_key) BETWEEN 1 AND 1000),
    base_url   text NOT NULL CHECK (base_url ~ '^https?://'),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, provider)
);

-- gateway_model_costs: what the provider charges the platform per million
-- tokens of a model (configure_gateway's costs), so each usage event the
-- gateway records carries its cost and profitability shows its margin.
-- model '*' prices the provider's models that have no row of their own. A
-- null rate is unknown: a call that used tokens at an unknown rate gets no
-- cost (unknown, never zero).
CREATE TABLE gateway_model_costs (
    account_id          text NOT NULL REFERENCES accounts,
    mode                text NOT NULL CHECK (mode IN ('test', 'live')),
    provider            text NOT NULL CHECK (provider IN ('openai', 'anthropic')),
    model               text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    currency            text NOT NULL,
    input_tokens        numeric CHECK (input_tokens >= 0),
    cached_input_tokens numeric CHECK (cached_input_tokens >= 0),
    cache_write_tokens  numeric CHECK (cache_write_tokens >= 0),
    output_tokens       numeric CHECK (output_tokens >= 0),
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, provider, model)
);

-- Creating a customer key is idempotent under the caller's key, as creating a
-- webhook endpoint is (00015): a retry with the same key and payload returns
-- the key the first call made (without its secret, which is never stored);
-- request_hash is what the payload is compared by.
ALTER TABLE customer_keys ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200);
ALTER TABLE customer_keys ADD COLUMN request_hash bytea;
CREATE UNIQUE INDEX customer_keys_idempotency ON customer_keys (idempotency_key, account_id, mode)
    WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX customer_keys_idempotency;
ALTER TABLE customer_keys DROP COLUMN request_hash;
ALTER TABLE customer_keys DROP COLUMN idempotency_key;
DROP TABLE gateway_model_costs;
DROP TABLE gateway_providers;
