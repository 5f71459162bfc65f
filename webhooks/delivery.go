package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
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
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` WHERE d.endpoint_id = $1 AND ($2 = '' OR d.status = $2) AND ($3 = '' OR d.id < $3)
		ORDER BY d.id DESC LIMIT $4`, in.EndpointID, in.Status, in.After, in.Limit+1)
	if err != nil {
		return nil, "", billing.Translate(err)
	}
	out, err := pgx.CollectRows(rows, scanDelivery)
	if err != nil {
		return nil, "", billing.Translate(err)
	}
	next := ""
	if len(out) > in.Limit {
		out = out[:in.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, s.loadAttempts(ctx, out)
}

const deliveryColumns = `d.id, d.endpoint_id, d.event_id, ev.type, d.status, d.next_attempt_at, d.created_at, d.updated_at
	FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id`

func scanDelivery(r pgx.CollectableRow) (Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.Status, &d.NextAttemptAt, &d.CreatedAt, &d.UpdatedAt)
	return d, err
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
	rows, err := s.pool.Query(ctx, `SELECT delivery_id, number, attempted_at, status_code, latency_ms, response_excerpt, error
		FROM webhook_attempts WHERE delivery_id = ANY($1) ORDER BY delivery_id, number`, ids)
	if err != nil {
		return billing.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a Attempt
		var ms int64
		if err := rows.Scan(&id, &a.Number, &a.At, &a.StatusCode, &ms, &a.ResponseExcerpt, &a.Error); err != nil {
			return billing.Translate(err)
		}
		a.Latency = time.Duration(ms) * time.Millisecond
		ds[at[id]].Attempts = append(ds[at[id]].Attempts, a)
	}
	return billing.Translate(rows.Err())
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
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE d.id = $1 AND e.account_id = $2 AND e.mode = $3`, id, c.AccountID, c.Mode)
	if err != nil {
		return Delivery{}, billing.Translate(err)
	}
	d, err := pgx.CollectExactlyOneRow(rows, scanDelivery)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, kernel.NotFoundf("delivery_id", "no webhook delivery %q in %s mode", id, c.Mode)
	}
	if err != nil {
		return d, billing.Translate(err)
	}
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
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return billing.Translate(err)
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
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_events (id, account_id, mode, type, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			eventID, c.AccountID, c.Mode, TestEventType, b, now); err != nil {
			return billing.Translate(err)
		}
		id, err = s.queueDelivery(ctx, tx, e.ID, eventID, now)
		return err
	})
	if err != nil {
		return Delivery{}, err
	}
	return s.getDelivery(ctx, c, id)
}
