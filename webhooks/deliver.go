package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tollgatehq/tollgate/billing"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// excerptBytes is how much of a response body an attempt keeps.
const excerptBytes = 512

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

// --- fan-out -----------------------------------------------------------------

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
		rows, err := tx.Query(ctx, `SELECT id, account_id, mode, type, payload, created_at FROM outbox
			WHERE delivered_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
		if err != nil {
			return billing.Translate(err)
		}
		taken, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
			var o outboxRow
			err := r.Scan(&o.id, &o.account, &o.mode, &o.typ, &o.payload, &o.createdAt)
			return o, err
		})
		if err != nil {
			return billing.Translate(err)
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
		_, err = tx.Exec(ctx, `UPDATE outbox SET delivered_at = $2 WHERE id = ANY($1)`, ids, now)
		return billing.Translate(err)
	})
	return n, err
}

func (s *Service) fanOutRow(ctx context.Context, tx pgx.Tx, o outboxRow, now time.Time) error {
	rows, err := tx.Query(ctx, `SELECT id FROM webhook_endpoints WHERE account_id = $1 AND mode = $2 AND enabled
		AND (event_types = '{}' OR $3 = ANY(event_types)) ORDER BY id`, o.account, o.mode, o.typ)
	if err != nil {
		return billing.Translate(err)
	}
	endpoints, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(endpoints) == 0 {
		return billing.Translate(err)
	}
	data := o.payload
	if s.opts.Render != nil {
		ctx := billing.WithCaller(ctx, billing.Caller{AccountID: o.account, Mode: billing.Mode(o.mode)})
		v, err := s.opts.Render(ctx, o.typ, o.payload)
		if code := billing.ErrorCode(err); code == billing.ENotFound || code == billing.EInvalid {
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
	eventID := newID("evt", now)
	b, err := body(eventID, o.typ, o.createdAt, billing.Mode(o.mode), data)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO webhook_events (id, account_id, mode, type, body, outbox_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		eventID, o.account, o.mode, o.typ, b, o.id, o.createdAt); err != nil {
		return billing.Translate(err)
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
	id := newID("whd", now)
	if _, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at, created_at, updated_at)
		VALUES ($1, $2, $3, 'pending', $4, $4, $4)`, id, endpointID, eventID, now); err != nil {
		return "", billing.Translate(err)
	}
	return id, s.insertJob(ctx, tx, id)
}

func (s *Service) insertJob(ctx context.Context, tx pgx.Tx, deliveryID string) error {
	return s.opts.Jobs.InsertTx(ctx, tx, deliverArgs{DeliveryID: deliveryID},
		&river.InsertOpts{Queue: queue, MaxAttempts: len(s.opts.RetryDelays) + 1})
}

// --- delivery ----------------------------------------------------------------

type deliverArgs struct {
	DeliveryID string `json:"delivery_id"`
}

func (deliverArgs) Kind() string { return "webhook_delivery" }

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s *Service
}

// NextRetry follows Options.RetryDelays: the wait after attempt n is its nth.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	d := w.s.opts.RetryDelays
	return time.Now().Add(d[min(max(job.Attempt-1, 0), len(d)-1)])
}

func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return w.s.opts.Timeout + 30*time.Second
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.s.attempt(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts, w.NextRetry(job))
}

type target struct {
	status, endpointID, url, mode, disabledReason string
	enabled                                       bool
	eventID, body                                 string
}

// errRetry is returned to River for a failed attempt that will be retried.
var errRetry = errors.New("webhook delivery attempt failed; retrying")

// attempt makes one attempt of a pending delivery and records it. final
// says no retry follows; next is when one would.
func (s *Service) attempt(ctx context.Context, deliveryID string, final bool, next time.Time) error {
	var t target
	err := s.pool.QueryRow(ctx, `SELECT d.status, e.id, e.url, e.mode, e.disabled_reason, e.enabled, ev.id, ev.body
		FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.id = $1`, deliveryID).Scan(&t.status, &t.endpointID, &t.url, &t.mode, &t.disabledReason, &t.enabled, &t.eventID, &t.body)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && t.status != DeliveryPending {
		return nil // gone, or settled by another run of this job
	}
	if err != nil {
		return billing.Translate(err)
	}
	if !t.enabled {
		_, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'pending'`,
			deliveryID, s.now())
		return billing.Translate(err)
	}
	a := s.send(ctx, t)
	return s.record(ctx, deliveryID, t, a, final, next)
}

// send makes the request and describes what came back.
func (s *Service) send(ctx context.Context, t target) Attempt {
	now := s.now()
	a := Attempt{At: now}
	secrets, err := s.signingSecrets(ctx, t.endpointID, now)
	if err != nil {
		a.Error = "no signing secret"
		return a
	}
	sig, err := Sign(secrets, t.eventID, now, []byte(t.body))
	if err != nil {
		a.Error = "the signing secret is malformed"
		return a
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(t.body))
	if err != nil {
		a.Error = "bad url"
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tollgate-Webhooks/1")
	req.Header.Set(HeaderID, t.eventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	start := time.Now()
	resp, err := s.clients[billing.Mode(t.mode)].Do(req)
	if err != nil {
		a.Latency = time.Since(start)
		a.Error = describe(err)
		return a
	}
	defer resp.Body.Close()
	buf, _ := io.ReadAll(io.LimitReader(resp.Body, excerptBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	a.Latency = time.Since(start)
	code := resp.StatusCode
	a.StatusCode = &code
	a.ResponseExcerpt = excerpt(buf)
	return a
}

func excerpt(b []byte) string {
	for len(b) > 0 && !utf8.Valid(b) { // cut inside a rune
		b = b[:len(b)-1]
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// describe words a transport error without the URL (which the platform
// knows) and never with a secret (which requests carry only in a MAC).
func describe(err error) string {
	var refused *RefusedError
	if errors.As(err, &refused) {
		return refused.Error()
	}
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) && ue.Timeout() {
		return "timed out"
	}
	var uerr interface{ Unwrap() error }
	if errors.As(err, &uerr) {
		if inner := uerr.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

// record writes an attempt and its consequences: a 2xx settles the
// delivery and clears the endpoint's failures; 410 Gone fails it and
// disables the endpoint; another failure is retried unless it was the last
// try, or disables the endpoint when it has been failing for
// Options.DisableAfter.
func (s *Service) record(ctx context.Context, deliveryID string, t target, a Attempt, final bool, next time.Time) error {
	ok := a.StatusCode != nil && *a.StatusCode >= 200 && *a.StatusCode < 300
	gone := a.StatusCode != nil && *a.StatusCode == http.StatusGone
	retry := false
	err := billing.WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = $1 RETURNING attempts`, deliveryID).Scan(&n); err != nil {
			return billing.Translate(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms, response_excerpt, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, deliveryID, n, a.At, a.StatusCode, a.Latency.Milliseconds(), a.ResponseExcerpt, a.Error); err != nil {
			return billing.Translate(err)
		}
		status, disable := DeliveryFailed, ""
		switch {
		case ok:
			status = DeliverySucceeded
			if _, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, t.endpointID); err != nil {
				return billing.Translate(err)
			}
		case gone:
			disable = fmt.Sprintf("the endpoint answered 410 Gone on %s; enable it again once it accepts events", a.At.Format(time.RFC3339))
		default:
			var since time.Time
			if err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, $2) WHERE id = $1 RETURNING failing_since`,
				t.endpointID, a.At).Scan(&since); err != nil {
				return billing.Translate(err)
			}
			if a.At.Sub(since) >= s.opts.DisableAfter {
				disable = fmt.Sprintf("every delivery failed since %s (%s); the last: %s", since.Format(time.RFC3339), s.opts.DisableAfter, a.outcome())
			} else if !final {
				status, retry = DeliveryPending, true
			}
		}
		var nextAt *time.Time
		if retry {
			nextAt = &next
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, updated_at = $4 WHERE id = $1`,
			deliveryID, status, nextAt, a.At); err != nil {
			return billing.Translate(err)
		}
		if disable != "" {
			_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1`, t.endpointID, disable, a.At)
			return billing.Translate(err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if retry {
		return fmt.Errorf("%w: %s", errRetry, a.outcome())
	}
	return nil
}

// outcome words an attempt in a few words.
func (a Attempt) outcome() string {
	if a.StatusCode != nil {
		return fmt.Sprintf("HTTP %d", *a.StatusCode)
	}
	return a.Error
}
