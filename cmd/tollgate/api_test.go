package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestRESTRuntimeLoop runs the README's runtime loop against the real binary:
// a key from `tollgate keys create`, then product → customer → top-up →
// authorize → record → wallet over /v1, and `tollgate verify` afterwards.
func TestRESTRuntimeLoop(t *testing.T) {
	t.Parallel()
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	key := createKey(t, dbURL)
	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, data, want)
		}
		if resp.Header.Get("Request-Id") == "" {
			t.Errorf("%s %s: no Request-Id header", method, path)
		}
		var out map[string]any
		json.Unmarshal(data, &out)
		return out
	}
	call("POST", "/v1/products", `{"code": "images", "name": "Images", "event_type": "image.generated",
		"prices": [{"model": "per_unit", "asset": "USD", "unit_amount": "0.04"}]}`, 201)
	call("POST", "/v1/customers", `{"external_id": "user_123"}`, 201)
	call("POST", "/v1/adjustments", `{"transaction_id": "topup-1", "kind": "top_up", "customer": "user_123", "asset": "USD", "amount": "10.00"}`, 201)
	auth := call("POST", "/v1/authorizations", `{"idempotency_key": "a1", "customer": "user_123", "event_type": "image.generated"}`, 201)
	if auth["approved"] != true || auth["amount"] != "0.04" {
		t.Fatalf("authorization = %v, want approved for 0.04", auth)
	}
	ev := call("POST", "/v1/events", `{"id": "ev-1", "customer": "user_123", "event_type": "image.generated", "authorization_id": "`+auth["id"].(string)+`"}`, 201)
	if st, _ := ev["settlement"].(map[string]any); st == nil || st["status"] != "captured" {
		t.Fatalf("event = %v, want its authorization captured", ev)
	}
	wallet := call("GET", "/v1/customers/user_123/wallets/default", "", 200)
	bal := wallet["balances"].([]any)[0].(map[string]any)
	if bal["total"] != "9.96" || bal["available"] != "9.96" {
		t.Fatalf("balance = %v, want total and available 9.96", bal)
	}
	// Without a key: 401 in the error envelope.
	resp, err := http.Get("http://" + addr + "/v1/customers")
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /v1/customers without a key = %v, %v; want 401", resp.StatusCode, err)
	}
	resp.Body.Close()
	cmd := exec.Command(binary, "verify")
	cmd.Env = append(cmd.Environ(), "TOLLGATE_DATABASE_URL="+dbURL)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), " 0 problems") {
		t.Fatalf("tollgate verify = %v:\n%s", err, out)
	}
}
