-- +goose Up
-- Test clocks (issue 25): a frozen time that test-mode customers created on a
-- clock live on. Advancing one runs what falls due for its customers, in time
-- order, as River jobs; status says whether that work is still running.
-- Membership is fixed at a customer's creation, so it can be cached.
CREATE TABLE test_clocks (
    id              text PRIMARY KEY,
    account_id      text NOT NULL REFERENCES accounts,
    mode            text NOT NULL CHECK (mode = 'test'),
    name            text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash    bytea NOT NULL,
    frozen_time     timestamptz NOT NULL,
    status          text NOT NULL CHECK (status IN ('ready', 'advancing')),
    advance_to      timestamptz, -- the target while advancing
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK ((status = 'advancing') = (advance_to IS NOT NULL)),
    CHECK (advance_to IS NULL OR advance_to >= frozen_time)
);
CREATE UNIQUE INDEX test_clocks_key ON test_clocks (idempotency_key, account_id, mode);
-- The account's clocks, newest first (ListTestClocks).
CREATE INDEX test_clocks_account ON test_clocks (account_id, mode, id);

ALTER TABLE customers ADD COLUMN test_clock_id text REFERENCES test_clocks;
-- The customers of one clock (an advance's due work).
CREATE INDEX customers_test_clock ON customers (test_clock_id) WHERE test_clock_id IS NOT NULL;

-- +goose Down
DROP INDEX customers_test_clock;
ALTER TABLE customers DROP COLUMN test_clock_id;
DROP TABLE test_clocks;
