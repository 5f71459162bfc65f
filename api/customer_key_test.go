package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

// TestCustomerKeys: created (secret once), listed (never the secret) and
// revoked through REST; the key itself is refused by every REST route with
// 403, saying it works only on the gateway.
func TestCustomerKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "ada"}, nil)

	var k struct {
		ID, Secret, Prefix, CustomerID string
		DailyCap                       string `json:"daily_cap"`
		DailyCapAsset                  string `json:"daily_cap_asset"`
		RateLimit                      int    `json:"rate_limit"`
	}
	e.must(t, http.StatusCreated, "POST", "/v1/customers/ada/keys", map[string]any{"name": "agent", "daily_cap": "5.00", "rate_limit": 3}, &k)
	if !strings.HasPrefix(k.Secret, "tg_cust_") || !strings.HasPrefix(k.Secret, k.Prefix) || k.DailyCap != "5" || k.DailyCapAsset != "USD" || k.RateLimit != 3 {
		t.Fatalf("created key = %+v; want a tg_cust_ secret, a 5 USD cap and 3/s", k)
	}
	t.Run("List", func(t *testing.T) {
		res := e.must(t, http.StatusOK, "GET", "/v1/customers/ada/keys", nil, nil)
		var l wire.List[map[string]any]
		res.decode(t, &l)
		if len(l.Data) != 1 || l.Data[0]["id"] != k.ID || strings.Contains(string(res.body), k.Secret) || l.Data[0]["secret"] != nil {
			t.Errorf("GET keys = %s; want the one key without its secret", res.body)
		}
	})
	t.Run("ErrRESTRefusesCustomerKey", func(t *testing.T) {
		for _, path := range []string{"/v1/customers/ada", "/v1/customers/ada/keys"} {
			res := e.do("GET", path, k.Secret, nil)
			b := e.wantError(t, res, http.StatusForbidden, "permission_error", "customer_key_not_allowed", "")
			if !strings.Contains(b.Message, "only on the metering gateway") {
				t.Errorf("GET %s with a customer key: message %q, want it to name the gateway", path, b.Message)
			}
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		e.wantError(t, e.do("POST", "/v1/customers/nobody/keys", e.key, map[string]any{}), http.StatusNotFound, "invalid_request_error", "not_found", "customer")
		e.wantError(t, e.do("POST", "/v1/customer_keys/ckey_nope/revoke", e.key, nil), http.StatusNotFound, "invalid_request_error", "not_found", "key")
	})
	t.Run("Revoke", func(t *testing.T) {
		var r struct {
			RevokedAt *string `json:"revoked_at"`
		}
		e.must(t, http.StatusOK, "POST", "/v1/customer_keys/"+k.ID+"/revoke", nil, &r)
		if r.RevokedAt == nil {
			t.Errorf("revoke = revoked_at null, want a time")
		}
		if _, _, err := e.svc.Accounts.AuthenticateCustomerKey(t.Context(), k.Secret); err == nil {
			t.Errorf("the revoked key still authenticates")
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		// The Idempotency-Key header is the key's idempotency key: a retry
		// answers 200 with the same key, without its secret (which is kept
		// nowhere, not in the store of responses either); another body 409.
		body := map[string]any{"name": "retried", "rate_limit": 2}
		var first, again struct {
			ID, Secret string
			Replayed   bool
		}
		res := e.must(t, http.StatusCreated, "POST", "/v1/customers/ada/keys", body, &first, "Idempotency-Key", "ada-retried")
		if !strings.HasPrefix(first.Secret, "tg_cust_") || first.Replayed {
			t.Fatalf("first create = %s; want the secret", res.body)
		}
		res = e.must(t, http.StatusOK, "POST", "/v1/customers/ada/keys", body, &again, "Idempotency-Key", "ada-retried")
		if again.ID != first.ID || again.Secret != "" || !again.Replayed || strings.Contains(string(res.body), first.Secret) {
			t.Errorf("retry = %s; want key %s replayed, without its secret", res.body, first.ID)
		}
		e.must(t, http.StatusOK, "POST", "/v1/customers/ada/keys", map[string]any{"name": "retried", "rate_limit": 2, "idempotency_key": "ada-retried"}, &again)
		if again.ID != first.ID {
			t.Errorf("retry with idempotency_key in the body = %s, want %s", again.ID, first.ID)
		}
		e.wantError(t, e.do("POST", "/v1/customers/ada/keys", e.key, map[string]any{"name": "other"}, "Idempotency-Key", "ada-retried"),
			http.StatusConflict, "conflict_error", "conflict", "idempotency_key")
	})
}
