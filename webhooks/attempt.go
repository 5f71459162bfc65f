package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tollgatehq/tollgate/internal/egress"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/webhooks/internal/dbsqlc"
)

// The delivery job (River kind webhook_delivery): one attempt of a pending
// delivery, its signed request and the record of what came back.

// excerptBytes is how much of a response body an attempt keeps.
const excerptBytes = 512

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
	r, err := queries.DeliveryTarget(ctx, on(s.pool), deliveryID)
	if kernel.ErrorCode(err) == kernel.ENotFound || err == nil && r.Status != DeliveryPending {
		return nil // gone, or settled by another run of this job
	}
	if err != nil {
		return err
	}
	t := target{status: r.Status, endpointID: r.EndpointID, url: r.Url, mode: r.Mode, disabledReason: r.DisabledReason,
		enabled: r.Enabled, eventID: r.EventID, body: r.Body}
	if !t.enabled {
		return queries.FailPendingDelivery(ctx, on(s.pool), dbsqlc.FailPendingDeliveryParams{ID: deliveryID, UpdatedAt: s.now()})
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
	var refused *egress.RefusedError
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
		db := on(tx)
		n, err := queries.CountAttempt(ctx, db, deliveryID)
		if err != nil {
			return err
		}
		var code *int32
		if a.StatusCode != nil {
			c := int32(*a.StatusCode)
			code = &c
		}
		if err := queries.InsertAttempt(ctx, db, dbsqlc.InsertAttemptParams{DeliveryID: deliveryID, Number: n, AttemptedAt: a.At,
			StatusCode: code, LatencyMs: int32(a.Latency.Milliseconds()), ResponseExcerpt: a.ResponseExcerpt, Error: a.Error}); err != nil {
			return err
		}
		status, disable := DeliveryFailed, ""
		switch {
		case ok:
			status = DeliverySucceeded
			if err := queries.ClearFailing(ctx, db, t.endpointID); err != nil {
				return err
			}
		case gone:
			disable = fmt.Sprintf("the endpoint answered 410 Gone on %s; enable it again once it accepts events", a.At.Format(time.RFC3339))
		default:
			since, err := queries.MarkFailing(ctx, db, dbsqlc.MarkFailingParams{ID: t.endpointID, At: a.At})
			if err != nil {
				return err
			}
			if a.At.Sub(*since) >= s.opts.DisableAfter {
				disable = fmt.Sprintf("every delivery failed since %s (%s); the last: %s", since.Format(time.RFC3339), s.opts.DisableAfter, a.outcome())
			} else if !final {
				status, retry = DeliveryPending, true
			}
		}
		var nextAt *time.Time
		if retry {
			nextAt = &next
		}
		if err := queries.SettleDelivery(ctx, db, dbsqlc.SettleDeliveryParams{ID: deliveryID, Status: status, NextAttemptAt: nextAt, UpdatedAt: a.At}); err != nil {
			return err
		}
		if disable != "" {
			return queries.DisableEndpoint(ctx, db, dbsqlc.DisableEndpointParams{ID: t.endpointID, DisabledReason: disable, UpdatedAt: a.At})
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
