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
	"github.com/tollgatehq/tollgate/webhooks/internal/dbsqlc"
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
		db := on(tx)
		if key != "" {
			old, err := queries.GetEndpointByKey(ctx, db, dbsqlc.GetEndpointByKeyParams{IdempotencyKey: key, AccountID: c.AccountID, Mode: string(c.Mode)})
			switch {
			case err == nil && string(old.RequestHash) != string(hash):
				return kernel.Errorf(kernel.EConflict, "idempotency_key %q already created a webhook endpoint with another url, description or event_types; use a new key for a new endpoint", key)
			case err == nil:
				replayed, id = true, old.ID
				// Its secret, while the one it was made with is the only one.
				secret, err = queries.ReplayedSecret(ctx, db, id)
				return err
			case kernel.ErrorCode(err) != kernel.ENotFound:
				return err
			}
		}
		n, err := queries.CountEndpoints(ctx, db, dbsqlc.CountEndpointsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
		if err != nil {
			return err
		}
		if n >= MaxEndpoints {
			return kernel.Invalidf("url", "the account has %d endpoints in %s mode, the most allowed; update or disable one instead", n, c.Mode)
		}
		if err := queries.InsertEndpoint(ctx, db, dbsqlc.InsertEndpointParams{ID: id, AccountID: c.AccountID, Mode: string(c.Mode), Url: u,
			Description: description, EventTypes: types, Now: now, IdempotencyKey: key, RequestHash: hash}); err != nil {
			if kernel.ErrorCode(err) == kernel.EConflict {
				return fmt.Errorf("%w: %w", err, errKeyTaken)
			}
			return err
		}
		return queries.InsertSecret(ctx, db, dbsqlc.InsertSecretParams{EndpointID: id, Secret: secret, CreatedAt: now})
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

// endpointOf maps an endpoint's row (GetEndpoint's and ListEndpoints' are
// the same columns).
func endpointOf(r dbsqlc.GetEndpointRow) Endpoint {
	return Endpoint{ID: r.ID, Mode: billing.Mode(r.Mode), URL: r.Url, Description: r.Description, EventTypes: r.EventTypes,
		Enabled: r.Enabled, DisabledReason: r.DisabledReason, FailingSince: r.FailingSince, SecretLast4: r.SecretLast4,
		PreviousSecretExpiresAt: r.PreviousSecretExpiresAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
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
	r, err := queries.GetEndpoint(ctx, on(s.pool), dbsqlc.GetEndpointParams{Now: s.now(), AccountID: c.AccountID, Mode: string(c.Mode), ID: id})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Endpoint{}, kernel.NotFoundf("endpoint_id", "no webhook endpoint %q in %s mode", id, c.Mode)
	}
	return endpointOf(r), err
}

// ListEndpoints returns the caller's endpoints, oldest first (at most
// MaxEndpoints).
func (s *Service) ListEndpoints(ctx context.Context) ([]Endpoint, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := queries.ListEndpoints(ctx, on(s.pool), dbsqlc.ListEndpointsParams{Now: s.now(), AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, len(rows))
	for i, r := range rows {
		out[i] = endpointOf(dbsqlc.GetEndpointRow(r))
	}
	return out, nil
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
		db := on(tx)
		if err := queries.UpdateEndpoint(ctx, db, dbsqlc.UpdateEndpointParams{ID: in.ID, Url: u, Description: desc, EventTypes: types,
			Enabled: enabled, DisabledReason: reason, Now: now}); err != nil {
			return err
		}
		if secret == "" {
			return nil
		}
		// The current secret keeps signing through the overlap; one
		// rotated earlier and still in its overlap stops now.
		if err := queries.DeleteExpiringSecrets(ctx, db, in.ID); err != nil {
			return err
		}
		if err := queries.ExpireCurrentSecret(ctx, db, dbsqlc.ExpireCurrentSecretParams{EndpointID: in.ID, ExpiresAt: now.Add(s.opts.RotationOverlap)}); err != nil {
			return err
		}
		return queries.InsertSecret(ctx, db, dbsqlc.InsertSecretParams{EndpointID: in.ID, Secret: secret, CreatedAt: now})
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
	out, err := queries.SigningSecrets(ctx, on(s.pool), dbsqlc.SigningSecretsParams{EndpointID: endpointID, Now: now})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("endpoint %s has no secret", endpointID)
	}
	return out, err
}
