package webhooks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// Endpoint is a platform's webhook endpoint.
type Endpoint struct {
	ID             string
	Mode           billing.Mode
	URL            string
	Description    string
	EventTypes     []string // empty: every type
	Enabled        bool
	DisabledReason string
	FailingSince   *time.Time
	// SecretLast4 are the last 4 characters of the current secret.
	SecretLast4 string
	// Secret is the whole current secret, set only in the answer to the
	// create or the rotation that made it: it is shown once.
	Secret string
	// PreviousSecretExpiresAt is when the secret before a rotation stops
	// signing; nil when only one secret signs.
	PreviousSecretExpiresAt *time.Time
	CreatedAt               time.Time
	UpdatedAt               time.Time
	// Replayed says a create with the same idempotency key made it earlier.
	Replayed bool
}

// CreateEndpointInput is a new endpoint.
type CreateEndpointInput struct {
	URL         string
	Description string
	EventTypes  []string // empty: every type
	// IdempotencyKey, when set, makes a retry with the same payload return
	// the endpoint the first call created (its secret too, while it is the
	// current one) and one with another payload a conflict.
	IdempotencyKey string
}

// UpdateEndpointInput changes an endpoint; nil fields stay.
type UpdateEndpointInput struct {
	ID          string
	URL         *string
	Description *string
	EventTypes  *[]string
	// Enabled true re-enables a disabled endpoint (clearing its reason).
	Enabled *bool
	// RotateSecret makes a new secret (shown once in the answer); the old
	// one keeps signing too for Options.RotationOverlap.
	RotateSecret bool
}

func checkEventTypes(types []string) ([]string, error) {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if !slices.Contains(EventTypes, t) {
			return nil, kernel.Invalidf("event_types", "unknown event type %q; one of %s, or leave event_types empty for all", t, strings.Join(EventTypes, ", "))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// MaxDescription bounds an endpoint's description, in characters, as other
// names and descriptions are.
const MaxDescription = 200

func checkDescription(d string) error {
	if n := utf8.RuneCountInString(d); n > MaxDescription {
		return kernel.Invalidf("description", "description is %d characters; the limit is %d: say what the endpoint is for in a few words", n, MaxDescription)
	}
	return nil
}

// CreateEndpoint adds an endpoint in the caller's account and mode, with a
// new secret that the answer shows, once. Returns EInvalid.
func (s *Service) CreateEndpoint(ctx context.Context, in CreateEndpointInput) (Endpoint, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	u, err := checkURL(ctx, in.URL, c.Mode)
	if err != nil {
		return Endpoint{}, err
	}
	types, err := checkEventTypes(in.EventTypes)
	if err != nil {
		return Endpoint{}, err
	}
	if err := checkDescription(in.Description); err != nil {
		return Endpoint{}, err
	}
	if len(in.IdempotencyKey) > 200 {
		return Endpoint{}, kernel.Invalidf("idempotency_key", "idempotency_key is at most 200 characters")
	}
	hash := endpointHash(u, in.Description, types)
	for attempt := 0; ; attempt++ {
		e, err := s.createEndpoint(ctx, c, in.IdempotencyKey, u, in.Description, types, hash)
		// Two creates with one key at once: the loser's insert hits the
		// key, and its second attempt finds the winner's endpoint.
		if kernel.ErrorCode(err) == kernel.EConflict && errors.Is(err, errKeyTaken) && attempt == 0 {
			continue
		}
		return e, err
	}
}

var errKeyTaken = errors.New("webhook endpoint idempotency key taken concurrently")

// createEndpoint creates the endpoint, or with a key already used returns
// the endpoint that key made (a conflict when the payload differs).
func (s *Service) createEndpoint(ctx context.Context, c billing.Caller, key, u, description string, types []string, hash []byte) (Endpoint, error) {
	secret, err := NewSecret()
	if err != nil {
		return Endpoint{}, err
	}
	now := s.now()
	id := kernel.NewID("we", now)
	replayed := false
	err = billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if key != "" {
			var oldHash []byte
			err := tx.QueryRow(ctx, `SELECT id, request_hash FROM webhook_endpoints WHERE idempotency_key = $1 AND account_id = $2 AND mode = $3`,
				key, c.AccountID, c.Mode).Scan(&id, &oldHash)
			switch {
			case err == nil && string(oldHash) != string(hash):
				return kernel.Errorf(kernel.EConflict, "idempotency_key %q already created a webhook endpoint with another url, description or event_types; use a new key for a new endpoint", key)
			case err == nil:
				replayed = true
				// Its secret, while the one it was made with is the only one.
				return tx.QueryRow(ctx, `SELECT CASE WHEN count(*) = 1 THEN max(secret) ELSE '' END FROM webhook_secrets WHERE endpoint_id = $1`, id).Scan(&secret)
			case !errors.Is(err, pgx.ErrNoRows):
				return billing.Translate(err)
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhook_endpoints WHERE account_id = $1 AND mode = $2`, c.AccountID, c.Mode).Scan(&n); err != nil {
			return billing.Translate(err)
		}
		if n >= MaxEndpoints {
			return kernel.Invalidf("url", "the account has %d endpoints in %s mode, the most allowed; update or disable one instead", n, c.Mode)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, account_id, mode, url, description, event_types, created_at, updated_at, idempotency_key, request_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7, nullif($8, ''), $9)`, id, c.AccountID, c.Mode, u, description, types, now, key, hash); err != nil {
			if err := billing.Translate(err); kernel.ErrorCode(err) == kernel.EConflict {
				return fmt.Errorf("%w: %w", err, errKeyTaken)
			}
			return billing.Translate(err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO webhook_secrets (endpoint_id, secret, created_at) VALUES ($1, $2, $3)`, id, secret, now)
		return billing.Translate(err)
	})
	if err != nil {
		return Endpoint{}, err
	}
	e, err := s.getEndpoint(ctx, c, id)
	e.Secret, e.Replayed = secret, replayed
	return e, err
}

// endpointHash is what a replayed create is compared by: the URL, the
// description and the event types, each ended by a NUL byte as they always
// were (hence the empty last part).
func endpointHash(u, description string, types []string) []byte {
	parts := append([]string{u, description}, types...)
	return kernel.Fingerprint(0, append(parts, "")...)
}

const endpointColumns = `e.id, e.mode, e.url, e.description, e.event_types, e.enabled, e.disabled_reason, e.failing_since, e.created_at, e.updated_at,
	(SELECT right(secret, 4) FROM webhook_secrets WHERE endpoint_id = e.id AND expires_at IS NULL),
	(SELECT max(expires_at) FROM webhook_secrets WHERE endpoint_id = e.id AND expires_at > $3)`

func scanEndpoint(row pgx.Row) (Endpoint, error) {
	var e Endpoint
	var last4 *string
	err := row.Scan(&e.ID, &e.Mode, &e.URL, &e.Description, &e.EventTypes, &e.Enabled, &e.DisabledReason, &e.FailingSince,
		&e.CreatedAt, &e.UpdatedAt, &last4, &e.PreviousSecretExpiresAt)
	if last4 != nil {
		e.SecretLast4 = *last4
	}
	return e, err
}

// GetEndpoint returns one of the caller's endpoints. Returns ENotFound.
func (s *Service) GetEndpoint(ctx context.Context, id string) (Endpoint, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	return s.getEndpoint(ctx, c, id)
}

func (s *Service) getEndpoint(ctx context.Context, c billing.Caller, id string) (Endpoint, error) {
	e, err := scanEndpoint(s.pool.QueryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints e
		WHERE e.account_id = $1 AND e.mode = $2 AND e.id = $4`, c.AccountID, c.Mode, s.now(), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, kernel.NotFoundf("endpoint_id", "no webhook endpoint %q in %s mode", id, c.Mode)
	}
	return e, billing.Translate(err)
}

// ListEndpoints returns the caller's endpoints, oldest first (at most
// MaxEndpoints).
func (s *Service) ListEndpoints(ctx context.Context) ([]Endpoint, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints e
		WHERE e.account_id = $1 AND e.mode = $2 ORDER BY e.id`, c.AccountID, c.Mode, s.now())
	if err != nil {
		return nil, billing.Translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Endpoint, error) { return scanEndpoint(r) })
	return out, billing.Translate(err)
}

// UpdateEndpoint changes an endpoint. Returns EInvalid, ENotFound.
func (s *Service) UpdateEndpoint(ctx context.Context, in UpdateEndpointInput) (Endpoint, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	old, err := s.getEndpoint(ctx, c, in.ID)
	if err != nil {
		return Endpoint{}, err
	}
	u, desc, types, enabled, reason := old.URL, old.Description, old.EventTypes, old.Enabled, old.DisabledReason
	if in.URL != nil {
		if u, err = checkURL(ctx, *in.URL, c.Mode); err != nil {
			return Endpoint{}, err
		}
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return Endpoint{}, err
		}
		desc = *in.Description
	}
	if in.EventTypes != nil {
		if types, err = checkEventTypes(*in.EventTypes); err != nil {
			return Endpoint{}, err
		}
	}
	if in.Enabled != nil {
		enabled = *in.Enabled
		reason = ""
		if !enabled {
			reason = "disabled by the platform"
		}
	}
	var secret string
	if in.RotateSecret {
		if secret, err = NewSecret(); err != nil {
			return Endpoint{}, err
		}
	}
	now := s.now()
	err = billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET url = $2, description = $3, event_types = $4, enabled = $5, disabled_reason = $6,
				failing_since = CASE WHEN $5 AND NOT enabled THEN NULL ELSE failing_since END, updated_at = $7
			WHERE id = $1`, in.ID, u, desc, types, enabled, reason, now); err != nil {
			return billing.Translate(err)
		}
		if secret == "" {
			return nil
		}
		// The current secret keeps signing through the overlap; one
		// rotated earlier and still in its overlap stops now.
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_secrets WHERE endpoint_id = $1 AND expires_at IS NOT NULL`, in.ID); err != nil {
			return billing.Translate(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_secrets SET expires_at = $2 WHERE endpoint_id = $1 AND expires_at IS NULL`,
			in.ID, now.Add(s.opts.RotationOverlap)); err != nil {
			return billing.Translate(err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO webhook_secrets (endpoint_id, secret, created_at) VALUES ($1, $2, $3)`, in.ID, secret, now)
		return billing.Translate(err)
	})
	if err != nil {
		return Endpoint{}, err
	}
	e, err := s.getEndpoint(ctx, c, in.ID)
	e.Secret = secret
	return e, err
}

// signingSecrets are the secrets that sign an endpoint's messages now.
func (s *Service) signingSecrets(ctx context.Context, endpointID string, now time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT secret FROM webhook_secrets WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)
		ORDER BY created_at DESC`, endpointID, now)
	if err != nil {
		return nil, billing.Translate(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("endpoint %s has no secret", endpointID)
	}
	return out, billing.Translate(err)
}
