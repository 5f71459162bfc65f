package api

import (
	"net/http"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

func TestCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("OK", func(t *testing.T) {
		var c, again, byID, byExt wire.Customer
		res := e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_1", "name": "Ada", "email": "ada@example.com", "metadata": map[string]string{"plan": "pro"}}, &c)
		if c.ExternalID != "user_1" || c.DefaultWalletID == "" || c.Livemode || c.Metadata["plan"] != "pro" {
			t.Errorf("created %+v", c)
		}
		if res.header.Get("Request-Id") == "" {
			t.Errorf("no Request-Id header")
		}
		// Idempotent on external_id: 200 with the existing customer, unchanged.
		e.must(t, http.StatusOK, "POST", "/v1/customers", map[string]any{"external_id": "user_1", "name": "Other"}, &again)
		if again.ID != c.ID || again.Name != "Ada" {
			t.Errorf("second create = %+v, want the existing %s", again, c.ID)
		}
		e.must(t, http.StatusOK, "GET", "/v1/customers/"+c.ID, nil, &byID)
		e.must(t, http.StatusOK, "GET", "/v1/customers/user_1", nil, &byExt)
		if byID.ID != c.ID || byExt.ID != c.ID {
			t.Errorf("get by id %s / external_id %s, want %s", byID.ID, byExt.ID, c.ID)
		}
	})

	t.Run("Update", func(t *testing.T) {
		var c wire.Customer
		e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_upd"}, nil)
		e.must(t, http.StatusOK, "POST", "/v1/customers/user_upd", map[string]any{"name": "Grace", "metadata": map[string]string{"team": "navy"}}, &c)
		if c.Name != "Grace" || c.Metadata["team"] != "navy" {
			t.Errorf("updated %+v", c)
		}
		e.wantError(t, e.do("POST", "/v1/customers/user_upd", e.key, map[string]any{"email": "not-an-email"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "email")
		e.wantError(t, e.do("POST", "/v1/customers/nobody", e.key, map[string]any{"name": "x"}), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
	})

	t.Run("ListPages", func(t *testing.T) {
		for _, ext := range []string{"page_a", "page_b", "page_c"} {
			e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": ext, "email": ext + "@pages.example"}, nil)
		}
		seen := map[string]bool{}
		next := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
			path := "/v1/customers?limit=2"
			if next != "" {
				if pages%2 == 0 {
					path += "&starting_after=" + next
				} else {
					path += "&cursor=" + next
				}
			}
			l := list[wire.Customer](t, e.must(t, http.StatusOK, "GET", path, nil, nil))
			for _, c := range l.Data {
				if seen[c.ID] {
					t.Fatalf("customer %s on two pages", c.ID)
				}
				seen[c.ID] = true
			}
			if !l.HasMore {
				break
			}
			next = *l.NextCursor
		}
		if len(seen) < 3 {
			t.Errorf("pages held %d customers, want at least 3", len(seen))
		}
		l := list[wire.Customer](t, e.must(t, http.StatusOK, "GET", "/v1/customers?email=page_b@pages.example", nil, nil))
		if len(l.Data) != 1 || l.Data[0].ExternalID != "page_b" {
			t.Errorf("email filter = %+v", l.Data)
		}
		e.wantError(t, e.do("GET", "/v1/customers?limit=abc", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "invalid_parameter", "limit")
		e.wantError(t, e.do("GET", "/v1/customers?limit=1000", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "limit")
		e.wantError(t, e.do("GET", "/v1/customers?emial=x", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "unknown_parameter", "emial")
		e.wantError(t, e.do("GET", "/v1/customers?created_after=yesterday", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "invalid_parameter", "created_after")
	})

	t.Run("Errors", func(t *testing.T) {
		e.wantError(t, e.do("GET", "/v1/customers/nobody", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"name": "no id"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "external_id")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, `{"external_id": "x",`), http.StatusBadRequest, typeInvalidRequest, "malformed_json", "")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, `{"external_id": "x"} {}`), http.StatusBadRequest, typeInvalidRequest, "malformed_json", "")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, `[]`), http.StatusBadRequest, typeInvalidRequest, "invalid_body", "")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, ``), http.StatusBadRequest, typeInvalidRequest, "invalid_body", "")
		b := e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "x", "emial": "a@b.c"}), http.StatusBadRequest, typeInvalidRequest, "unknown_field", "emial")
		if !contains(b.Message, "emial") {
			t.Errorf("message %q does not name the field", b.Message)
		}
		e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": 42}), http.StatusBadRequest, typeInvalidRequest, "invalid_field", "external_id")
		e.wantError(t, e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "x", "metadata": map[string]any{"n": 1}}), http.StatusBadRequest, typeInvalidRequest, "invalid_field", "metadata.n")
		e.wantError(t, e.do("DELETE", "/v1/customers/x", e.key, nil), http.StatusMethodNotAllowed, typeInvalidRequest, "method_not_allowed", "")
	})

	t.Run("Subscriptions", func(t *testing.T) {
		e := newEnv(t)
		f := e.setup(t)
		var sub wire.Subscription
		e.must(t, http.StatusOK, "POST", "/v1/customers/user_1/subscriptions", map[string]any{"product": "images"}, &sub)
		if sub.ProductID != f.product.ID || sub.Version != 1 || sub.EndedAt != nil {
			t.Errorf("subscription %+v", sub)
		}
		l := list[wire.Subscription](t, e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/subscriptions", nil, nil))
		if len(l.Data) != 1 || l.Data[0].ID != sub.ID {
			t.Errorf("subscriptions = %+v", l.Data)
		}
		e.wantError(t, e.do("POST", "/v1/customers/user_1/subscriptions", e.key, map[string]any{"product": "nope"}), http.StatusNotFound, typeInvalidRequest, "not_found", "product")
		e.wantError(t, e.do("POST", "/v1/customers/user_1/subscriptions", e.key, map[string]any{"product": "images", "version": 9}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "version")
		e.wantError(t, e.do("GET", "/v1/customers/nobody/subscriptions", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
	})
}
