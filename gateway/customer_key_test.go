package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/payments"
)

const chatBody = `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"max_tokens":500}`

func (e *env) customerKey(t *testing.T, in billing.CreateCustomerKeyInput) (billing.CustomerKey, string) {
	t.Helper()
	k, secret, err := e.svc.Accounts.CreateCustomerKey(e.ctx, in)
	if err != nil {
		t.Fatalf("CreateCustomerKey(%+v) = %v", in, err)
	}
	return k, secret
}

func withKey(secret string, header ...string) []string {
	return append([]string{"Authorization", "Bearer " + secret, gateway.CustomerHeader, ""}, header...)
}

func TestGatewayCustomerKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "ck", "10")
	e.customer(t, "other", "10")
	k, secret := e.customerKey(t, billing.CreateCustomerKeyInput{Customer: "ck", RateLimit: 1000})

	t.Run("OK", func(t *testing.T) {
		status, body := e.post(t, "/gateway/openai/v1/chat/completions", "", chatBody, withKey(secret)...)
		if status != http.StatusOK {
			t.Fatalf("POST with a customer key = %d %s, want 200", status, body)
		}
		e.wantBalance(t, "ck", "9.980")
		// The header may name the key's own customer, by external_id or id.
		for _, named := range []string{"ck", k.CustomerID} {
			if status, body := e.post(t, "/gateway/anthropic/v1/messages", "", `{"model":"claude-x","max_tokens":1024,"messages":[]}`,
				withKey(secret, gateway.CustomerHeader, named)...); status != http.StatusOK {
				t.Fatalf("POST naming %s = %d %s, want 200", named, status, body)
			}
		}
		e.wantBalance(t, "ck", "9.8982")
	})
	t.Run("ErrOtherCustomer", func(t *testing.T) {
		calls := e.up.calls.Load()
		for _, named := range []string{"other", "nobody"} {
			status, body := e.post(t, "/gateway/openai/v1/chat/completions", "", chatBody, withKey(secret, gateway.CustomerHeader, named)...)
			if status != http.StatusForbidden || !strings.Contains(body, "customer_mismatch") {
				t.Errorf("POST naming %s = %d %s, want 403 customer_mismatch", named, status, body)
			}
		}
		if n := e.up.calls.Load(); n != calls {
			t.Errorf("upstream calls = %d, want %d: a refused call never reaches the provider", n, calls)
		}
		e.wantBalance(t, "other", "10")
	})
	t.Run("ErrRevoked", func(t *testing.T) {
		if _, err := e.svc.Accounts.RevokeCustomerKey(e.ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		status, body := e.post(t, "/gateway/openai/v1/chat/completions", "", chatBody, withKey(secret)...)
		if status != http.StatusUnauthorized || !strings.Contains(body, "revoked") {
			t.Errorf("POST with a revoked key = %d %s, want 401", status, body)
		}
	})
}

// TestGatewayCustomerKeyDailyCap: 30 concurrent calls with a key capped at
// 0.40 USD a day, each holding and costing exactly 0.04 (1,000 input tokens
// estimated and reported, max_tokens 1,000 reported as output), in a wallet
// that could pay for all of them: 10 are served, 20 declined with daily_cap
// before the upstream is called, and the key's day ends at 0.40 charged,
// nothing held.
func TestGatewayCustomerKeyDailyCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "capped", "10")
	capUSD := dec("0.40")
	k, secret := e.customerKey(t, billing.CreateCustomerKeyInput{Customer: "capped", RateLimit: 1000, DailyCap: &capUSD})
	prefix, suffix := `{"model":"gpt-4o","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"`, `"}]}`
	body := prefix + strings.Repeat("x", 4000-len(prefix)-len(suffix)) + suffix
	e.up.usage = usage{Input: 1000, Output: 1000}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	reasons := map[string]int{}
	for range 30 {
		wg.Go(func() {
			resp, err := http.DefaultClient.Do(e.request(context.Background(), t, "/gateway/openai/v1/chat/completions", "", body, withKey(secret)...))
			if err != nil {
				t.Errorf("POST = %v", err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var answer struct {
				Error struct {
					Decline string `json:"decline_reason"`
				} `json:"error"`
			}
			json.Unmarshal(b, &answer)
			mu.Lock()
			statuses[resp.StatusCode]++
			reasons[answer.Error.Decline]++
			mu.Unlock()
		})
	}
	wg.Wait()
	e.settled(t, 30)
	if statuses[http.StatusOK] != 10 || statuses[http.StatusPaymentRequired] != 20 || reasons["daily_cap"] != 20 {
		t.Errorf("statuses = %v, reasons %v; want 10 × 200 and 20 × 402 daily_cap", statuses, reasons)
	}
	if n := e.up.calls.Load(); n != 10 {
		t.Errorf("upstream calls = %d, want 10", n)
	}
	e.wantBalance(t, "capped", "9.60")
	held, captured, err := e.svc.Accounts.CustomerKeySpend(context.Background(), k.ID, time.Now())
	if err != nil || !held.IsZero() || !captured.Equal(capUSD) {
		t.Errorf("the key's day = held %s captured %s (%v), want 0 and 0.40", held, captured, err)
	}
}

// TestGatewayCustomerKeyRateLimit: past its bucket a key gets 429 in the
// provider's shape with Retry-After, and the upstream is not called. The
// gateway's default rate is set so low (one call per 1,000 s, burst 1) that
// the second call is refused whatever the machine's speed.
func TestGatewayCustomerKeyRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "slow", "10")
	_, secret := e.customerKey(t, billing.CreateCustomerKeyInput{Customer: "slow"})
	gw := gateway.New(e.svc, gateway.Options{OpenAI: gateway.Upstream{BaseURL: e.up.URL + "/v1", APIKey: payments.Secret(openAIKey)}, CustomerKeyRate: 0.001})
	srv := httptest.NewServer(gw)
	t.Cleanup(func() { gw.Close(context.Background()) })
	t.Cleanup(srv.Close)
	post := func() (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/gateway/openai/v1/chat/completions", strings.NewReader(chatBody))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	if resp, body := post(); resp.StatusCode != http.StatusOK {
		t.Fatalf("first call = %d %s, want 200", resp.StatusCode, body)
	}
	calls := e.up.calls.Load()
	resp, body := post()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "rate_limited") {
		t.Errorf("second call = %d (Retry-After %q) %s, want 429 rate_limited with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if e.up.calls.Load() != calls {
		t.Errorf("a rate-limited call reached the upstream")
	}
}
