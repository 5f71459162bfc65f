-- +goose Up
-- Creating a webhook endpoint is idempotent under the caller's key: a retry
-- with the same key and payload returns the same endpoint instead of a
-- second one (which would receive every event twice). request_hash is what
-- the payload is compared by. The key leads its index, as on the other
-- idempotent tables (migration 00006).
ALTER TABLE webhook_endpoints ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200);
ALTER TABLE webhook_endpoints ADD COLUMN request_hash bytea;
CREATE UNIQUE INDEX webhook_endpoints_key ON webhook_endpoints (idempotency_key, account_id, mode)
    WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX webhook_endpoints_key;
ALTER TABLE webhook_endpoints DROP COLUMN request_hash;
ALTER TABLE webhook_endpoints DROP COLUMN idempotency_key;
