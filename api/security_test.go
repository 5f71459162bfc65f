package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// victim is account A's data in test mode, made through the API.
type victim struct {
	customer wire.Customer
	product  wire.Product
	wallet   wire.Wallet
	auth     wire.Authorization
}

func (e *env) victim(t *testing.T) victim {
	t.Helper()
	f := e.setup(t)
	v := victim{customer: f.customer, product: f.product}
	e.must(t, http.StatusCreated, "POST", "/v1/assets", map[string]any{"code": "credits", "precision": 0}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/assets/credits/rates", map[string]any{"currency": "USD", "rate": "0.01"}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/vendors", map[string]any{"code": "openai"}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/events", map[string]any{"id": "evt_a", "customer": "user_1", "event_type": "image.generated"}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/authorizations", map[string]any{"idempotency_key": "auth-a", "customer": "user_1", "amount": "1.00", "asset": "USD"}, &v.auth)
	e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &v.wallet)
	return v
}

// snapshot reads, as A, everything an intruder might try to change.
func (e *env) snapshot(t *testing.T, v victim) string {
	t.Helper()
	var parts []string
	for _, path := range []string{
		"/v1/customers/" + v.customer.ID,
		"/v1/customers/user_1/subscriptions",
		"/v1/customers/user_1/wallets",
		"/v1/customers/user_1/wallets/default/transactions?limit=100",
		"/v1/products/" + v.product.ID,
		"/v1/products?include_archived=true",
		"/v1/assets/credits",
		"/v1/vendors",
		"/v1/authorizations/" + v.auth.ID,
		"/v1/events?limit=100",
		"/v1/customers?limit=100",
	} {
		res := e.must(t, http.StatusOK, "GET", path, nil, nil)
		parts = append(parts, path+" "+string(res.body))
	}
	return strings.Join(parts, "\n")
}

// TestIsolation: a key of another account, and a test key of the same
// account against live data (and the reverse), can neither read nor change
// anything, on every read and write path.
func TestIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.victim(t)
	before := e.snapshot(t, v)

	intruders := map[string]string{
		"OtherAccount": e.newKey(t, "", billing.ModeTest),
		"LiveKey":      e.newKey(t, e.acct.ID, billing.ModeLive),
	}
	for name, key := range intruders {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct{ method, path string }{
				{"GET", "/v1/customers/" + v.customer.ID},
				{"GET", "/v1/customers/user_1"},
				{"GET", "/v1/customers/user_1/subscriptions"},
				{"GET", "/v1/customers/user_1/wallets"},
				{"GET", "/v1/customers/user_1/wallets/default"},
				{"GET", "/v1/customers/" + v.customer.ID + "/wallets/" + v.wallet.ID},
				{"GET", "/v1/customers/user_1/wallets/default/transactions"},
				{"GET", "/v1/products/" + v.product.ID},
				{"GET", "/v1/products/images"},
				{"GET", "/v1/assets/credits"},
				{"GET", "/v1/assets/credits/rates"},
				{"GET", "/v1/assets/credits/quote?asset_amount=1"},
				{"GET", "/v1/authorizations/" + v.auth.ID},
				{"GET", "/v1/events/evt_a"},
				{"GET", "/v1/events?customer=user_1"},
			} {
				if res := e.do(c.method, c.path, key, nil); res.status != http.StatusNotFound {
					t.Errorf("%s %s = %d %s, want 404", c.method, c.path, res.status, res.body)
				}
			}
			for _, path := range []string{"/v1/customers", "/v1/products?include_archived=true", "/v1/vendors", "/v1/events", "/v1/assets"} {
				res := e.do("GET", path, key, nil)
				for _, secret := range []string{v.customer.ID, v.product.ID, "evt_a", "openai", `"credits"`} {
					if res.status != http.StatusOK || strings.Contains(string(res.body), secret) {
						t.Errorf("GET %s = %d, shows %s of another scope: %s", path, res.status, secret, res.body)
					}
				}
			}
			for _, c := range []struct {
				path string
				body any
			}{
				{"/v1/customers/user_1", map[string]any{"name": "pwned"}},
				{"/v1/customers/" + v.customer.ID, map[string]any{"name": "pwned"}},
				{"/v1/customers/user_1/subscriptions", map[string]any{"product": "images"}},
				{"/v1/customers/user_1/wallets", map[string]any{"name": "stolen"}},
				{"/v1/customers/user_1/wallets/default/credit_limit", map[string]any{"asset": "USD", "credit_limit": "1000"}},
				{"/v1/products/images/versions", map[string]any{"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0"}}}},
				{"/v1/products/" + v.product.ID + "/archive", nil},
				{"/v1/products/images/simulate", map[string]any{}},
				{"/v1/assets/credits/rates", map[string]any{"currency": "USD", "rate": "100"}},
				{"/v1/adjustments", map[string]any{"transaction_id": "x", "kind": "charge", "customer": "user_1", "asset": "USD", "amount": "5"}},
				{"/v1/adjustments", map[string]any{"transaction_id": "y", "kind": "gift", "customer": v.customer.ID, "wallet": v.wallet.ID, "asset": "USD", "amount": "5"}},
				{"/v1/authorizations", map[string]any{"idempotency_key": "z", "customer": "user_1", "amount": "1", "asset": "USD"}},
				{"/v1/authorizations/" + v.auth.ID + "/void", nil},
				{"/v1/events", map[string]any{"id": "evt_x", "customer": "user_1", "event_type": "image.generated"}},
			} {
				if res := e.do("POST", c.path, key, c.body); res.status != http.StatusNotFound {
					t.Errorf("POST %s = %d %s, want 404", c.path, res.status, res.body)
				}
			}
			var batch wire.List[wire.BatchResult]
			res := e.do("POST", "/v1/events/batch", key, map[string]any{"events": []any{map[string]any{"id": "evt_y", "customer": "user_1", "event_type": "image.generated"}}})
			res.decode(t, &batch)
			if res.status != http.StatusOK || batch.Data[0].Error == nil || batch.Data[0].Error.Code != "not_found" {
				t.Errorf("batch into another scope = %d %s, want its event not_found", res.status, res.body)
			}
			// Creating with the same natural keys makes the intruder's own, separate resources.
			var c wire.Customer
			res = e.do("POST", "/v1/customers", key, map[string]any{"external_id": "user_1", "name": "pwned"})
			res.decode(t, &c)
			if res.status != http.StatusCreated || c.ID == v.customer.ID {
				t.Errorf("POST /v1/customers user_1 = %d %s, want a new customer of its own", res.status, res.body)
			}
			for path, body := range map[string]any{
				"/v1/products": map[string]any{"code": "images", "event_type": "image.generated", "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "9"}}},
				"/v1/assets":   map[string]any{"code": "credits", "precision": 4},
				"/v1/vendors":  map[string]any{"code": "openai", "name": "pwned"},
			} {
				if res := e.do("POST", path, key, body); res.status != http.StatusCreated {
					t.Errorf("POST %s = %d %s, want 201 in its own scope", path, res.status, res.body)
				}
			}
			// Another scope's authorization cannot be captured from there either.
			res = e.do("POST", "/v1/events", key, map[string]any{"id": "evt_z", "customer": "user_1", "event_type": "image.generated", "authorization_id": v.auth.ID})
			if res.status != http.StatusNotFound {
				t.Errorf("capturing another scope's authorization = %d %s, want 404", res.status, res.body)
			}
			// The same Idempotency-Key in two scopes names two requests.
			body := map[string]any{"external_id": "idem-shared"}
			a := e.do("POST", "/v1/customers", e.key, body, "Idempotency-Key", "shared-"+name)
			b := e.do("POST", "/v1/customers", key, body, "Idempotency-Key", "shared-"+name)
			var ca, cb wire.Customer
			a.decode(t, &ca)
			b.decode(t, &cb)
			if b.header.Get("Idempotent-Replayed") != "" || ca.ID == cb.ID || cb.Livemode != (name == "LiveKey") {
				t.Errorf("Idempotency-Key shared across scopes: %s then %s (replayed %q)", a.body, b.body, b.header.Get("Idempotent-Replayed"))
			}
		})
	}
	if after := e.snapshot(t, v); stripShared(before) != stripShared(after) {
		t.Errorf("account A's data changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// stripShared drops the customers the isolation test itself made as A (the
// idem-shared ones), so the snapshots compare only what intruders touched.
func stripShared(snapshot string) string {
	lines := strings.Split(snapshot, "\n")
	for i, l := range lines {
		path, body, _ := strings.Cut(l, " ")
		if !strings.HasPrefix(path, "/v1/customers?") {
			continue
		}
		var page wire.List[json.RawMessage]
		if json.Unmarshal([]byte(body), &page) != nil {
			continue
		}
		kept := page.Data[:0]
		for _, c := range page.Data {
			if !strings.Contains(string(c), "idem-shared") {
				kept = append(kept, c)
			}
		}
		page.Data = kept
		b, _ := json.Marshal(page)
		lines[i] = path + " " + string(b)
	}
	return strings.Join(lines, "\n")
}
