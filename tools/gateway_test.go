package tools

import (
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// Without a gateway in the process (MCP over stdio), get_gateway and
// configure_gateway still read and set the account's event type per mode.
func TestGatewayTools(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)
	r := e.ok("get_gateway", nil)
	if r["served"] != false || r["event_type_source"] != "server" || len(r["providers"].([]any)) != 0 {
		t.Errorf("get_gateway = %v, want not served, the server's event type", r)
	}
	wantContains(t, "summary", r["summary"].(string), "does not serve the gateway")
	for range 2 {
		r = e.ok("configure_gateway", map[string]any{"event_type": "chat.tokens"})
		if r["event_type"] != "chat.tokens" || r["event_type_source"] != "account" {
			t.Errorf("configure_gateway = %v, want chat.tokens set by the account", r)
		}
	}
	if r = e.ok("get_gateway", nil); r["event_type"] != "chat.tokens" {
		t.Errorf("get_gateway after configure = %v", r)
	}
	wantContains(t, "error", e.fail("configure_gateway", map[string]any{"event_type": "not valid!"}), `event_type "not valid!" is not valid`)
	wantContains(t, "error", e.fail("configure_gateway", map[string]any{"api_key": "sk-x", "event_type": "a"}), "api_key")
	wantContains(t, "error", e.fail("configure_gateway", map[string]any{}), "give event_type, costs or both")

	// The cost table: set whole, shown as set, replaced, removed by [].
	costs := []any{map[string]any{"provider": "openai", "model": "gpt-4o", "currency": "USD", "input_tokens": "2.50", "output_tokens": 10}}
	r = e.ok("configure_gateway", map[string]any{"costs": costs})
	if got := r["costs"].([]any); len(got) != 1 || got[0].(map[string]any)["input_tokens"] != "2.5" || got[0].(map[string]any)["output_tokens"] != "10" ||
		r["event_type"] != "chat.tokens" {
		t.Errorf("configure_gateway costs = %v, want the row with exact rates and the event type unchanged", r)
	}
	wantContains(t, "summary", r["summary"].(string), "Set the cost table: 1 row.")
	wantContains(t, "error", e.fail("configure_gateway", map[string]any{"costs": []any{map[string]any{"provider": "openai", "model": "o1", "currency": "NOPE", "input_tokens": "1"}}}),
		`currency "NOPE" is not an asset`)
	if r = e.ok("get_gateway", nil); len(r["costs"].([]any)) != 1 {
		t.Errorf("get_gateway after a refused table = %v, want the table before", r["costs"])
	}
	if r = e.ok("configure_gateway", map[string]any{"costs": []any{}}); len(r["costs"].([]any)) != 0 {
		t.Errorf("configure_gateway costs [] = %v, want the table removed", r["costs"])
	}
}

// create_customer_key with an idempotency_key: a retry answers the same key,
// replayed and without its secret; another payload is refused.
func TestCreateCustomerKeyIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, billing.ModeTest)
	e.ok("create_customer", map[string]any{"external_id": "ada"})
	args := map[string]any{"customer": "ada", "name": "agent", "idempotency_key": "ada-agent"}
	first := e.ok("create_customer_key", args)
	secret, _ := first["secret"].(string)
	if secret == "" || first["replayed"] != nil {
		t.Fatalf("create_customer_key = %v, want a secret", first)
	}
	again := e.ok("create_customer_key", args)
	if again["key"].(map[string]any)["id"] != first["key"].(map[string]any)["id"] || again["secret"] != nil || again["replayed"] != true {
		t.Errorf("create_customer_key again = %v, want the same key, replayed, without a secret", again)
	}
	wantContains(t, "summary", again["summary"].(string), "already created with this idempotency_key")
	wantContains(t, "error", e.fail("create_customer_key", map[string]any{"customer": "ada", "name": "other", "idempotency_key": "ada-agent"}),
		`idempotency_key "ada-agent" already created customer key`)
}
