package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// An account's gateway event type (configure_gateway) applies to its next
// call at once on this server: the hold and the usage are under it, priced by
// its product; Describe shows it, and the provider keys only redacted.
func TestGatewayAccountEventType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	d, err := e.gw.Describe(e.ctx)
	if err != nil {
		t.Fatalf("Describe = %v", err)
	}
	if d.EventType != gateway.DefaultEventType || d.AccountEventType || d.ServerEventType != gateway.DefaultEventType || len(d.Providers) != 2 {
		t.Fatalf("Describe = %+v, want the server's llm.tokens and two providers", d)
	}
	for _, p := range d.Providers {
		if !p.Configured || !strings.HasPrefix(p.Key, "…") || len([]rune(p.Key)) != 5 || len(p.Routes) == 0 ||
			strings.Contains(fmt.Sprintf("%+v", d), "upstream-0123") {
			t.Errorf("provider %+v: want configured, its key redacted to …xxxx and its routes", p)
		}
	}
	if d.Providers[0].Path != "/gateway/openai/v1" || d.Providers[1].Path != "/gateway/anthropic" {
		t.Errorf("paths = %s, %s", d.Providers[0].Path, d.Providers[1].Path)
	}

	if _, err := e.svc.Gateway.SetEventType(e.ctx, "not an event type"); kernel.ErrorCode(err) != kernel.EInvalid {
		t.Fatalf("SetEventType(bad) = %v, want invalid", err)
	}
	if _, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: "chat", Name: "Chat tokens", EventType: "chat.tokens", Prices: []rating.Price{
		tokenPrice("input_tokens", map[string]string{"*": "0.02"}),
		tokenPrice("cached_input_tokens", map[string]string{"*": "0.01"}),
		tokenPrice("output_tokens", map[string]string{"*": "0.06"}),
	}}); err != nil {
		t.Fatalf("CreateProduct = %v", err)
	}
	for range 2 { // idempotent
		if g, err := e.svc.Gateway.SetEventType(e.ctx, "chat.tokens"); err != nil || g.EventType != "chat.tokens" {
			t.Fatalf("SetEventType = %+v, %v", g, err)
		}
	}
	if d, err = e.gw.Describe(e.ctx); err != nil || d.EventType != "chat.tokens" || !d.AccountEventType {
		t.Fatalf("Describe = %+v, %v; want the account's chat.tokens", d, err)
	}

	// 1000×0.02 + 200×0.01 + 300×0.06, per 1,000 = 0.02 + 0.002 + 0.018 = 0.040.
	e.customer(t, "chat-typed", "10")
	status, body := e.post(t, "/gateway/openai/v1/chat/completions", "chat-typed", `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}`)
	if status != http.StatusOK {
		t.Fatalf("POST chat = %d %s", status, body)
	}
	e.wantBalance(t, "chat-typed", "9.960")
	if ev := e.events(t, "chat-typed"); len(ev) != 1 || ev[0].EventType != "chat.tokens" {
		t.Fatalf("events = %+v, want one chat.tokens event", ev)
	}

	// Another mode keeps the server's default.
	live := billing.WithCaller(e.ctx, billing.Caller{AccountID: mustCaller(t, e).AccountID, Mode: billing.ModeLive})
	if d, err := e.gw.Describe(live); err != nil || d.EventType != gateway.DefaultEventType || d.AccountEventType {
		t.Fatalf("Describe(live) = %+v, %v; want the server's default", d, err)
	}
}

func mustCaller(t *testing.T, e *env) billing.Caller {
	t.Helper()
	c, ok := billing.CallerFrom(e.ctx)
	if !ok {
		t.Fatal("no caller")
	}
	return c
}
