package tools

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// usageEnv has a product image-generation at 0.04 USD per image and a
// customer user_1 subscribed to it with 1.00 USD available.
func usageEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, billing.ModeTest)
	e.ok("create_product_price", imageProduct())
	e.ok("create_customer", map[string]any{"external_id": "user_1", "subscriptions": []any{map[string]any{"product": "image-generation"}}})
	e.ok("create_adjustment", map[string]any{"transaction_id": "fund-1", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "1.00"})
	return e
}

func TestAuthorizeAndRecord(t *testing.T) {
	t.Parallel()
	e := usageEnv(t)

	a := e.ok("authorize_usage", map[string]any{"idempotency_key": "req-1-auth", "customer": "user_1", "event_type": "image.generated"})
	authID, _ := a["id"].(string)
	if a["approved"] != true || a["status"] != "active" || a["amount"] != "0.04" || a["required"] != "0.04" || a["available"] != "0.96" || a["shortfall"] != "0.00" || !strings.HasPrefix(authID, "auth_") {
		t.Fatalf("authorize_usage = %v", a)
	}
	wantContains(t, "next_steps", mustJSON(a["next_steps"]), "record_usage", authID, "void_authorization")
	if w := e.ok("get_wallet", map[string]any{"customer": "user_1"}); get(w, "wallet", "balances", 0, "held") != "0.04" {
		t.Errorf("get_wallet after authorizing: %v, want 0.04 held", get(w, "wallet", "balances", 0))
	}

	ev := map[string]any{"id": "req-1", "customer": "user_1", "event_type": "image.generated", "data": map[string]any{"size": "1024x1024"}, "authorization_id": authID}
	var feeID string
	t.Run("Record", func(t *testing.T) {
		r := e.ok("record_usage", ev)
		res := get(r, "results", 0)
		feeID, _ = get(res, "event", "fees", 0, "id").(string)
		if get(res, "status") != "recorded" || get(res, "event", "fees", 0, "amount") != "0.04" || get(res, "event", "replayed") != false ||
			get(res, "event", "settlement", "status") != "captured" || get(res, "event", "settlement", "captured") != "0.04" || get(res, "event", "settlement", "released") != "0.00" ||
			r["recorded"] != float64(1) || get(r, "charged", "USD") != "0.04" {
			t.Errorf("record_usage = %v", r)
		}
		wantContains(t, "summary", r["summary"].(string), "Recorded 1 event, charged 0.04 USD", "captured 0.04")
		w := e.ok("get_wallet", map[string]any{"customer": "user_1"})
		if b := get(w, "wallet", "balances", 0); get(b, "total") != "0.96" || get(b, "held") != "0.00" || get(b, "available") != "0.96" {
			t.Errorf("get_wallet after recording = %v, want total 0.96, nothing held", b)
		}
	})
	t.Run("Replay", func(t *testing.T) {
		r := e.ok("record_usage", ev)
		res := get(r, "results", 0)
		if get(res, "status") != "replayed" || get(res, "event", "replayed") != true || get(res, "event", "fees", 0, "id") != feeID || r["replayed"] != float64(1) || len(r["charged"].(map[string]any)) != 0 {
			t.Errorf("replayed record_usage = %v, want the original fee %s and nothing charged", r, feeID)
		}
		wantContains(t, "summary", r["summary"].(string), "Replayed", "nothing was charged again")
		if w := e.ok("get_wallet", map[string]any{"customer": "user_1"}); get(w, "wallet", "balances", 0, "available") != "0.96" {
			t.Errorf("get_wallet after a replay = %v, want 0.96", get(w, "wallet", "balances", 0))
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		conflicting := map[string]any{"id": "req-1", "customer": "user_1", "event_type": "image.generated", "data": map[string]any{"size": "512x512"}, "authorization_id": authID}
		wantContains(t, "error", e.fail("record_usage", conflicting), `event id "req-1" was already recorded with a different payload`, "new id")
	})
	t.Run("GetEvent", func(t *testing.T) {
		r := e.ok("get_event", map[string]any{"id": "req-1"})
		if get(r, "event", "fees", 0, "id") != feeID || get(r, "event", "authorization_id") != authID || get(r, "event", "data", "size") != "1024x1024" {
			t.Errorf("get_event = %v", r)
		}
		wantContains(t, "error", e.fail("get_event", map[string]any{"id": "req-9"}), `event "req-9" not found`, "list_events")
	})
	t.Run("ErrVoidCaptured", func(t *testing.T) {
		wantContains(t, "error", e.fail("void_authorization", map[string]any{"authorization_id": authID}), "already captured")
	})
}

func TestAuthorizeDeclines(t *testing.T) {
	t.Parallel()
	e := usageEnv(t)

	args := map[string]any{"idempotency_key": "big-1", "customer": "user_1", "amount": "5.00", "asset": "USD"}
	r := e.ok("authorize_usage", args)
	if r["approved"] != false || r["status"] != "declined" || r["decline_reason"] != "insufficient_funds" ||
		r["required"] != "5.00" || r["available"] != "1.00" || r["shortfall"] != "4.00" {
		t.Errorf("authorize_usage beyond the balance = %v, want a decline with shortfall 4", r)
	}
	steps := mustJSON(r["next_steps"])
	wantContains(t, "next_steps", steps, "do not run the work", "top_up", "4.00 USD", "new idempotency_key")
	if r = e.ok("authorize_usage", args); r["replayed"] != true || r["approved"] != false {
		t.Errorf("authorize_usage replayed = %v, want the stored decline", r)
	}

	t.Run("NoSubscription", func(t *testing.T) {
		r := e.ok("authorize_usage", map[string]any{"idempotency_key": "x-1", "customer": "user_1", "event_type": "video.rendered"})
		if r["approved"] != false || r["decline_reason"] != "no_subscription" {
			t.Errorf("authorize_usage for an unpriced event type = %v", r)
		}
		wantContains(t, "next_steps", mustJSON(r["next_steps"]), "subscribe_customer")
	})
	t.Run("ErrConflict", func(t *testing.T) {
		wantContains(t, "error", e.fail("authorize_usage", map[string]any{"idempotency_key": "big-1", "customer": "user_1", "amount": "6.00", "asset": "USD"}), `idempotency_key "big-1" was already used`)
	})
	t.Run("ErrUnknownAsset", func(t *testing.T) {
		wantContains(t, "error", e.fail("authorize_usage", map[string]any{"idempotency_key": "a-2", "customer": "user_1", "amount": "1", "asset": "credits"}),
			`asset "credits" not found`, "existing assets: ", "USD", "create_asset")
	})
	t.Run("ErrEitherOr", func(t *testing.T) {
		wantContains(t, "error", e.fail("authorize_usage", map[string]any{"idempotency_key": "a-3", "customer": "user_1"}), "either event_type", "or amount with asset")
	})
	t.Run("ErrMissingKey", func(t *testing.T) {
		wantContains(t, "error", e.fail("authorize_usage", map[string]any{"customer": "user_1", "amount": "1", "asset": "USD"}), "idempotency_key is required")
	})
	t.Run("Void", func(t *testing.T) {
		r := e.ok("authorize_usage", map[string]any{"idempotency_key": "v-1", "customer": "user_1", "amount": "0.30", "asset": "USD", "ttl_seconds": 60})
		id := r["id"].(string)
		if r["available"] != "0.70" {
			t.Errorf("authorize_usage(0.30) = %v", r)
		}
		for range 2 {
			r = e.ok("void_authorization", map[string]any{"authorization_id": id})
			if r["status"] != "voided" || r["settled_at"] == nil {
				t.Errorf("void_authorization = %v", r)
			}
		}
		if w := e.ok("get_wallet", map[string]any{"customer": "user_1"}); get(w, "wallet", "balances", 0, "available") != "1.00" {
			t.Errorf("available after the void = %v, want 1", get(w, "wallet", "balances", 0))
		}
		wantContains(t, "error", e.fail("void_authorization", map[string]any{"authorization_id": "auth_nope"}), `authorization "auth_nope" not found`)
	})
}

func TestRecordUsageBatch(t *testing.T) {
	t.Parallel()
	e := usageEnv(t)
	e.ok("record_usage", map[string]any{"id": "e-1", "customer": "user_1", "event_type": "image.generated"})

	r := e.ok("record_usage", map[string]any{"events": []any{
		map[string]any{"id": "e-1", "customer": "user_1", "event_type": "image.generated"},
		map[string]any{"id": "e-2", "customer": "nobody", "event_type": "image.generated"},
		map[string]any{"id": "e-3", "customer": "user_1", "event_type": "image.generated"},
	}})
	results := r["results"].([]any)
	if len(results) != 3 || get(results[0], "status") != "replayed" || get(results[1], "status") != "failed" || get(results[2], "status") != "recorded" ||
		get(results[1], "event") != nil || get(results[2], "index") != float64(2) || get(results[2], "event", "fees", 0, "amount") != "0.04" {
		t.Fatalf("record_usage batch = %v", results)
	}
	wantContains(t, "results[1].error", get(results[1], "error").(string), `customer "nobody" not found`)
	if r["recorded"] != float64(1) || r["replayed"] != float64(1) || r["failed"] != float64(1) || get(r, "charged", "USD") != "0.04" {
		t.Errorf("record_usage batch counts = %v", r)
	}
	wantContains(t, "summary", r["summary"].(string), "Recorded 1 event, charged 0.04 USD", "1 event already recorded", "1 event failed")
	if w := e.ok("get_wallet", map[string]any{"customer": "user_1"}); get(w, "wallet", "balances", 0, "available") != "0.92" {
		t.Errorf("available after two events = %v, want 0.92", get(w, "wallet", "balances", 0))
	}

	t.Run("ErrBoth", func(t *testing.T) {
		msg := e.fail("record_usage", map[string]any{"id": "e-4", "events": []any{map[string]any{"id": "e-5", "customer": "user_1", "event_type": "image.generated"}}})
		wantContains(t, "error", msg, "not both")
	})
	t.Run("ErrNeither", func(t *testing.T) {
		wantContains(t, "error", e.fail("record_usage", map[string]any{}), "send one event", "or a batch in events")
	})
	t.Run("ErrEmptyBatch", func(t *testing.T) {
		wantContains(t, "error", e.fail("record_usage", map[string]any{"events": []any{}}), "a batch holds 1 to 1000 events")
	})
	t.Run("ErrEventField", func(t *testing.T) {
		msg := e.fail("record_usage", map[string]any{"events": []any{map[string]any{"id": "e-6", "customer": "user_1", "type": "image.generated"}}})
		wantContains(t, "error", msg, `events[0] has no field "type"`)
	})
	t.Run("ErrUnknownEventType", func(t *testing.T) {
		msg := e.fail("record_usage", map[string]any{"id": "e-7", "customer": "user_1", "event_type": "video.rendered"})
		wantContains(t, "error", msg, `no product has event_type "video.rendered"`, "create_product_price")
	})
	t.Run("List", func(t *testing.T) {
		r := e.ok("list_events", map[string]any{"customer": "user_1", "limit": 1})
		if n := len(r["data"].([]any)); n != 1 || r["has_more"] != true || get(r, "data", 0, "id") != "e-3" {
			t.Fatalf("list_events(limit 1) = %v", r)
		}
		r = e.ok("list_events", map[string]any{"customer": "user_1", "cursor": r["next_cursor"]})
		if n := len(r["data"].([]any)); n != 1 || get(r, "data", 0, "id") != "e-1" || r["has_more"] != false {
			t.Errorf("list_events page 2 = %v", r)
		}
		if r = e.ok("list_events", map[string]any{"event_type": "chat.completed"}); len(r["data"].([]any)) != 0 {
			t.Errorf("list_events(chat.completed) = %v, want none", r)
		}
		wantContains(t, "error", e.fail("list_events", map[string]any{"limit": 101}), "limit must be between 1 and 100")
	})
}

// TestUsageNumbersAreExact: event data numbers reach the rating engine as
// written (a float64 would be refused: 1500.5 tokens is not an integer).
func TestUsageNumbersAreExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)
	e.ok("create_asset", map[string]any{"code": "micro", "precision": 6})
	e.ok("create_product_price", map[string]any{"code": "tokens", "event_type": "llm.call", "prices": []any{
		map[string]any{"model": "per_volume", "asset": "micro", "field": "total_tokens", "block_size": "1000", "block_amount": "1"},
	}})
	e.ok("create_customer", map[string]any{"external_id": "user_1"})
	e.ok("create_adjustment", map[string]any{"transaction_id": "g-1", "kind": "gift", "customer": "user_1", "asset": "micro", "amount": "100"})

	r := e.ok("record_usage", json.RawMessage(`{"id": "x-1", "customer": "user_1", "event_type": "llm.call", "data": {"total_tokens": 1500.5}}`))
	if get(r, "results", 0, "event", "fees", 0, "amount") != "1.500500" || get(r, "results", 0, "event", "data", "total_tokens") != 1500.5 {
		t.Errorf("record_usage with 1500.5 tokens = %v, want a fee of 1.5005", r)
	}
	// The same event again, its number written the same way, is a replay.
	r = e.ok("record_usage", json.RawMessage(`{"events": [{"id": "x-1", "customer": "user_1", "event_type": "llm.call", "data": {"total_tokens": 1500.5}}]}`))
	if get(r, "results", 0, "status") != "replayed" {
		t.Errorf("record_usage batch replay = %v", r)
	}
	r = e.ok("authorize_usage", json.RawMessage(`{"idempotency_key": "k-1", "customer": "user_1", "event_type": "llm.call", "data": {"total_tokens": 2000.25}}`))
	if r["amount"] != "2.000250" || r["approved"] != true {
		t.Errorf("authorize_usage estimate for 2000.25 tokens = %v, want 2.00025", r)
	}
}

func TestLivemodeOnUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeLive)
	for _, c := range []struct {
		tool string
		args map[string]any
		path []any
	}{
		{"create_vendor", map[string]any{"code": "openai"}, []any{"livemode"}},
		{"create_product_price", imageProduct(), []any{"livemode"}},
		{"create_product_version", map[string]any{"product": "image-generation", "prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.05"}}}, []any{"livemode"}},
		{"create_customer", map[string]any{"external_id": "user_1"}, []any{"livemode"}},
		{"subscribe_customer", map[string]any{"customer": "user_1", "product": "image-generation"}, []any{"livemode"}},
		{"create_adjustment", map[string]any{"transaction_id": "t-1", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "1"}, []any{"livemode"}},
		{"authorize_usage", map[string]any{"idempotency_key": "k-1", "customer": "user_1", "amount": "0.10", "asset": "USD"}, []any{"livemode"}},
		{"record_usage", map[string]any{"id": "e-1", "customer": "user_1", "event_type": "image.generated"}, []any{"livemode"}},
		{"archive_product", map[string]any{"product": "image-generation"}, []any{"livemode"}},
	} {
		if r := e.ok(c.tool, c.args); get(r, c.path...) != true {
			t.Errorf("%s in live mode: livemode = %v, want true", c.tool, get(r, c.path...))
		}
	}
	a := e.ok("authorize_usage", map[string]any{"idempotency_key": "k-2", "customer": "user_1", "amount": "0.10", "asset": "USD"})
	if r := e.ok("void_authorization", map[string]any{"authorization_id": a["id"]}); r["livemode"] != true {
		t.Errorf("void_authorization in live mode: livemode = %v, want true", r["livemode"])
	}
	r := e.ok("list_events", nil)
	if get(r, "data", 0, "livemode") != true {
		t.Errorf("list_events in live mode = %v", r)
	}
}

// TestSubCentPricesOverMCP: a 0.0006 USD price recorded 10,000 times in
// batches takes exactly 6.00 USD; a 0.0035 USD estimate holds 0.0035.
func TestSubCentPricesOverMCP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)
	e.ok("create_product_price", map[string]any{"code": "embeddings", "event_type": "embedding.created", "prices": []any{
		map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.0006"}}})
	e.ok("create_product_price", map[string]any{"code": "search", "event_type": "search.run", "prices": []any{
		map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.0035"}}})
	e.ok("create_customer", map[string]any{"external_id": "user_1"})
	e.ok("create_adjustment", map[string]any{"transaction_id": "fund", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "10.00"})
	for b := range 10 {
		events := make([]any, 1000)
		for i := range events {
			events[i] = map[string]any{"id": fmt.Sprintf("emb-%d-%d", b, i), "customer": "user_1", "event_type": "embedding.created"}
		}
		r := e.ok("record_usage", map[string]any{"events": events})
		if r["recorded"] != float64(1000) || get(r, "charged", "USD") != "0.60" {
			t.Fatalf("record_usage batch %d: recorded %v, charged %v; want 1000 events charging 0.60 USD", b, r["recorded"], get(r, "charged"))
		}
	}
	w := e.ok("get_wallet", map[string]any{"customer": "user_1"})
	if b := get(w, "wallet", "balances", 0); get(b, "total") != "4.00" || get(b, "available") != "4.00" {
		t.Errorf("after 10,000 × 0.0006 USD from 10.00: %v, want total and available 4.00", b)
	}
	a := e.ok("authorize_usage", map[string]any{"idempotency_key": "s-1", "customer": "user_1", "event_type": "search.run"})
	if a["approved"] != true || a["amount"] != "0.0035" || a["available"] != "3.9965" {
		t.Errorf("authorize_usage = %v, want 0.0035 held and 3.9965 available", a)
	}
	wantContains(t, "summary", a["summary"].(string), "0.0035 USD held")
}
