-- +goose Up
-- Keys that leave the planner no wrong choice. Until a table has statistics,
-- PostgreSQL prices every index whose leading columns are in the predicate
-- alike (one row each), and the plan it picks while the tables are empty is
-- cached by long-lived connections. So a lookup must have exactly one index
-- it can use: on the hot path no secondary key may share the
-- (account_id, mode) prefix of the key a lookup matches. Tests:
-- billing/plans_test.go.

-- fees → events. The check looked events up by (account_id, mode, id), a key
-- that events_seq and events_customer share the prefix of: it ran on
-- events_seq with a filter on id, reading every event of the account for each
-- fee. Fees are written only by the usage batch (queueInsertFeeRows), in the
-- transaction and after the statement that inserted their events, and only for
-- events that statement reported inserted; events are never deleted once they
-- have fees (the batch removes only the refused events it inserted, which have
-- none). The key held nothing the batch does not already guarantee.
ALTER TABLE fees DROP CONSTRAINT fees_account_id_mode_event_id_fkey;

-- Wallets and customers are found by their own natural keys: wallets by
-- (customer_id, name), customers by (account_id, mode, external_id). Their
-- (account_id, mode, id) keys, there only for the composite foreign keys that
-- keep a balance and a wallet in their customer's account and mode, competed
-- with those lookups and won (a scan of the whole account with a filter). The
-- same keys, led by the id, keep the same invariants and serve no other lookup.
-- (A foreign key takes whichever unique index has its set of columns, so the
-- old key goes before the new one is made.)
ALTER TABLE wallets DROP CONSTRAINT wallets_account_id_mode_customer_id_fkey;
ALTER TABLE customers DROP CONSTRAINT customers_account_id_mode_id_key;
ALTER TABLE customers ADD CONSTRAINT customers_scope UNIQUE (id, account_id, mode);
ALTER TABLE wallets ADD CONSTRAINT wallets_customer_scope
    FOREIGN KEY (customer_id, account_id, mode) REFERENCES customers (id, account_id, mode);

ALTER TABLE balances DROP CONSTRAINT balances_account_id_mode_wallet_id_fkey;
ALTER TABLE wallets DROP CONSTRAINT wallets_account_id_mode_id_key;
ALTER TABLE wallets ADD CONSTRAINT wallets_scope UNIQUE (id, account_id, mode);
ALTER TABLE balances ADD CONSTRAINT balances_wallet_scope
    FOREIGN KEY (wallet_id, account_id, mode) REFERENCES wallets (id, account_id, mode);

-- Authorizations are found by id (the primary key) and by idempotency key:
-- the latter, led by (account_id, mode), won the lookups by id too.
ALTER TABLE authorizations DROP CONSTRAINT authorizations_account_id_mode_idempotency_key_key;
ALTER TABLE authorizations ADD CONSTRAINT authorizations_key UNIQUE (idempotency_key, account_id, mode);

-- +goose Down
ALTER TABLE authorizations DROP CONSTRAINT authorizations_key;
ALTER TABLE authorizations ADD CONSTRAINT authorizations_account_id_mode_idempotency_key_key UNIQUE (account_id, mode, idempotency_key);

ALTER TABLE balances DROP CONSTRAINT balances_wallet_scope;
ALTER TABLE wallets DROP CONSTRAINT wallets_scope;
ALTER TABLE wallets ADD CONSTRAINT wallets_account_id_mode_id_key UNIQUE (account_id, mode, id);
ALTER TABLE balances ADD CONSTRAINT balances_account_id_mode_wallet_id_fkey
    FOREIGN KEY (account_id, mode, wallet_id) REFERENCES wallets (account_id, mode, id);

ALTER TABLE wallets DROP CONSTRAINT wallets_customer_scope;
ALTER TABLE customers DROP CONSTRAINT customers_scope;
ALTER TABLE customers ADD CONSTRAINT customers_account_id_mode_id_key UNIQUE (account_id, mode, id);
ALTER TABLE wallets ADD CONSTRAINT wallets_account_id_mode_customer_id_fkey
    FOREIGN KEY (account_id, mode, customer_id) REFERENCES customers (account_id, mode, id);

ALTER TABLE fees ADD CONSTRAINT fees_account_id_mode_event_id_fkey
    FOREIGN KEY (account_id, mode, event_id) REFERENCES events;
