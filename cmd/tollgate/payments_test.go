package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/stripemock"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestServeTopUpInTestMode is the new user's story through the real binary:
// no Stripe account, a top-up's checkout page served by `tollgate serve`
// itself, paid with 4242, and the wallet credited.
func TestServeTopUpInTestMode(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	key := createKey(t, dbURL)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		var out map[string]any
		json.Unmarshal(data, &out)
		return out
	}
	call("POST", "/v1/customers", `{"external_id": "user_1"}`, 201)
	tu := call("POST", "/v1/top_ups", `{"idempotency_key": "t1", "customer": "user_1", "asset": "USD", "amount": "20.00",
		"success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/no"}`, 201)
	checkout, _ := tu["checkout_url"].(string)
	if !strings.HasPrefix(checkout, "http://"+addr+"/pay/test/") {
		t.Fatalf("checkout_url = %q, want this server's /pay/test/ page", checkout)
	}
	res, err := client.Get(checkout)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET checkout = %v %v", res, err)
	}
	res.Body.Close()
	res, err = client.PostForm(checkout, url.Values{"card": {"4242 4242 4242 4242"}, "action": {"pay"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay = %v %v, want 303", res, err)
	}
	res.Body.Close()
	if got := call("GET", "/v1/top_ups/"+tu["id"].(string), "", 200); got["status"] != "succeeded" {
		t.Fatalf("top-up = %v, want succeeded", got)
	}
	w := call("GET", "/v1/customers/user_1/wallets/default", "", 200)
	if bal := w["balances"].([]any)[0].(map[string]any); bal["available"] != "20.00" {
		t.Errorf("balance = %v, want 20.00 available", bal)
	}
}

// TestPaymentsConnect connects Stripe from a file and the environment and
// never prints more than a secret's last 4 characters.
func TestPaymentsConnect(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(append(os.Environ(), "TOLLGATE_DATABASE_URL="+dbURL), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	const key, hook = "sk_test_cli_secret_0123456789wxyz", "whsec_cli_signing_secret_abcd"
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run([]string{"TOLLGATE_STRIPE_WEBHOOK_SECRET=" + hook}, "payments", "connect", "--secret-key-file", keyFile)
	if err != nil {
		t.Fatalf("payments connect: %v\n%s", err, out)
	}
	if !strings.Contains(out, "…wxyz") || !strings.Contains(out, "…abcd") || !strings.Contains(out, "/v1/webhooks/stripe/") {
		t.Errorf("connect printed %q, want the last 4 characters and the webhook URL", out)
	}
	status, err := run(nil, "payments", "status")
	if err != nil || !strings.Contains(status, "test: Stripe") || !strings.Contains(status, "live: not connected") {
		t.Errorf("payments status = %q, %v", status, err)
	}
	live, err := run([]string{"TOLLGATE_STRIPE_SECRET_KEY=" + key, "TOLLGATE_STRIPE_WEBHOOK_SECRET=" + hook}, "payments", "connect", "--mode", "live")
	if err == nil || !strings.Contains(live, "test-mode key") {
		t.Errorf("a test key in live mode = %q, %v; want a clear error", live, err)
	}
	for _, o := range []string{out, status, live} {
		if strings.Contains(o, key) || strings.Contains(o, hook) {
			t.Errorf("a secret was printed: %q", o)
		}
	}
}

// TestServeStripeAPIBase: with TOLLGATE_STRIPE_API_BASE (or
// --stripe-api-base) the real binary sends its Stripe calls to stripe-mock:
// a top-up of an account connected to Stripe gets its checkout from there.
// A base that is not an http(s) URL, or holds credentials, stops the
// command with an error naming the flag, the value only when it holds none.
func TestServeStripeAPIBase(t *testing.T) {
	t.Parallel()
	mock := stripemock.Run(t)
	dbURL := testdb.URL(t)
	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(append(os.Environ(), "TOLLGATE_DATABASE_URL="+dbURL), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run([]string{"TOLLGATE_STRIPE_SECRET_KEY=sk_test_123stripemock456", "TOLLGATE_STRIPE_WEBHOOK_SECRET=whsec_stripemock_0123456789"},
		"payments", "connect", "--stripe-api-base", mock); err != nil {
		t.Fatalf("payments connect: %v\n%s", err, out)
	}
	addr, stderr := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL, "TOLLGATE_STRIPE_API_BASE="+mock)
	call := restCaller(t, "http://"+addr, createKey(t, dbURL))
	call("POST", "/v1/customers", `{"external_id": "user_1"}`, 201)
	tu := call("POST", "/v1/top_ups", `{"idempotency_key": "t1", "customer": "user_1", "asset": "USD", "amount": "20.00",
		"success_url": "https://app.example.com/ok", "cancel_url": "https://app.example.com/no"}`, 201)
	if url, _ := tu["checkout_url"].(string); !strings.HasPrefix(url, "https://") || strings.Contains(url, addr) {
		t.Errorf("checkout_url = %q, want stripe-mock's Stripe Checkout URL, not the test provider's page\nserver log:\n%s", url, stderr)
	}

	for _, tc := range []struct{ base, want, hidden string }{
		{"ftp://stripe.example.com", `got "ftp://stripe.example.com"`, ""},
		{"http://localhost:12111/v1?x=1", "no path or query", ""},
		{"https://user:hunter2@proxy.example.com", "must not hold a user or password", "hunter2"},
	} {
		out, err := run(nil, "keys", "list", "--stripe-api-base", tc.base)
		if err == nil || !strings.Contains(out, "--stripe-api-base (TOLLGATE_STRIPE_API_BASE)") || !strings.Contains(out, tc.want) ||
			(tc.hidden != "" && strings.Contains(out, tc.hidden)) {
			t.Errorf("--stripe-api-base %s = %v\n%s\nwant an error naming the flag and saying %q, without the password", tc.base, err, out, tc.want)
		}
	}
}
