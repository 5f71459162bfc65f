package main

import (
	"context"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// confirmationToken finds the token a preview answered with.
var confirmationToken = regexp.MustCompile(`ctok_[a-z0-9]+`)

// withToken returns args plus confirmation_token.
func withToken(args map[string]any, token string) map[string]any {
	out := maps.Clone(args)
	out["confirmation_token"] = token
	return out
}

// confirmByToken calls a tool whose call needs the person's yes from a
// client that cannot ask: the first answer is a preview naming what moves
// (each of want) with a token, and the call carrying it runs.
func confirmByToken(t *testing.T, cs *gosdk.ClientSession, name string, args map[string]any, want ...string) map[string]any {
	t.Helper()
	msg := mcpErr(t, cs, name, args)
	token := confirmationToken.FindString(msg)
	if token == "" || !strings.Contains(msg, "Nothing has moved") {
		t.Fatalf("%s(%v) = %q, want a preview with a confirmation token", name, args, msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%s's preview %q does not show %q", name, msg, w)
		}
	}
	return mcpOK(t, cs, name, withToken(args, token))
}

// person is the user behind a client that can ask: it answers every
// elicitation with answer ("accept" with the box ticked, or "decline") and
// keeps what it was shown.
type person struct {
	answer string
	mu     sync.Mutex
	shown  []string
}

func (p *person) elicit(_ context.Context, req *gosdk.ElicitRequest) (*gosdk.ElicitResult, error) {
	p.mu.Lock()
	p.shown = append(p.shown, req.Params.Message)
	p.mu.Unlock()
	if p.answer == "accept" {
		return &gosdk.ElicitResult{Action: "accept", Content: map[string]any{"confirm": true}}, nil
	}
	return &gosdk.ElicitResult{Action: p.answer}, nil
}

func (p *person) asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.shown...)
}

// TestMCPConfirmation: a refund through the official Go SDK client, on each
// protocol version, over HTTP and stdio. A person who declines moves nothing;
// one who accepts moves it once (a replay asks again and moves nothing more);
// a client that cannot ask gets a preview token, which is refused for another
// amount and for a second use.
func TestMCPConfirmation(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
	key := createKey(t, url)
	for _, transport := range []string{"http", "stdio"} {
		for _, version := range mcpProtocols {
			t.Run(transport+" "+version, func(t *testing.T) {
				t.Parallel()
				connect := func(p *person) *gosdk.ClientSession {
					ctx, cancel := context.WithCancel(context.Background())
					t.Cleanup(cancel)
					var opts gosdk.ClientOptions
					if p != nil {
						opts.ElicitationHandler = p.elicit
					}
					c := gosdk.NewClient(&gosdk.Implementation{Name: "tollgate-e2e", Version: "1"}, &opts)
					var tr gosdk.Transport = &gosdk.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: bearer{key}}, MaxRetries: -1}
					if transport == "stdio" {
						cmd := exec.Command(binary, "mcp")
						cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_API_KEY="+key, "TOLLGATE_DATA_DIR="+t.TempDir())
						tr = &gosdk.CommandTransport{Command: cmd}
					}
					cs, err := c.Connect(ctx, tr, &gosdk.ClientSessionOptions{ProtocolVersion: version})
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { cs.Close() })
					if got := cs.InitializeResult().ProtocolVersion; got != version {
						t.Fatalf("negotiated %s, want %s", got, version)
					}
					return cs
				}
				cus := "conf-" + transport + "-" + version
				plain := connect(nil)
				mcpOK(t, plain, "create_customer", map[string]any{"external_id": cus})
				mcpOK(t, plain, "create_adjustment", map[string]any{"transaction_id": cus + "-fund", "kind": "top_up", "customer": cus, "asset": "USD", "amount": "100.00"})
				refund := func(id, amount string) map[string]any {
					return map[string]any{"transaction_id": cus + "-" + id, "kind": "refund", "customer": cus, "asset": "USD", "amount": amount}
				}
				available := func(want string) {
					t.Helper()
					w := mcpOK(t, plain, "get_wallet", map[string]any{"customer": cus})
					if got := dig(balanceOf(w["wallet"], "USD"), "available"); got != want {
						t.Errorf("USD available = %v, want %s", got, want)
					}
				}

				no := &person{answer: "decline"}
				msg := mcpErr(t, connect(no), "create_adjustment", refund("r1", "30.00"))
				if !strings.Contains(msg, "declined") || !strings.Contains(msg, "Nothing moved") {
					t.Errorf("a declined refund = %q, want it to say the user declined and nothing moved", msg)
				}
				if shown := no.asked(); len(shown) != 1 || !strings.Contains(shown[0], "30.00 USD") || !strings.Contains(shown[0], cus) {
					t.Errorf("the person was shown %q, want one question naming 30.00 USD and %s", shown, cus)
				}
				available("100.00")

				yes := &person{answer: "accept"}
				cs := connect(yes)
				if r := mcpOK(t, cs, "create_adjustment", refund("r1", "30.00")); dig(r, "adjustment", "replayed") != false {
					t.Errorf("the accepted refund = %v", r)
				}
				available("70.00")
				if r := mcpOK(t, cs, "create_adjustment", refund("r1", "30.00")); dig(r, "adjustment", "replayed") != true {
					t.Errorf("the refund again, accepted again = %v, want the first one replayed", r)
				}
				available("70.00")
				if n := len(yes.asked()); n != 2 {
					t.Errorf("the person was asked %d times for two calls, want 2", n)
				}

				msg = mcpErr(t, plain, "create_adjustment", refund("r2", "20.00"))
				token := confirmationToken.FindString(msg)
				if token == "" || !strings.Contains(msg, "20.00 USD") || !strings.Contains(msg, cus) || !strings.Contains(msg, "confirmation_token") {
					t.Fatalf("a refund from a client that cannot ask = %q, want a preview naming the amount, the customer and a confirmation_token", msg)
				}
				available("70.00")
				msg = mcpErr(t, plain, "create_adjustment", withToken(refund("r2", "25.00"), token))
				if !strings.Contains(msg, "other arguments") {
					t.Errorf("the token with another amount = %q, want it refused for other arguments", msg)
				}
				available("70.00")
				mcpOK(t, plain, "create_adjustment", withToken(refund("r2", "20.00"), token))
				available("50.00")
				msg = mcpErr(t, plain, "create_adjustment", withToken(refund("r2", "20.00"), token))
				if !strings.Contains(msg, "already used") {
					t.Errorf("the token again = %q, want it refused as used", msg)
				}
				msg = mcpErr(t, plain, "create_adjustment", withToken(refund("r3", "20.00"), token))
				if !strings.Contains(msg, "already used") {
					t.Errorf("the token for another refund = %q, want it refused", msg)
				}
				available("50.00")
			})
		}
	}
}

// TestMCPConfirmationSettings: `tollgate mcp confirmations` sets a threshold
// under which refunds go through unasked, and makes a key an automation key
// that is never asked; cancelling now, revoking a customer key and turning
// auto top-up off always ask, showing the customer.
func TestMCPConfirmationSettings(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
	person, robot := createKey(t, url), createKey(t, url, "--name", "backend-agent")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"mcp", "confirmations"}, args...)...)
		cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+url)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tollgate mcp confirmations %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cs := httpSessionAt(t, "", addr, "?toolsets=all", person)
	mcpOK(t, cs, "create_customer", map[string]any{"external_id": "u1"})
	mcpOK(t, cs, "create_adjustment", map[string]any{"transaction_id": "fund", "kind": "top_up", "customer": "u1", "asset": "USD", "amount": "100.00"})
	refund := func(cs *gosdk.ClientSession, id, amount string) (string, bool) {
		_, text, ok := mcpCall(t, cs, "create_adjustment", map[string]any{"transaction_id": id, "kind": "refund", "customer": "u1", "asset": "USD", "amount": amount})
		return text, ok
	}

	if out := run("threshold", "--asset", "USD", "--above", "50"); !strings.Contains(out, "above 50 USD") {
		t.Errorf("threshold = %q", out)
	}
	if text, ok := refund(cs, "small", "40.00"); !ok {
		t.Errorf("a refund of 40 under a threshold of 50 = %q, want it done unasked", text)
	}
	if text, ok := refund(cs, "big", "50.01"); ok || !strings.Contains(text, "confirmation_token") {
		t.Errorf("a refund of 50.01 over a threshold of 50 = %q, want a preview", text)
	}
	if _, text, ok := mcpCall(t, cs, "create_adjustment", map[string]any{"transaction_id": "gift", "kind": "gift", "customer": "u1", "asset": "EUR", "amount": "1.00"}); ok || !strings.Contains(text, "confirmation_token") {
		t.Errorf("a gift in an asset without a threshold went through unasked")
	}

	if out := run("automation", robot[:14]); !strings.Contains(out, "automation key") {
		t.Errorf("automation = %q", out)
	}
	bot := httpSessionAt(t, "", addr, "?toolsets=all", robot)
	if text, ok := refund(bot, "bot", "50.01"); !ok {
		t.Errorf("a refund over the threshold by an automation key = %q, want it done unasked", text)
	}
	if out := run(); !strings.Contains(out, "USD") || !strings.Contains(out, "50") || !strings.Contains(out, robot[:14]) {
		t.Errorf("tollgate mcp confirmations = %q, want the USD threshold and the automation key", out)
	}
	run("automation", robot[:14], "--off")
	if text, ok := refund(bot, "bot-2", "50.01"); ok || !strings.Contains(text, "confirmation_token") {
		t.Errorf("after --off, the key's refund = %q, want a preview", text)
	}

	// The moves without an amount always ask, and name the customer.
	k := mcpOK(t, cs, "create_customer_key", map[string]any{"customer": "u1"})
	keyID, _ := dig(k, "key", "id").(string)
	confirmByToken(t, cs, "revoke_customer_key", map[string]any{"id": keyID}, "u1", keyID)
	confirmByToken(t, cs, "configure_auto_top_up", map[string]any{"customer": "u1", "asset": "USD", "enabled": false, "threshold": "0", "amount": "10.00"}, "u1", "auto top-up")
	mcpOK(t, cs, "create_product_price", map[string]any{"code": "pro", "event_type": "pro.used", "prices": []any{
		map[string]any{"model": "recurring", "asset": "USD", "amount": "5.00", "interval": "month"}}})
	sub := mcpOK(t, cs, "subscribe_customer", map[string]any{"customer": "u1", "product": "pro"})
	subID, _ := dig(sub, "subscription", "id").(string)
	if r := mcpOK(t, cs, "cancel_subscription", map[string]any{"subscription": subID, "at_period_end": true}); dig(r, "subscription", "cancel_at_period_end") != true {
		t.Errorf("cancel at the period's end (unasked) = %v", r)
	}
	confirmByToken(t, cs, "cancel_subscription", map[string]any{"subscription": subID}, "u1", "pro", "now")
}
