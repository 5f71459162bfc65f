-- +goose Up
-- A portal link opens one session: the first open records the link's nonce
-- here (INSERT … ON CONFLICT DO NOTHING, so of two concurrent opens exactly
-- one inserts), a later open finds it and is refused. A row is useless once
-- its link expired (an expired link is refused anyway), so rows are deleted
-- from then on.
CREATE TABLE portal_link_uses (
    nonce      text PRIMARY KEY CHECK (length(nonce) BETWEEN 1 AND 64),
    used_at    timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX portal_link_uses_expires ON portal_link_uses (expires_at);

-- The webhooks' fan-out wakes when an outbox row commits instead of polling
-- once a second: NOTIFY is delivered on commit (never for a rollback), and
-- PostgreSQL folds identical notifications of one transaction into one. A
-- row trigger, so the INSERT … SELECT statements of the hot path that insert
-- nothing (no threshold crossed) notify nothing.
-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tollgate_outbox', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_notify();

-- The portal's usage filter lists the products a customer has events of:
-- one probe of this index per product of the account.
CREATE INDEX events_customer_type ON events (account_id, mode, customer_id, event_type);

-- +goose Down
DROP INDEX events_customer_type;
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
DROP TABLE portal_link_uses;
