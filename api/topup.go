package api

import (
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// createTopUp answers 201 with the checkout URL of a new top-up, and 200 for
// a replay of its idempotency key (the same top-up and checkout).
func (s *server) createTopUp(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateTopUpRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	key := in.IdempotencyKey
	if key == "" {
		key = r.Header.Get("Idempotency-Key")
	}
	t, err := s.svc.Payments.CreateTopUp(r.Context(), in.ToInput(key))
	if err != nil {
		return err
	}
	return writeJSON(w, created(!t.Replayed), wire.FromTopUp(t, mode(r.Context())))
}

func (s *server) getTopUp(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	t, err := s.svc.Payments.GetTopUp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromTopUp(t, mode(r.Context())))
}

func (s *server) listTopUps(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, "limit")
	limit := q.int("limit")
	if q.err != nil {
		return q.err
	}
	ts, err := s.svc.Payments.ListTopUps(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	m := mode(r.Context())
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(ts, func(t billing.TopUp) wire.TopUp { return wire.FromTopUp(t, m) }), false, ""))
}

func (s *server) refundTopUp(w http.ResponseWriter, r *http.Request) error {
	var in wire.RefundTopUpRequest
	if err := decodeBody(r, &in, true); err != nil {
		return err
	}
	key := in.IdempotencyKey
	if key == "" {
		key = r.Header.Get("Idempotency-Key")
	}
	t, err := s.svc.Payments.RefundTopUp(r.Context(), in.ToInput(r.PathValue("id"), key))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromTopUp(t, mode(r.Context())))
}

func (s *server) getAutoTopUp(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, "asset")
	asset := q.str("asset")
	if q.err != nil {
		return q.err
	}
	if asset == "" {
		return badRequest("missing_parameter", "asset", "query parameter asset is required: the asset code of the balance, such as ?asset=USD")
	}
	a, err := s.svc.Payments.GetAutoTopUp(r.Context(), r.PathValue("id"), r.PathValue("wallet"), asset)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromAutoTopUp(a, mode(r.Context())))
}

func (s *server) configureAutoTopUp(w http.ResponseWriter, r *http.Request) error {
	var in wire.ConfigureAutoTopUpRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	a, err := s.svc.Payments.ConfigureAutoTopUp(r.Context(), in.ToInput(r.PathValue("id"), r.PathValue("wallet")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromAutoTopUp(a, mode(r.Context())))
}

// stripeWebhook takes Stripe's events for one account and mode. It needs no
// API key: the Stripe-Signature over the raw body, checked with the
// connection's signing secret, is the authentication. A refused signature
// (or payload) is 400, so Stripe shows the delivery as failed; nothing is
// written. An event delivered again is acknowledged and changes nothing.
func (s *server) stripeWebhook(w http.ResponseWriter, r *http.Request) error {
	m := billing.Mode(r.PathValue("mode"))
	if m != billing.ModeTest && m != billing.ModeLive {
		return &apiError{status: http.StatusNotFound, typ: typeInvalidRequest, code: kernel.ENotFound, param: "mode",
			message: "the webhook URL must end in /test or /live, the mode of the Stripe connection"}
	}
	b, err := body(r)
	if err != nil {
		return err
	}
	err = s.svc.Payments.HandlePaymentWebhook(r.Context(), "stripe", r.PathValue("account"), m, b.raw, r.Header)
	if kernel.ErrorCode(err) == kernel.EInvalid {
		return badRequest(kernel.EInvalid, kernel.ErrorField(err), kernel.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.PaymentWebhookAck{Received: true})
}
