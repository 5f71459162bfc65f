-- +goose Up
-- Operators: the people who sign in to the console for one or more accounts,
-- each with a role per account. No secret is stored in the clear: sign-in
-- links and session tokens are kept as their SHA-256, passwords as bcrypt.
-- The TOTP seed must be read to check a code, so it is stored as it is
-- (whoever reads this table can compute codes; the password or link is still
-- needed to sign in).
CREATE TABLE operators (
    id              text PRIMARY KEY,
    email           text NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
    name            text NOT NULL DEFAULT '',
    password_hash   text,        -- bcrypt; null: signs in by link only
    totp_secret     text,        -- base32 seed, set when enrolment starts
    totp_enabled_at timestamptz, -- set: every sign-in asks for a code
    totp_last_step  bigint,      -- the last 30-second step accepted: a code works once
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL)
);

CREATE TABLE operator_memberships (
    account_id  text NOT NULL REFERENCES accounts,
    operator_id text NOT NULL REFERENCES operators,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, operator_id)
);
-- Reader: an operator's accounts (the switcher, sign-in).
CREATE INDEX operator_memberships_operator ON operator_memberships (operator_id);

-- Single-use sign-in links (an invitation is one), opened within minutes.
CREATE TABLE operator_links (
    id          text PRIMARY KEY,
    hash        bytea NOT NULL UNIQUE,
    operator_id text NOT NULL REFERENCES operators,
    account_id  text NOT NULL REFERENCES accounts,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (expires_at > created_at)
);
-- Reader: the sweep of expired links.
CREATE INDEX operator_links_expires ON operator_links (expires_at);

-- Console sessions, read on every request (so a revocation is seen on the
-- next one, on every server). account_id and mode are where the operator
-- is working now (the switcher and the test/live switch change them).
CREATE TABLE operator_sessions (
    id              text PRIMARY KEY,
    hash            bytea NOT NULL UNIQUE,
    operator_id     text NOT NULL REFERENCES operators,
    account_id      text NOT NULL REFERENCES accounts,
    mode            text NOT NULL CHECK (mode IN ('test', 'live')),
    method          text NOT NULL CHECK (method IN ('link', 'password')),
    factor_pending  boolean NOT NULL, -- signed in, the TOTP code still owed
    failed_codes    integer NOT NULL DEFAULT 0 CHECK (failed_codes >= 0),
    user_agent      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
-- Readers: an operator's sessions (listed, revoked together); an account's.
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id, id);
CREATE INDEX operator_sessions_account ON operator_sessions (account_id, id);

-- +goose Down
DROP TABLE operator_sessions;
DROP TABLE operator_links;
DROP TABLE operator_memberships;
DROP TABLE operators;
