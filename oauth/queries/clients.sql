-- name: InsertClient :exec
-- A client registered through /oauth/register.
INSERT INTO oauth_clients (id, kind, name, redirect_uris, metadata, created_at, updated_at)
VALUES (sqlc.arg(id), 'registered', sqlc.arg(name), sqlc.arg(redirect_uris), sqlc.arg(metadata), sqlc.arg(now)::timestamptz, sqlc.arg(now)::timestamptz);

-- name: UpsertMetadataClient :exec
-- A client known by its metadata document, as last fetched.
INSERT INTO oauth_clients (id, kind, name, redirect_uris, metadata, created_at, updated_at)
VALUES (sqlc.arg(id), 'metadata_document', sqlc.arg(name), sqlc.arg(redirect_uris), sqlc.arg(metadata), sqlc.arg(now)::timestamptz, sqlc.arg(now)::timestamptz)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris, metadata = excluded.metadata, updated_at = excluded.updated_at
WHERE oauth_clients.kind = 'metadata_document';

-- name: GetClient :one
SELECT id, kind, name, redirect_uris FROM oauth_clients WHERE id = $1;
