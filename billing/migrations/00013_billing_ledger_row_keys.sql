-- +goose Up
-- The ledger's per-row foreign-key checks, gone from the usage hot path. Each
-- usage event wrote a ledger transaction and two entries, and PostgreSQL ran
-- four key checks for them (the account of the transaction, the transaction of
-- each entry, the lot of the debit): a quarter of a usage event's statements,
-- for facts the one writer already guarantees. queueBalanceWrites
-- (billing/wallet_store.go) is the only writer of ledger transactions, entries
-- and lots: it inserts each transaction in the statement before its entries,
-- in the same transaction; an entry's lot is one the writer locked (its
-- balance row locked first) or created in the statement before; accounts are
-- never deleted, and every write is scoped to an authenticated account.
-- Nothing is ever deleted from these tables. `tollgate verify` checks what the
-- keys checked (entries without their transaction or lot), with the sums it
-- always checked.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transaction_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_lot_id_fkey;
ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_account_id_fkey;

-- +goose Down
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_account_id_fkey
    FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_lot_id_fkey
    FOREIGN KEY (lot_id) REFERENCES lots (id);
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_transaction_id_fkey
    FOREIGN KEY (transaction_id) REFERENCES ledger_transactions (id);
