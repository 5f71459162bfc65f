-- +goose Up
-- Idempotency-Key records of the REST API: the first response to a POST with a
-- key, replayed for a retry with the same key and request. A row without a
-- status is a request still in flight, claimed until locked_until.

CREATE TABLE idempotency_keys (
    account_id    text NOT NULL REFERENCES accounts,
    mode          text NOT NULL CHECK (mode IN ('test', 'live')),
    key           text NOT NULL CHECK (key <> ''),
    request_hash  bytea NOT NULL,  -- SHA-256 of method, path and body
    claim         text NOT NULL,   -- the in-flight request that owns the row
    locked_until  timestamptz NOT NULL,
    status        integer CHECK (status BETWEEN 100 AND 599), -- null while in flight
    content_type  text,
    response_body bytea,
    created_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    PRIMARY KEY (account_id, mode, key),
    CHECK ((status IS NULL) = (completed_at IS NULL))
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
