-- Rows past their use, deleted a day after they expired (a grant's rows go
-- with it; grants themselves stay, listed as ended).

-- name: PruneRequests :exec
DELETE FROM oauth_requests WHERE expires_at < sqlc.arg(before);

-- name: PruneSignIns :exec
DELETE FROM oauth_signins WHERE link_expires_at < sqlc.arg(before) AND (session_expires_at IS NULL OR session_expires_at < sqlc.arg(before));

-- name: PruneCodes :exec
DELETE FROM oauth_codes WHERE expires_at < sqlc.arg(before);

-- name: PruneTokens :exec
DELETE FROM oauth_tokens WHERE expires_at < sqlc.arg(before);
