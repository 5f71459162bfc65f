-- +goose Up
-- The console's customer search (billing.Overview.SearchCustomers): an
-- exact email is one index probe, and "contains" over the name, email and
-- external id is a trigram index scan rather than a pass over every
-- customer of the account. pg_trgm ships with PostgreSQL (contrib) and is a
-- trusted extension; where it cannot be created (not installed, or no
-- CREATE privilege on the database), the search still works, by a scan.
-- The email index does not lead with the account and mode: if it did, the
-- planner could take it for the hot path's lookups by (account, mode, id or
-- external id) (TestHotPathPlans, TestForeignKeyLookups).
CREATE INDEX customers_search_email ON customers (lower(email));

-- +goose StatementBegin
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%): the console searches customers by a scan', SQLERRM;
        RETURN;
    END;
    CREATE INDEX customers_search_text ON customers USING gin ((name || ' ' || email || ' ' || external_id) gin_trgm_ops);
END
$$;
-- +goose StatementEnd

-- The console's usage page filtered to a customer and an event type lists
-- newest first (ListEvents, by seq): with seq at the end of the portal's
-- events_customer_type, that is a backward index scan that stops at a page,
-- not a sort of every event of the type. Same entries per event as before
-- (the index is replaced, not added): the hot path writes no more.
DROP INDEX events_customer_type;
CREATE INDEX events_customer_type ON events (account_id, mode, customer_id, event_type, seq);

-- +goose Down
DROP INDEX events_customer_type;
CREATE INDEX events_customer_type ON events (account_id, mode, customer_id, event_type);
DROP INDEX IF EXISTS customers_search_text;
DROP INDEX customers_search_email;
