-- +goose Up
-- OAuth 2.1 for /mcp (package oauth): Tollgate is the authorization server of
-- its own MCP endpoint. No secret is stored: links, sessions, codes and
-- tokens are kept as their SHA-256 only.

-- Clients: registered through /oauth/register (id tgc_…), or known by a
-- Client ID Metadata Document (id = the https URL of the document, stored
-- as last fetched, so grants can name the client).
CREATE TABLE oauth_clients (
    id            text PRIMARY KEY CHECK (length(id) <= 2048),
    kind          text NOT NULL CHECK (kind IN ('registered', 'metadata_document')),
    name          text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    redirect_uris text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 10),
    metadata      jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- Sign-ins for consent: a one-time link (tollgate mcp authorize-link) for an
-- account and mode, exchanged once for a short browser session.
CREATE TABLE oauth_signins (
    link_hash          bytea PRIMARY KEY,
    account_id         text NOT NULL REFERENCES accounts,
    mode               text NOT NULL CHECK (mode IN ('test', 'live')),
    created_at         timestamptz NOT NULL,
    link_expires_at    timestamptz NOT NULL,
    used_at            timestamptz,
    session_hash       bytea UNIQUE,
    session_expires_at timestamptz,
    CHECK ((used_at IS NULL) = (session_hash IS NULL) AND (session_hash IS NULL) = (session_expires_at IS NULL))
);
CREATE INDEX oauth_signins_expiry ON oauth_signins (link_expires_at);

-- Authorization requests checked by /oauth/authorize, waiting for the
-- person's decision on the consent page (id is random: it is in the page's URL).
CREATE TABLE oauth_requests (
    id             text PRIMARY KEY,
    client_id      text NOT NULL REFERENCES oauth_clients ON DELETE CASCADE,
    client_name    text NOT NULL,
    redirect_uri   text NOT NULL CHECK (length(redirect_uri) <= 2048),
    state          text NOT NULL CHECK (length(state) <= 1024),
    scopes         text[] NOT NULL,
    resource       text NOT NULL,
    code_challenge text NOT NULL CHECK (length(code_challenge) BETWEEN 43 AND 128),
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    decided_at     timestamptz
);
CREATE INDEX oauth_requests_expiry ON oauth_requests (expires_at);

-- Grants: what a person approved for a client, on one account and mode.
-- A grant is one family of codes and tokens; revoking it (or reusing one of
-- its spent refresh tokens or codes) ends them all. expires_at moves with
-- each refresh: when its last refresh token expires, so does the grant.
CREATE TABLE oauth_grants (
    id             text PRIMARY KEY,
    account_id     text NOT NULL REFERENCES accounts,
    mode           text NOT NULL CHECK (mode IN ('test', 'live')),
    client_id      text NOT NULL REFERENCES oauth_clients,
    client_name    text NOT NULL,
    redirect_uri   text NOT NULL,
    scopes         text[] NOT NULL,
    resource       text NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    revoked_reason text CHECK (revoked_reason IN ('revoked', 'refresh_token_reused', 'code_reused')),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
-- The grants list of an account and mode, newest first.
CREATE INDEX oauth_grants_list ON oauth_grants (account_id, mode, id DESC);

-- Authorization codes: one use, a minute, bound to the redirect URI and the
-- PKCE challenge of their request.
CREATE TABLE oauth_codes (
    code_hash      bytea PRIMARY KEY,
    grant_id       text NOT NULL REFERENCES oauth_grants ON DELETE CASCADE,
    redirect_uri   text NOT NULL,
    code_challenge text NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX oauth_codes_grant ON oauth_codes (grant_id);
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at);

-- Access and refresh tokens of a grant. A refresh token is spent once
-- (used_at): refreshing returns a new pair.
CREATE TABLE oauth_tokens (
    token_hash bytea PRIMARY KEY,
    grant_id   text NOT NULL REFERENCES oauth_grants ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('access', 'refresh')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (kind = 'refresh' OR used_at IS NULL)
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens (expires_at);

-- +goose Down
DROP TABLE oauth_tokens;
DROP TABLE oauth_codes;
DROP TABLE oauth_grants;
DROP TABLE oauth_requests;
DROP TABLE oauth_signins;
DROP TABLE oauth_clients;
