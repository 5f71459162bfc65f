-- +goose Up
-- Confirmation before money moves (issue 29). An MCP call that refunds, gifts
-- or corrects above the account's threshold, cancels a plan now, revokes a
-- customer key or turns auto top-up off is done only once a person confirms
-- it (mcp/confirm.go asks; billing/confirmation.go holds the rule).

-- The threshold per account, mode and asset: a refund, gift or correction
-- whose amount is above it asks. No row: 0, every one asks.
CREATE TABLE confirmation_thresholds (
    account_id text NOT NULL REFERENCES accounts,
    mode       text NOT NULL CHECK (mode IN ('test', 'live')),
    asset      text NOT NULL,
    above      numeric NOT NULL CHECK (above >= 0),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, mode, asset)
);

-- Automation keys: API keys whose MCP calls are never asked about (a
-- backend's agent with no person to ask). A row per key, set from the CLI.
CREATE TABLE confirmation_exempt_keys (
    key_id     text PRIMARY KEY REFERENCES api_keys,
    created_at timestamptz NOT NULL
);

-- Confirmation tokens: issued when a call needs a person's yes, redeemed once
-- by the call that carries it with the same arguments. Only the SHA-256 of
-- the token is kept; it is bound to the account, mode, tool and the
-- arguments' fingerprint, and expires.
CREATE TABLE confirmation_tokens (
    hash        bytea PRIMARY KEY,
    account_id  text NOT NULL REFERENCES accounts,
    mode        text NOT NULL CHECK (mode IN ('test', 'live')),
    tool        text NOT NULL,
    fingerprint text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
-- Expired tokens are deleted per account as new ones are issued.
CREATE INDEX confirmation_tokens_expiry ON confirmation_tokens (account_id, expires_at);

-- +goose Down
DROP TABLE confirmation_tokens;
DROP TABLE confirmation_exempt_keys;
DROP TABLE confirmation_thresholds;
