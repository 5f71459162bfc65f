package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/webhooks/internal/dbsqlc"
)

// The fan-out (River kind webhook_fan_out, and Listen): outbox rows become
// events, each with one pending delivery and one job per endpoint that wants
// it.

// envelope is the body of every message.
type envelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt string          `json:"created_at"`
	Livemode  bool            `json:"livemode"`
	Data      json.RawMessage `json:"data"`
}

func body(id, typ string, at time.Time, mode billing.Mode, data []byte) (string, error) {
	b, err := json.Marshal(envelope{ID: id, Type: typ, CreatedAt: at.UTC().Format(time.RFC3339Nano), Livemode: mode == billing.ModeLive, Data: data})
	return string(b), err
}

type fanOutArgs struct{}

func (fanOutArgs) Kind() string { return "webhook_fan_out" }

// InsertOpts: no uniqueness (River's default would count completed runs
// and block every later one); concurrent runs skip each other's rows.
func (fanOutArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queue} }

type fanOutWorker struct {
	river.WorkerDefaults[fanOutArgs]
	s *Service
}

// fanOutBatch is how many outbox rows one fan-out transaction takes.
const fanOutBatch = 200

func (w *fanOutWorker) Work(ctx context.Context, _ *river.Job[fanOutArgs]) error {
	return w.s.fanOutAll(ctx)
}

type outboxRow struct {
	id            int64
	account, mode string
	typ           string
	payload       []byte
	createdAt     time.Time
}

// fanOut takes up to limit outbox rows not yet taken and, in one
// transaction, makes each an event with one delivery (and one job) per
// endpoint that wants it, then marks the rows taken. It returns how many
// rows it took.
func (s *Service) fanOut(ctx context.Context, limit int) (int, error) {
	n := 0
	err := billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		db := on(tx)
		rows, err := queries.TakeOutbox(ctx, db, int32(limit))
		if err != nil {
			return err
		}
		taken := make([]outboxRow, len(rows))
		for i, r := range rows {
			taken[i] = outboxRow{id: r.ID, account: r.AccountID, mode: r.Mode, typ: r.Type, payload: r.Payload, createdAt: r.CreatedAt}
		}
		n = len(taken)
		if n == 0 {
			return nil
		}
		now := s.now()
		ids := make([]int64, 0, n)
		for _, o := range taken {
			ids = append(ids, o.id)
			if err := s.fanOutRow(ctx, tx, o, now); err != nil {
				return err
			}
		}
		return queries.MarkOutboxTaken(ctx, db, dbsqlc.MarkOutboxTakenParams{Ids: ids, Now: now})
	})
	return n, err
}

func (s *Service) fanOutRow(ctx context.Context, tx pgx.Tx, o outboxRow, now time.Time) error {
	endpoints, err := queries.EndpointsFor(ctx, on(tx), dbsqlc.EndpointsForParams{AccountID: o.account, Mode: o.mode, Type: o.typ})
	if err != nil || len(endpoints) == 0 {
		return err
	}
	data := o.payload
	if s.opts.Render != nil {
		ctx := billing.WithCaller(ctx, billing.Caller{AccountID: o.account, Mode: billing.Mode(o.mode)})
		v, err := s.opts.Render(ctx, o.typ, o.payload)
		if code := kernel.ErrorCode(err); code == kernel.ENotFound || code == kernel.EInvalid {
			s.log.Error("webhook event dropped: what it reports is gone", "type", o.typ, "outbox_id", o.id, "err", err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("render %s (outbox %d): %w", o.typ, o.id, err)
		}
		if data, err = json.Marshal(v); err != nil {
			return err
		}
	}
	eventID := kernel.NewID("evt", now)
	b, err := body(eventID, o.typ, o.createdAt, billing.Mode(o.mode), data)
	if err != nil {
		return err
	}
	if err := queries.InsertEvent(ctx, on(tx), dbsqlc.InsertEventParams{ID: eventID, AccountID: o.account, Mode: o.mode, Type: o.typ,
		Body: b, OutboxID: &o.id, CreatedAt: o.createdAt}); err != nil {
		return err
	}
	for _, e := range endpoints {
		if _, err := s.queueDelivery(ctx, tx, e, eventID, now); err != nil {
			return err
		}
	}
	return nil
}

// queueDelivery inserts a pending delivery and its job in tx.
func (s *Service) queueDelivery(ctx context.Context, tx pgx.Tx, endpointID, eventID string, now time.Time) (string, error) {
	id := kernel.NewID("whd", now)
	if err := queries.InsertDelivery(ctx, on(tx), dbsqlc.InsertDeliveryParams{ID: id, EndpointID: endpointID, EventID: eventID, Now: now}); err != nil {
		return "", err
	}
	return id, s.insertJob(ctx, tx, id)
}

func (s *Service) insertJob(ctx context.Context, tx pgx.Tx, deliveryID string) error {
	return s.opts.Jobs.InsertTx(ctx, tx, deliverArgs{DeliveryID: deliveryID},
		&river.InsertOpts{Queue: queue, MaxAttempts: len(s.opts.RetryDelays) + 1})
}
