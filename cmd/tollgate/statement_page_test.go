package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestStatementPageInBrowser opens the printable monthly statement in
// Chromium, as an app that fetches it with its API key would show it, and
// takes its screenshots (docs/portal/statement-*.png with
// -portal-screenshots): the lines must add up to the closing balance the
// JSON statement gives.
func TestStatementPageInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL, "TOLLGATE_PORTAL_SECRET="+portalSecret)
	base := "http://" + addr
	key := createKey(t, dbURL)
	call := restCaller(t, base, key)

	call("POST", "/v1/products", `{"code": "chat", "name": "Chat", "event_type": "chat.completion",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "0.0035", "name": "message"}]}`, 201)
	call("POST", "/v1/products", `{"code": "images", "name": "Images", "event_type": "image.generated",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "0.04", "name": "image"}]}`, 201)
	call("POST", "/v1/customers", `{"external_id": "alice", "name": "Alice Martin", "email": "alice@example.com"}`, 201)
	call("POST", "/v1/adjustments", `{"transaction_id": "top-a", "kind": "top_up", "customer": "alice", "asset": "USD", "amount": "25.00", "reason": "Invoice 1042"}`, 201)
	call("POST", "/v1/adjustments", `{"transaction_id": "gift-a", "kind": "gift", "customer": "alice", "asset": "USD", "amount": "5.00", "reason": "Welcome gift"}`, 201)
	for i := range 12 {
		typ := "image.generated"
		if i%3 == 0 {
			typ = "chat.completion"
		}
		call("POST", "/v1/events", fmt.Sprintf(`{"id": "ev-%d", "customer": "alice", "event_type": %q}`, i, typ), 201)
	}
	st := call("GET", "/v1/customers/alice/statements?asset=USD", "", 200)
	closing, _ := st["closing_balance"].(string)
	if closing == "" {
		t.Fatalf("statement = %v, want a closing_balance", st)
	}

	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + key}}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(base+"/v1/customers/alice/statements.html?asset=USD"))
	if got := textOf(t, ctx, `tr.total td.amount`); !strings.HasPrefix(got, strings.TrimRight(strings.TrimRight(closing, "0"), ".")) || !strings.HasSuffix(got, "USD") {
		t.Errorf("the page's closing balance = %q, want the statement's %s USD", got, closing)
	}
	page := textOf(t, ctx, `body`)
	for _, want := range []string{"Alice Martin", "Opening balance", "Closing balance", "chat", "images"} {
		if !strings.Contains(page, want) {
			t.Errorf("the statement page lacks %q:\n%s", want, page)
		}
	}
	shoot(t, ctx, "statement")
}
