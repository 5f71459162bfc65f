package webhooks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/webhooks/internal/dbsqlc"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// Delivery is one event sent (or to be sent) to one endpoint.
type Delivery struct {
	ID            string
	EndpointID    string
	EventID       string
	EventType     string
	Status        string
	Attempts      []Attempt
	NextAttemptAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Attempt is one request of a delivery and what came back.
type Attempt struct {
	Number          int
	At              time.Time
	StatusCode      *int // nil: no response (refused, timed out)
	Latency         time.Duration
	ResponseExcerpt string
	Error           string
}

// ListDeliveriesInput selects an endpoint's deliveries, newest first.
type ListDeliveriesInput struct {
	EndpointID string
	Status     string // "": any
	After      string // a delivery id: the page after it
	Limit      int    // 0: 20; at most 100
}

// ListDeliveries returns an endpoint's deliveries with their attempts,
// newest first, and the cursor of the next page ("" at the end). Returns
// EInvalid, ENotFound.
func (s *Service) ListDeliveries(ctx context.Context, in ListDeliveriesInput) ([]Delivery, string, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.getEndpoint(ctx, c, in.EndpointID); err != nil {
		return nil, "", err
	}
	switch in.Status {
	case "", DeliveryPending, DeliverySucceeded, DeliveryFailed:
	default:
		return nil, "", kernel.Invalidf("status", "status must be pending, succeeded or failed; got %q", in.Status)
	}
	if in.Limit <= 0 {
		in.Limit = 20
	}
	if in.Limit > 100 {
		return nil, "", kernel.Invalidf("limit", "limit must be 100 or less; got %d", in.Limit)
	}
	rows, err := queries.ListDeliveries(ctx, on(s.pool), dbsqlc.ListDeliveriesParams{EndpointID: in.EndpointID,
		Status: nonEmpty(in.Status), After: nonEmpty(in.After), Lim: int32(in.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out := make([]Delivery, len(rows))
	for i, r := range rows {
		out[i] = deliveryOf(dbsqlc.GetDeliveryRow(r))
	}
	next := ""
	if len(out) > in.Limit {
		out = out[:in.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, s.loadAttempts(ctx, out)
}

// nonEmpty is nil for "" (a filter that is off), else &v.
func nonEmpty(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

// deliveryOf maps a delivery's row (GetDelivery's and ListDeliveries' are
// the same columns).
func deliveryOf(r dbsqlc.GetDeliveryRow) Delivery {
	return Delivery{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, EventType: r.EventType, Status: r.Status,
		NextAttemptAt: r.NextAttemptAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (s *Service) loadAttempts(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]string, len(ds))
	at := make(map[string]int, len(ds))
	for i, d := range ds {
		ids[i], at[d.ID] = d.ID, i
	}
	rows, err := queries.ListAttempts(ctx, on(s.pool), ids)
	if err != nil {
		return err
	}
	for _, r := range rows {
		a := Attempt{Number: int(r.Number), At: r.AttemptedAt, Latency: time.Duration(r.LatencyMs) * time.Millisecond,
			ResponseExcerpt: r.ResponseExcerpt, Error: r.Error}
		if r.StatusCode != nil {
			code := int(*r.StatusCode)
			a.StatusCode = &code
		}
		ds[at[r.DeliveryID]].Attempts = append(ds[at[r.DeliveryID]].Attempts, a)
	}
	return nil
}

// GetDelivery returns one of the caller's deliveries with its attempts.
// Returns ENotFound.
func (s *Service) GetDelivery(ctx context.Context, id string) (Delivery, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return Delivery{}, err
	}
	return s.getDelivery(ctx, c, id)
}

func (s *Service) getDelivery(ctx context.Context, c billing.Caller, id string) (Delivery, error) {
	r, err := queries.GetDelivery(ctx, on(s.pool), dbsqlc.GetDeliveryParams{ID: id, AccountID: c.AccountID, Mode: string(c.Mode)})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return Delivery{}, kernel.NotFoundf("delivery_id", "no webhook delivery %q in %s mode", id, c.Mode)
	}
	if err != nil {
		return Delivery{}, err
	}
	d := deliveryOf(r)
	ds := []Delivery{d}
	err = s.loadAttempts(ctx, ds)
	return ds[0], err
}

// RetryDelivery sends a delivery again now, whatever its status, with a
// fresh retry schedule. Returns EInvalid (the endpoint is disabled),
// ENotFound.
func (s *Service) RetryDelivery(ctx context.Context, id string) (Delivery, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return Delivery{}, err
	}
	d, err := s.getDelivery(ctx, c, id)
	if err != nil {
		return Delivery{}, err
	}
	e, err := s.getEndpoint(ctx, c, d.EndpointID)
	if err != nil {
		return Delivery{}, err
	}
	if !e.Enabled {
		return Delivery{}, kernel.Invalidf("delivery_id", "endpoint %s is disabled (%s); enable it, then retry", e.ID, e.DisabledReason)
	}
	now := s.now()
	err = billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := queries.RetryDelivery(ctx, on(tx), dbsqlc.RetryDeliveryParams{ID: id, Now: now}); err != nil {
			return err
		}
		return s.insertJob(ctx, tx, id)
	})
	if err != nil {
		return Delivery{}, err
	}
	return s.getDelivery(ctx, c, id)
}

// SendTestEvent sends a webhook.test event to one endpoint, whatever the
// types it wants. Returns EInvalid (the endpoint is disabled), ENotFound.
func (s *Service) SendTestEvent(ctx context.Context, endpointID string) (Delivery, error) {
	c, err := s.caller(ctx)
	if err != nil {
		return Delivery{}, err
	}
	e, err := s.getEndpoint(ctx, c, endpointID)
	if err != nil {
		return Delivery{}, err
	}
	if !e.Enabled {
		return Delivery{}, kernel.Invalidf("endpoint_id", "endpoint %s is disabled (%s); enable it first", e.ID, e.DisabledReason)
	}
	now := s.now()
	eventID := kernel.NewID("evt", now)
	data, err := json.Marshal(map[string]string{"endpoint_id": e.ID, "message": "a test event from Tollgate"})
	if err != nil {
		return Delivery{}, err
	}
	b, err := body(eventID, TestEventType, now, c.Mode, data)
	if err != nil {
		return Delivery{}, err
	}
	var id string
	err = billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := queries.InsertEvent(ctx, on(tx), dbsqlc.InsertEventParams{ID: eventID, AccountID: c.AccountID, Mode: string(c.Mode),
			Type: TestEventType, Body: b, CreatedAt: now}); err != nil {
			return err
		}
		id, err = s.queueDelivery(ctx, tx, e.ID, eventID, now)
		return err
	})
	if err != nil {
		return Delivery{}, err
	}
	return s.getDelivery(ctx, c, id)
}
