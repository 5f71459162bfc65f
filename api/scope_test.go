package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// TestReadOnlyKey: a read_only key reads, runs the query POSTs, and gets 403
// from every route that writes, before the handler runs.
func TestReadOnlyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, ro, err := e.svc.Accounts.CreateScopedAPIKey(context.Background(), e.acct.ID, billing.ModeTest, billing.ScopeReadOnly, "reader")
	if err != nil {
		t.Fatalf("CreateScopedAPIKey = %v", err)
	}
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{
		"code": "chat", "event_type": "chat.completed",
		"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "field": "n", "unit_amount": "0.01"}},
	}, nil)

	t.Run("OK", func(t *testing.T) {
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/products", nil},
			{"GET", "/v1/customers", nil},
			{"POST", "/v1/products/chat/simulate", map[string]any{"data": map[string]any{"n": 3}}},
		} {
			if res := e.do(r.method, r.path, ro, r.body); res.status != http.StatusOK {
				t.Errorf("%s %s with a read_only key = %d %s, want 200", r.method, r.path, res.status, res.body)
			}
		}
	})
	t.Run("ErrReadOnlyKey", func(t *testing.T) {
		for _, r := range []struct {
			path string
			body any
		}{
			{"/v1/customers", map[string]any{"external_id": "u1"}},
			{"/v1/products/chat/archive", nil},
			{"/v1/adjustments", map[string]any{"customer": "u1", "kind": "gift", "asset": "USD", "amount": "5", "transaction_id": "t1"}},
			{"/v1/events", map[string]any{"id": "e1", "customer": "u1", "event_type": "chat.completed", "data": map[string]any{"n": 1}}},
		} {
			b := e.wantError(t, e.do("POST", r.path, ro, r.body), http.StatusForbidden, typePermission, codeReadOnlyKey, "")
			if !strings.Contains(b.Message, "read-only") || !strings.Contains(b.Message, "scope full") {
				t.Errorf("POST %s message = %q, want it to say the key is read-only and what to use", r.path, b.Message)
			}
		}
		var n int
		if err := e.svc.Pool().QueryRow(context.Background(), `SELECT count(*) FROM customers`).Scan(&n); err != nil || n != 0 {
			t.Errorf("customers after refused writes = %d (%v), want 0", n, err)
		}
	})
}

func TestRouteWrites(t *testing.T) {
	t.Parallel()
	for _, rt := range newServer(nil, nil, Options{}).table() {
		method, _, _ := strings.Cut(rt.pattern, " ")
		if rt.query && method != http.MethodPost {
			t.Errorf("%s is marked query, which only a POST needs", rt.pattern)
		}
	}
}
