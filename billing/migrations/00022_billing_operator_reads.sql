-- +goose Up
-- The console's Payments page lists an account's top-ups newest first,
-- across customers (top_ups_list serves one customer's).
CREATE INDEX top_ups_account ON top_ups (account_id, mode, id);

-- +goose Down
DROP INDEX top_ups_account;
