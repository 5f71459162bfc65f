package api

import (
	"net/http"
	"reflect"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
)

// webhookEvent is an outgoing event type and the type of its data, for the
// OpenAPI document's webhooks.
type webhookEvent struct {
	typ, summary string
	data         reflect.Type
}

// webhookEvents are every event an endpoint may receive (webhooks.EventTypes
// and webhook.test); their data is rendered by wire.WebhookData.
var webhookEvents = []webhookEvent{
	{"authorization.declined", "An authorization was declined", reflect.TypeFor[wire.Authorization]()},
	{"balance.threshold_crossed", "The available balance went below a threshold", reflect.TypeFor[wire.BalanceEvent]()},
	{"balance.depleted", "The available balance reached zero or below", reflect.TypeFor[wire.BalanceEvent]()},
	{"balance.recovered", "A credit took a depleted balance back above zero", reflect.TypeFor[wire.BalanceEvent]()},
	{"balance.below_zero", "Usage or a charge took the total balance below zero (into the credit limit)", reflect.TypeFor[wire.BalanceEvent]()},
	{"top_up.succeeded", "A top-up was paid and its credit added", reflect.TypeFor[wire.TopUp]()},
	{"top_up.failed", "A top-up's payment was declined", reflect.TypeFor[wire.TopUp]()},
	{"top_up.requires_action", "A top-up's payment needs the customer to authenticate at action_url", reflect.TypeFor[wire.TopUp]()},
	{"auto_top_up.failed", "An auto top-up's charge was declined; it retries after a backoff", reflect.TypeFor[wire.AutoTopUpEvent]()},
	{"auto_top_up.disabled", "Auto top-up turned itself off after repeated declines", reflect.TypeFor[wire.AutoTopUpEvent]()},
	{"subscription.renewed", "A plan's period was renewed and paid", reflect.TypeFor[wire.Subscription]()},
	{"subscription.past_due", "A renewal could not be paid; the grace period started", reflect.TypeFor[wire.Subscription]()},
	{"subscription.suspended", "A past-due plan was suspended at the end of its grace period", reflect.TypeFor[wire.Subscription]()},
	{"subscription.resumed", "A past-due or suspended plan was paid and resumed", reflect.TypeFor[wire.Subscription]()},
	{"subscription.canceled", "A subscription ended", reflect.TypeFor[wire.Subscription]()},
	{webhooks.TestEventType, "A test event from send_test_webhook", reflect.TypeFor[wire.WebhookTestEvent]()},
}

// hooks is the webhooks service, or an error when this server has none.
func (s *server) hooks() (*webhooks.Service, error) {
	if s.opts.Webhooks == nil {
		return nil, kernel.NotFoundf("", "outgoing webhooks are not enabled on this server")
	}
	return s.opts.Webhooks, nil
}

func (s *server) createWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hooks()
	if err != nil {
		return err
	}
	var in wire.CreateWebhookEndpointRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	key := in.IdempotencyKey
	if key == "" {
		key = r.Header.Get("Idempotency-Key")
	}
	e, err := h.CreateEndpoint(r.Context(), webhooks.CreateEndpointInput{URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, IdempotencyKey: key})
	if err != nil {
		return err
	}
	return writeJSON(w, created(!e.Replayed), wire.FromWebhookEndpoint(e))
}

func (s *server) listWebhookEndpoints(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hooks()
	if err != nil {
		return err
	}
	es, err := h.ListEndpoints(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(es, wire.FromWebhookEndpoint), false, ""))
}

func (s *server) getWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hooks()
	if err != nil {
		return err
	}
	e, err := h.GetEndpoint(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromWebhookEndpoint(e))
}

func (s *server) updateWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hooks()
	if err != nil {
		return err
	}
	var in wire.UpdateWebhookEndpointRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	e, err := h.UpdateEndpoint(r.Context(), webhooks.UpdateEndpointInput{ID: r.PathValue("id"), URL: in.URL, Description: in.Description,
		EventTypes: in.EventTypes, Enabled: in.Enabled, RotateSecret: in.RotateSecret})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromWebhookEndpoint(e))
}

func (s *server) sendTestWebhook(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hooks()
	if err != nil {
		return err
	}
	d, err := h.SendTestEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, wire.FromWebhookDelivery(d))
}

func (s *server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hooks()
	if err != nil {
		return err
	}
	q := newQuery(r, withPage("status")...)
	in := webhooks.ListDeliveriesInput{EndpointID: r.PathValue("id"), Status: q.str("status"), After: q.cursor(), Limit: q.int("limit")}
	if q.err != nil {
		return q.err
	}
	ds, next, err := h.ListDeliveries(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(ds, wire.FromWebhookDelivery), next != "", next))
}

func (s *server) retryWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	h, err := s.hooks()
	if err != nil {
		return err
	}
	d, err := h.RetryDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromWebhookDelivery(d))
}

func (s *server) setBalanceThresholds(w http.ResponseWriter, r *http.Request) error {
	var in wire.SetBalanceThresholdsRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	bin := billing.SetBalanceThresholdsInput{Customer: r.PathValue("id"), Wallet: r.PathValue("wallet"), Asset: in.Asset}
	for _, t := range in.Thresholds {
		ti := billing.ThresholdInput{Threshold: t.Threshold.Decimal}
		if t.RearmAt != nil {
			d := t.RearmAt.Decimal
			ti.RearmAt = &d
		}
		bin.Thresholds = append(bin.Thresholds, ti)
	}
	ts, err := s.svc.SetBalanceThresholds(r.Context(), bin)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(ts, wire.FromBalanceThreshold), false, ""))
}

func (s *server) listBalanceThresholds(w http.ResponseWriter, r *http.Request) error {
	q := newQuery(r, "asset")
	asset := q.str("asset")
	if q.err != nil {
		return q.err
	}
	if asset == "" {
		return badRequest("missing_parameter", "asset", "query parameter asset is required: the asset code of the balance, such as ?asset=USD")
	}
	ts, err := s.svc.ListBalanceThresholds(r.Context(), r.PathValue("id"), r.PathValue("wallet"), asset)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.NewList(wire.Map(ts, wire.FromBalanceThreshold), false, ""))
}
