package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/wire"
)

// TestSubCentPricesOverREST is the precision issue's check, as a new user
// would try it: a 0.0006 USD price recorded 10,000 times in batches takes
// exactly 6.00 USD; a 0.0035 USD estimate holds 0.0035.
func TestSubCentPricesOverREST(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{
		"code": "embeddings", "event_type": "embedding.created",
		"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.0006"}},
	}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{
		"code": "search", "event_type": "search.run",
		"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.0035"}},
	}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_1"}, nil)
	e.must(t, http.StatusCreated, "POST", "/v1/adjustments", map[string]any{
		"transaction_id": "topup-1", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "10.00"}, nil)

	for b := range 100 {
		events := make([]any, 100)
		for i := range events {
			events[i] = map[string]any{"id": fmt.Sprintf("emb-%d-%d", b, i), "customer": "user_1", "event_type": "embedding.created"}
		}
		var res wire.List[wire.BatchResult]
		e.must(t, http.StatusOK, "POST", "/v1/events/batch", map[string]any{"events": events}, &res)
		for _, r := range res.Data {
			if r.Status != "recorded" || r.Event.Fees[0].Amount.String() != "0.0006" {
				t.Fatalf("batch %d: %+v, want recorded with a 0.0006 fee", b, r)
			}
		}
	}
	if got := e.balanceJSON(t); got.Total != `"4.00"` || got.Available != `"4.00"` {
		t.Errorf("after 10,000 × 0.0006 USD from 10.00: total %s, available %s; want \"4.00\"", got.Total, got.Available)
	}

	var a wire.Authorization
	e.must(t, http.StatusCreated, "POST", "/v1/authorizations", map[string]any{
		"idempotency_key": "search-1", "customer": "user_1", "event_type": "search.run"}, &a)
	if !a.Approved || a.Amount.String() != "0.0035" {
		t.Fatalf("authorization %+v, want 0.0035 USD held", a)
	}
	if got := e.balanceJSON(t); got.Held != `"0.0035"` || got.Available != `"3.9965"` {
		t.Errorf("after a 0.0035 hold: held %s, available %s; want \"0.0035\", \"3.9965\"", got.Held, got.Available)
	}
}

// balanceJSON returns user_1's USD balance fields as sent on the wire.
func (e *env) balanceJSON(t *testing.T) struct{ Total, Held, Available string } {
	t.Helper()
	res := e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, nil)
	var w struct {
		Balances []map[string]json.RawMessage `json:"balances"`
	}
	if err := json.Unmarshal(res.body, &w); err != nil || len(w.Balances) != 1 {
		t.Fatalf("wallet %s: %v", res.body, err)
	}
	b := w.Balances[0]
	return struct{ Total, Held, Available string }{string(b["total"]), string(b["held"]), string(b["available"])}
}

// TestAmountBounds: amounts and quantities beyond the documented bounds are
// a 422 naming the field and the limit, and nothing is written.
func TestAmountBounds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{
		"code": "tokens", "event_type": "chat.completed",
		"prices": []any{map[string]any{"model": "per_volume", "asset": "USD", "field": "tokens", "block_size": "1000000", "block_amount": "2.50"}},
	}, nil)
	before := e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, nil).body

	for _, tc := range []struct {
		amount any
		want   string
	}{
		{"1e400", "at most 15 digits before the decimal point"},
		{json.Number("1e400"), "at most 15 digits before the decimal point"},
		{"-0", "negative zero"},
		{"NaN", "not a decimal number"},
		{"0.0000000000000000001", "18 after"},
		{"1234567890123456789012345678901234567890", "at most 15 digits"},
	} {
		body := e.wantError(t, e.do("POST", "/v1/adjustments", e.key, map[string]any{
			"transaction_id": "gift-big", "kind": "gift", "customer": "user_1", "asset": "USD", "amount": tc.amount}),
			http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "amount")
		if !strings.Contains(body.Message, tc.want) || !strings.HasPrefix(body.Message, "amount") {
			t.Errorf("gift of %v: message %q, want it to name amount and say %q", tc.amount, body.Message, tc.want)
		}
	}
	body := e.wantError(t, e.do("POST", "/v1/events", e.key, map[string]any{
		"id": "huge", "customer": "user_1", "event_type": "chat.completed",
		"data": map[string]any{"tokens": json.Number("1234567890123456789012345678901234567890")}}),
		http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "data.tokens")
	if !strings.Contains(body.Message, "15 digits before") {
		t.Errorf("40-digit quantity: message %q, want the limit", body.Message)
	}
	e.wantError(t, e.do("POST", "/v1/authorizations", e.key, map[string]any{
		"idempotency_key": "big", "customer": "user_1", "amount": "1e400", "asset": "USD"}),
		http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "amount")

	if after := e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, nil).body; string(after) != string(before) {
		t.Errorf("refused requests changed the wallet:\nbefore %s\nafter  %s", before, after)
	}
	if l := list[wire.Event](t, e.must(t, http.StatusOK, "GET", "/v1/events", nil, nil)); len(l.Data) != 0 {
		t.Errorf("a refused event was recorded: %+v", l.Data)
	}
}

// TestReplayComparesValues: a retry that spells a number differently is the
// same payload and replays; a different value is a conflict.
func TestReplayComparesValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{
		"code": "gpu", "event_type": "gpu.used",
		"prices": []any{map[string]any{"model": "per_volume", "asset": "USD", "field": "hours", "block_size": "1", "block_amount": "2"}},
	}, nil)
	at := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	ev := func(hours any) map[string]any {
		return map[string]any{"id": "gpu-1", "customer": "user_1", "event_type": "gpu.used", "occurred_at": at,
			"data": map[string]any{"hours": hours}}
	}
	var first, again, str wire.Event
	e.must(t, http.StatusCreated, "POST", "/v1/events", ev(json.Number("0.1")), &first)
	e.must(t, http.StatusOK, "POST", "/v1/events", ev(json.Number("0.10")), &again)
	if !again.Replayed || first.Fees[0].Amount.String() != "0.2" {
		t.Errorf("0.10 after 0.1: replayed %v, fee %s; want a replay of the 0.2 fee", again.Replayed, first.Fees[0].Amount)
	}
	e.must(t, http.StatusOK, "POST", "/v1/events", ev(json.Number("1e-1")), &str)
	if !str.Replayed {
		t.Errorf("1e-1 after 0.1 was not a replay")
	}
	e.wantError(t, e.do("POST", "/v1/events", e.key, ev(json.Number("0.11"))), http.StatusConflict, typeConflict, "conflict", "id")
}
