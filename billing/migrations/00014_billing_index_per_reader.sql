-- +goose Up
-- Only the indexes a read path needs. Nothing reads a ledger entry or a fee by
-- its own id: entries are read by their transaction (the transactions list,
-- statements, profitability's revenue, verify), fees by their event (replays,
-- get_event, profitability's fold) and by customer and time (the portal,
-- statements). So each table's primary key leads with the column it is read
-- by, and the index that served that read alone goes: a usage event with one
-- fee writes nine index entries instead of twelve. An entry's id stays unique
-- (an identity); a fee's id is a ULID, unique within its event's key.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pkey;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (transaction_id, id);
DROP INDEX ledger_entries_transaction;

ALTER TABLE fees DROP CONSTRAINT fees_pkey;
ALTER TABLE fees ADD CONSTRAINT fees_pkey PRIMARY KEY (account_id, mode, event_id, id);
DROP INDEX fees_event;

-- +goose Down
CREATE INDEX fees_event ON fees (account_id, mode, event_id);
ALTER TABLE fees DROP CONSTRAINT fees_pkey;
ALTER TABLE fees ADD CONSTRAINT fees_pkey PRIMARY KEY (id);

CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pkey;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (id);
