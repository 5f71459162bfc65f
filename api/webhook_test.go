package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
)

func TestWebhookEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	e.server.opts.Webhooks = webhooks.New(e.svc.Pool(), e.svc, webhooks.Options{Render: wire.WebhookData(e.svc)})

	var ep wire.WebhookEndpoint
	e.must(t, http.StatusCreated, "POST", "/v1/webhook_endpoints", map[string]any{"url": "http://127.0.0.1:9/hooks", "event_types": []string{"balance.depleted"}}, &ep)
	if !strings.HasPrefix(ep.Secret, "whsec_") || ep.SecretLast4 != ep.Secret[len(ep.Secret)-4:] || ep.Livemode {
		t.Fatalf("created %+v, want a whsec_ secret shown once", ep)
	}
	// idempotency_key in the body: a retry answers 200 with the same endpoint.
	keyed := map[string]any{"url": "http://127.0.0.1:9/keyed", "idempotency_key": "ep-keyed"}
	var k1, k2 wire.WebhookEndpoint
	e.must(t, http.StatusCreated, "POST", "/v1/webhook_endpoints", keyed, &k1)
	e.must(t, http.StatusOK, "POST", "/v1/webhook_endpoints", keyed, &k2)
	if k2.ID != k1.ID || k2.Secret != k1.Secret {
		t.Errorf("replayed create = %+v, want %s with its secret", k2, k1.ID)
	}
	keyed["url"] = "http://127.0.0.1:9/other"
	e.wantError(t, e.do("POST", "/v1/webhook_endpoints", e.key, keyed), http.StatusConflict, typeConflict, "conflict", "")
	e.must(t, http.StatusOK, "POST", "/v1/webhook_endpoints/"+k1.ID, map[string]any{"enabled": false}, nil)
	eps := list[wire.WebhookEndpoint](t, e.must(t, http.StatusOK, "GET", "/v1/webhook_endpoints", nil, nil))
	if len(eps.Data) != 2 {
		t.Fatalf("listed %d endpoints, want 2", len(eps.Data))
	}
	eps.Data = eps.Data[:1]
	if len(eps.Data) != 1 || eps.Data[0].Secret != "" || eps.Data[0].SecretLast4 != ep.SecretLast4 {
		t.Errorf("listed %+v, want the endpoint without its secret", eps.Data)
	}
	var upd wire.WebhookEndpoint
	e.must(t, http.StatusOK, "POST", "/v1/webhook_endpoints/"+ep.ID, map[string]any{"enabled": false, "rotate_secret": true}, &upd)
	if upd.Enabled || upd.Secret == "" || upd.Secret == ep.Secret || upd.PreviousSecretExpiresAt == nil {
		t.Errorf("updated %+v, want disabled with a new secret and an overlap", upd)
	}
	e.wantError(t, e.do("POST", "/v1/webhook_endpoints/"+ep.ID+"/test", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "endpoint_id")
	e.must(t, http.StatusOK, "POST", "/v1/webhook_endpoints/"+ep.ID, map[string]any{"enabled": true}, &upd)
	var d wire.WebhookDelivery
	e.must(t, http.StatusCreated, "POST", "/v1/webhook_endpoints/"+ep.ID+"/test", nil, &d)
	ds := list[wire.WebhookDelivery](t, e.must(t, http.StatusOK, "GET", "/v1/webhook_endpoints/"+ep.ID+"/deliveries", nil, nil))
	if len(ds.Data) != 1 || ds.Data[0].EventType != webhooks.TestEventType {
		t.Errorf("deliveries = %+v", ds.Data)
	}
	e.must(t, http.StatusOK, "POST", "/v1/webhook_deliveries/"+d.ID+"/retry", nil, nil)

	res := e.must(t, http.StatusOK, "POST", "/v1/customers/user_1/wallets/default/thresholds",
		map[string]any{"asset": "USD", "thresholds": []map[string]any{{"threshold": "5.00"}, {"threshold": "2", "rearm_at": "3"}}}, nil)
	ts := list[wire.BalanceThreshold](t, res)
	if len(ts.Data) != 2 || !ts.Data[0].Armed || !strings.Contains(string(res.body), `"threshold":"5.00","rearm_at":"5.50"`) {
		t.Errorf("thresholds = %s, want 5.00 (re-arm 5.50) and 2.00", res.body)
	}
	got := list[wire.BalanceThreshold](t, e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default/thresholds?asset=USD", nil, nil))
	if len(got.Data) != 2 || got.Data[0].Threshold.String() != "5" || got.Data[1].Threshold.String() != "2" {
		t.Errorf("GET thresholds = %+v, want 5.00 and 2.00", got.Data)
	}
	e.wantError(t, e.do("GET", "/v1/customers/user_1/wallets/default/thresholds", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "missing_parameter", "asset")

	// A POST with an Idempotency-Key replays; the key with another body is a conflict.
	rot := map[string]any{"rotate_secret": true}
	first := e.must(t, http.StatusOK, "POST", "/v1/webhook_endpoints/"+ep.ID, rot, nil, "Idempotency-Key", "rotate-1")
	again := e.must(t, http.StatusOK, "POST", "/v1/webhook_endpoints/"+ep.ID, rot, nil, "Idempotency-Key", "rotate-1")
	if string(first.body) != string(again.body) {
		t.Errorf("replayed rotation = %s, want the first answer %s (one rotation)", again.body, first.body)
	}
	e.wantError(t, e.do("POST", "/v1/webhook_endpoints/"+ep.ID, e.key, map[string]any{"enabled": false}, "Idempotency-Key", "rotate-1"),
		http.StatusConflict, typeIdempotency, "idempotency_key_reused", "Idempotency-Key")

	live := e.newKey(t, e.acct.ID, billing.ModeLive)
	for _, u := range []string{"https://169.254.169.254/latest/meta-data", "https://10.0.0.1/hooks", "http://example.com/hooks"} {
		body := e.wantError(t, e.do("POST", "/v1/webhook_endpoints", live, map[string]any{"url": u}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "url")
		if strings.Contains(body.Message, "whsec_") {
			t.Errorf("error shows a secret: %s", body.Message)
		}
	}
	if strings.Contains(e.logs.String(), ep.Secret) || strings.Contains(e.logs.String(), upd.Secret) {
		t.Errorf("a secret reached the logs")
	}
}
