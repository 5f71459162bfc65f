package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/api"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/client"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/profitability"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestExampleChat starts the chat app against the real REST API and drives
// it: a billed answer, its retry charged once, a user who cannot pay gets
// 402 before the model runs, a failing model charges nothing.
func TestExampleChat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := svc.Accounts.CreateAPIKey(ctx, acct.ID, billing.ModeTest, "example")
	if err != nil {
		t.Fatal(err)
	}
	tollgate := httptest.NewServer(api.New(svc, profitability.New(pool, svc), api.Options{}))
	t.Cleanup(tollgate.Close)
	tg := client.New(client.Options{BaseURL: tollgate.URL, APIKey: key})

	// The set-up an agent does over MCP: the per-token product, a customer
	// with $10, another with nothing.
	price := func(field, amount string) client.Price {
		return client.Price{Model: "dimensional", Asset: "USD", Name: field, Field: field, BlockSize: "1000000", Dimensions: []string{"model"},
			Rates: []client.Rate{{Values: map[string]string{"model": "*"}, Amount: amount}}}
	}
	if _, err := tg.CreateProduct(ctx, client.CreateProductRequest{Code: "chat", EventType: EventType, Prices: []client.Price{
		price("input_tokens", "0.15"), price("cached_input_tokens", "0.075"), price("cache_write_tokens", "0.1875"), price("output_tokens", "0.60"),
	}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"user_1", "broke"} {
		if _, err := tg.CreateCustomer(ctx, client.CreateCustomerRequest{ExternalID: u}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tg.CreateAdjustment(ctx, client.CreateAdjustmentRequest{TransactionID: "welcome-user_1", Kind: "gift", Customer: "user_1", Asset: "USD", Amount: "10.00"}); err != nil {
		t.Fatal(err)
	}

	var calls atomic.Int32
	var failing atomic.Bool
	llm := func(ctx context.Context, prompt string) ([]byte, error) {
		calls.Add(1)
		if failing.Load() {
			return nil, errors.New("the model is down")
		}
		return standIn(ctx, prompt)
	}
	app := httptest.NewServer(routes(tg, llm))
	t.Cleanup(app.Close)
	post := func(user, key, prompt string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", app.URL+"/chat", strings.NewReader(`{"prompt": "`+prompt+`"}`))
		req.Header.Set("X-User-Id", user)
		req.Header.Set("Idempotency-Key", key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	available := func() string {
		t.Helper()
		w, err := tg.GetWallet(ctx, "user_1", "default")
		if err != nil {
			t.Fatal(err)
		}
		return w.Balances[0].Available
	}

	// 3 prompt tokens, 5 answer tokens ("You said: hello there world"):
	// 3 × 0.15 + 5 × 0.60 per million.
	status, out := post("user_1", "r1", "hello there world")
	if status != 200 || out["reply"] != "You said: hello there world" || out["event"] != "chat-r1" {
		t.Fatalf("POST /chat = %d %v", status, out)
	}
	if got := available(); !decimal.RequireFromString(got).Equal(decimal.RequireFromString("9.99999655")) {
		t.Errorf("balance after one answer = %s, want 10.00 - 0.00000345", got)
	}
	if status, out := post("user_1", "r1", "hello there world"); status != 200 || out["event"] != "chat-r1" || available() != "9.99999655" {
		t.Errorf("the same request again = %d %v, balance %s; want the same event, charged once", status, out, available())
	}

	before := calls.Load()
	status, out = post("broke", "r2", "hello")
	if status != 402 || out["error"] != "insufficient_funds" || out["shortfall"] != "0.0012" || calls.Load() != before {
		t.Errorf("POST /chat for a user without money = %d %v (model called: %v), want 402 with the shortfall before the model", status, out, calls.Load() != before)
	}

	failing.Store(true)
	if status, _ := post("user_1", "r3", "hello"); status != 502 || available() != "9.99999655" {
		t.Errorf("a failing model = %d, balance %s; want 502 and nothing charged", status, available())
	}
	if w, err := tg.GetWallet(ctx, "user_1", "default"); err != nil || !decimal.RequireFromString(w.Balances[0].Held).IsZero() {
		t.Errorf("held after the failure = %s, want 0", w.Balances[0].Held)
	}
}
