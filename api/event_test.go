package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/wire"
)

func TestAuthorizations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)

	req := map[string]any{"idempotency_key": "auth-1", "customer": "user_1", "event_type": "image.generated"}
	var a, replay, got wire.Authorization
	e.must(t, http.StatusCreated, "POST", "/v1/authorizations", req, &a)
	if !a.Approved || a.Status != "active" || a.Amount.String() != "0.04" || a.Available.String() != "9.96" {
		t.Fatalf("authorization %+v, want 0.04 held", a)
	}
	e.must(t, http.StatusOK, "POST", "/v1/authorizations", req, &replay)
	if !replay.Replayed || replay.ID != a.ID {
		t.Errorf("replay %+v", replay)
	}
	req["event_type"] = "other.thing"
	e.wantError(t, e.do("POST", "/v1/authorizations", e.key, req), http.StatusConflict, typeConflict, "conflict", "")

	e.must(t, http.StatusOK, "GET", "/v1/authorizations/"+a.ID, nil, &got)
	if got.ID != a.ID || got.Status != "active" {
		t.Errorf("get %+v", got)
	}
	var voided wire.Authorization
	e.must(t, http.StatusOK, "POST", "/v1/authorizations/"+a.ID+"/void", nil, &voided)
	if voided.Status != "voided" || voided.SettledAt == nil {
		t.Errorf("voided %+v", voided)
	}

	// A decline is a decision: 200 with approved false, the reason and the shortfall.
	var declined wire.Authorization
	res := e.must(t, http.StatusOK, "POST", "/v1/authorizations", map[string]any{"idempotency_key": "auth-big", "customer": "user_1", "amount": "25.00", "asset": "USD"}, &declined)
	if declined.Approved || declined.Status != "declined" || declined.DeclineReason != "insufficient_funds" || declined.Shortfall.String() != "15" {
		t.Errorf("declined %+v, want shortfall 15", declined)
	}
	// The decline's fields are named as authorize_usage names them over MCP.
	var fields map[string]any
	if err := json.Unmarshal(res.body, &fields); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"approved": false, "decline_reason": "insufficient_funds", "amount": "25.00", "required": "25.00", "available": "10.00", "shortfall": "15.00"} {
		if fields[k] != want {
			t.Errorf("declined %s = %v, want %v (body %s)", k, fields[k], want, res.body)
		}
	}

	// ttl_seconds: 0 or absent is the default, 900 s; below 0 or above 86400 is a 422.
	for _, ttl := range []int{0, 60} {
		var held wire.Authorization
		e.must(t, http.StatusCreated, "POST", "/v1/authorizations", map[string]any{"idempotency_key": fmt.Sprintf("ttl-%d", ttl), "customer": "user_1", "amount": "0.01", "asset": "USD", "ttl_seconds": ttl}, &held)
		created, _ := time.Parse(time.RFC3339Nano, held.CreatedAt)
		expires, _ := time.Parse(time.RFC3339Nano, held.ExpiresAt)
		want := map[int]time.Duration{0: 900 * time.Second, 60: time.Minute}[ttl]
		if d := expires.Sub(created); d < want-time.Second || d > want+time.Second {
			t.Errorf("ttl_seconds %d: the hold lasts %v, want %v", ttl, d, want)
		}
	}
	for _, ttl := range []int{-1, 86401} {
		e.wantError(t, e.do("POST", "/v1/authorizations", e.key, map[string]any{"idempotency_key": fmt.Sprintf("ttl-%d", ttl), "customer": "user_1", "amount": "0.01", "asset": "USD", "ttl_seconds": ttl}),
			http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "ttl_seconds")
	}
	e.wantError(t, e.do("POST", "/v1/authorizations/"+declined.ID+"/void", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "authorization_id")
	e.wantError(t, e.do("GET", "/v1/authorizations/auth_nope", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "")
	e.wantError(t, e.do("POST", "/v1/authorizations/auth_nope/void", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "")
	e.wantError(t, e.do("POST", "/v1/authorizations", e.key, map[string]any{"idempotency_key": "x", "customer": "user_1"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "event_type")
	e.wantError(t, e.do("POST", "/v1/authorizations", e.key, map[string]any{"customer": "user_1", "amount": "1", "asset": "USD"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "idempotency_key")
	e.wantError(t, e.do("POST", "/v1/authorizations", e.key, map[string]any{"idempotency_key": "y", "customer": "nobody", "amount": "1", "asset": "USD"}), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
}

func TestEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)

	var a wire.Authorization
	e.must(t, http.StatusCreated, "POST", "/v1/authorizations", map[string]any{"idempotency_key": "auth-1", "customer": "user_1", "amount": "0.10", "asset": "USD"}, &a)
	ev := map[string]any{"id": "evt_1", "customer": "user_1", "event_type": "image.generated", "authorization_id": a.ID,
		"data": map[string]any{"size": "1024x1024", "n": 1}, "costs": []any{map[string]any{"vendor": "openai", "amount": "0.02", "currency": "USD"}}}
	var got, replay wire.Event
	e.must(t, http.StatusCreated, "POST", "/v1/events", ev, &got)
	if len(got.Fees) != 1 || got.Fees[0].Amount.String() != "0.04" || got.Settlement == nil || got.Settlement.Status != "captured" || got.Settlement.Released.String() != "0.06" {
		t.Fatalf("event %+v, want one 0.04 fee capturing the hold and releasing 0.06", got)
	}
	if len(got.Costs) != 1 || got.Data["size"] != "1024x1024" {
		t.Errorf("event data/costs %+v / %+v", got.Data, got.Costs)
	}
	e.must(t, http.StatusOK, "POST", "/v1/events", ev, &replay)
	if !replay.Replayed {
		t.Errorf("replay %+v", replay)
	}
	ev["data"] = map[string]any{"size": "512x512"}
	e.wantError(t, e.do("POST", "/v1/events", e.key, ev), http.StatusConflict, typeConflict, "conflict", "id")

	var w wire.Wallet
	e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &w)
	if w.Balances[0].Available.String() != "9.96" || w.Balances[0].Held.String() != "0" {
		t.Errorf("balance after capture %+v, want 9.96 available, nothing held", w.Balances[0])
	}

	var one wire.Event
	e.must(t, http.StatusOK, "GET", "/v1/events/evt_1", nil, &one)
	if one.ID != "evt_1" || len(one.Fees) != 1 {
		t.Errorf("get event %+v", one)
	}
	e.wantError(t, e.do("GET", "/v1/events/evt_nope", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "id")

	// A batch: each event stands alone.
	var batch wire.List[wire.BatchResult]
	e.must(t, http.StatusOK, "POST", "/v1/events/batch", map[string]any{"events": []any{
		map[string]any{"id": "evt_2", "customer": "user_1", "event_type": "image.generated"},
		map[string]any{"id": "evt_1", "customer": "user_1", "event_type": "image.generated", "authorization_id": a.ID,
			"data": map[string]any{"size": "1024x1024", "n": 1}, "costs": []any{map[string]any{"vendor": "openai", "amount": "0.02", "currency": "USD"}}},
		map[string]any{"id": "evt_3", "customer": "nobody", "event_type": "image.generated"},
		map[string]any{"id": "evt_4", "customer": "user_1", "event_type": "unknown.type"},
	}}, &batch)
	want := []string{"recorded", "replayed", "failed", "failed"}
	for i, r := range batch.Data {
		if r.Status != want[i] || r.Index != i {
			t.Errorf("batch[%d] = %+v, want %s", i, r, want[i])
		}
	}
	if r := batch.Data[2]; r.Error == nil || r.Error.Code != "not_found" || r.Error.Type != typeInvalidRequest {
		t.Errorf("batch[2].error = %+v", r.Error)
	}
	e.wantError(t, e.do("POST", "/v1/events/batch", e.key, map[string]any{"events": []any{}}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "events")
	e.wantError(t, e.do("POST", "/v1/events/batch", e.key, map[string]any{"events": []any{map[string]any{"id": "x", "customr": "u"}}}), http.StatusBadRequest, typeInvalidRequest, "unknown_field", "events[0].customr")

	all := list[wire.Event](t, e.must(t, http.StatusOK, "GET", "/v1/events", nil, nil))
	if len(all.Data) != 2 || all.Data[0].ID != "evt_2" {
		t.Errorf("events = %+v, want evt_2 then evt_1", all.Data)
	}
	page := list[wire.Event](t, e.must(t, http.StatusOK, "GET", "/v1/events?limit=1&customer=user_1&event_type=image.generated", nil, nil))
	if len(page.Data) != 1 || !page.HasMore {
		t.Fatalf("first page %+v", page)
	}
	next := list[wire.Event](t, e.must(t, http.StatusOK, "GET", "/v1/events?limit=1&customer=user_1&starting_after="+*page.NextCursor, nil, nil))
	if len(next.Data) != 1 || next.Data[0].ID != "evt_1" || next.HasMore {
		t.Errorf("second page %+v", next)
	}
	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if l := list[wire.Event](t, e.must(t, http.StatusOK, "GET", "/v1/events?occurred_after="+future, nil, nil)); len(l.Data) != 0 {
		t.Errorf("occurred_after in the future lists %d", len(l.Data))
	}
	if l := list[wire.Event](t, e.must(t, http.StatusOK, "GET", "/v1/events?occurred_before="+future, nil, nil)); len(l.Data) != 2 {
		t.Errorf("occurred_before in the future lists %d", len(l.Data))
	}
	e.wantError(t, e.do("GET", "/v1/events?customer=nobody", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
	e.wantError(t, e.do("GET", "/v1/events?cursor=garbage", e.key, nil), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "cursor")
	e.wantError(t, e.do("POST", "/v1/events", e.key, map[string]any{"customer": "user_1", "event_type": "image.generated"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "id")
	e.wantError(t, e.do("POST", "/v1/events", e.key, map[string]any{"id": "e", "customer": "user_1", "event_type": "image.generated", "occurred_at": "now"}), http.StatusBadRequest, typeInvalidRequest, "invalid_field", "occurred_at")
}

// TestRuntimeLoop is the README's walk-through: create a customer, top up,
// authorize, record with the authorization, read the wallet.
func TestRuntimeLoop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{"code": "images", "event_type": "image.generated",
		"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.04"}}}, nil)
	var c wire.Customer
	e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_123", "email": "ada@example.com"}, &c)
	e.must(t, http.StatusCreated, "POST", "/v1/adjustments", map[string]any{"kind": "top_up", "customer": "user_123", "asset": "USD", "amount": "10.00", "reason": "Stripe payment pi_123"}, nil, "Idempotency-Key", "topup-pi_123")
	var a wire.Authorization
	e.must(t, http.StatusCreated, "POST", "/v1/authorizations", map[string]any{"customer": "user_123", "event_type": "image.generated"}, &a, "Idempotency-Key", "authz-req-42")
	if !a.Approved {
		t.Fatalf("authorization declined: %+v", a)
	}
	e.must(t, http.StatusCreated, "POST", "/v1/events", map[string]any{"id": "req-42", "customer": "user_123", "event_type": "image.generated", "authorization_id": a.ID}, nil, "Idempotency-Key", "event-req-42")
	var w wire.Wallet
	e.must(t, http.StatusOK, "GET", "/v1/customers/user_123/wallets/default", nil, &w)
	if b := w.Balances[0]; b.Total.String() != "9.96" || b.Held.String() != "0" || b.Available.String() != "9.96" {
		t.Errorf("balance %+v, want 9.96 total and available", b)
	}
}
