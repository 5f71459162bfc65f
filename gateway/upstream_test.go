package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/kernel"
)

// An account's own upstream (`tollgate gateway connect`) takes its calls in
// its mode instead of the server's: its key goes to its base URL; the other
// provider and the other mode keep the server's; Describe names whose each
// is, the key only redacted; removing it brings the server's back, in
// another process too.
func TestGatewayAccountUpstream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const accountKey = "sk-account-openai-key-9876"
	own := newUpstreamWithKeys(t, accountKey, "unused")
	u, err := e.svc.Gateway.ConnectProvider(e.ctx, billing.ConnectProviderInput{Provider: "openai", APIKey: " " + accountKey + "\n", BaseURL: own.URL + "/v1/"})
	if err != nil || u.BaseURL != own.URL+"/v1" || string(u.APIKey) != accountKey {
		t.Fatalf("ConnectProvider = %+v, %v; want the trimmed key and the base URL without its slash", u, err)
	}
	if s := fmt.Sprint(u, u.APIKey); strings.Contains(s, accountKey) || !strings.Contains(s, "…9876") {
		t.Errorf("the upstream prints as %q: the key must show only as …9876", s)
	}

	e.customer(t, "own-upstream", "10")
	if status, body := e.post(t, "/gateway/openai/v1/chat/completions", "own-upstream", `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}`); status != http.StatusOK {
		t.Fatalf("POST chat = %d %s", status, body)
	}
	if own.calls.Load() != 1 || e.up.calls.Load() != 0 {
		t.Fatalf("calls: the account's upstream %d, the server's %d; want the account's only", own.calls.Load(), e.up.calls.Load())
	}
	if got := own.requests()[0].header.Get("Authorization"); got != "Bearer "+accountKey {
		t.Errorf("the account's upstream saw Authorization %q, want its own key", got)
	}
	e.wantBalance(t, "own-upstream", "9.980")
	if status, body := e.post(t, "/gateway/anthropic/v1/messages", "own-upstream", `{"model":"claude-x","max_tokens":10,"messages":[]}`); status != http.StatusOK || e.up.calls.Load() != 1 {
		t.Fatalf("POST messages = %d %s (server upstream calls %d); want Anthropic still through the server's", status, body, e.up.calls.Load())
	}

	d, err := e.gw.Describe(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := d.Providers[0]; !p.AccountUpstream || p.UpstreamURL != own.URL+"/v1" || p.Key != "…9876" {
		t.Errorf("Describe's openai = %+v, want the account's upstream and key …9876", p)
	}
	if p := d.Providers[1]; p.AccountUpstream || p.UpstreamURL != e.up.URL || p.Key != "…6789" {
		t.Errorf("Describe's anthropic = %+v, want the server's", p)
	}
	if strings.Contains(fmt.Sprintf("%+v %#v", d, d), accountKey) {
		t.Errorf("Describe holds the account's key: %+v", d)
	}
	live := billing.WithCaller(e.ctx, billing.Caller{AccountID: mustCaller(t, e).AccountID, Mode: billing.ModeLive})
	if d, err := e.gw.Describe(live); err != nil || d.Providers[0].AccountUpstream || d.Providers[0].UpstreamURL != e.up.URL+"/v1" {
		t.Errorf("Describe(live) = %+v, %v; want the server's upstream in live mode", d, err)
	}

	// Another process over the same database removes it: this one applies
	// it within its cache's second.
	other := billing.NewService(e.pool, billing.Options{})
	if had, err := other.Gateway.DisconnectProvider(e.ctx, "openai"); err != nil || !had {
		t.Fatalf("DisconnectProvider = %v, %v; want it removed", had, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := e.gw.Describe(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Providers[0].AccountUpstream {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the disconnect made by another process was not seen in 10 s: %+v", d.Providers[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status, body := e.post(t, "/gateway/openai/v1/chat/completions", "own-upstream", `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}`); status != http.StatusOK || e.up.calls.Load() != 2 || own.calls.Load() != 1 {
		t.Fatalf("POST chat after disconnect = %d %s; want it through the server's upstream", status, body)
	}
	if had, err := e.svc.Gateway.DisconnectProvider(e.ctx, "openai"); err != nil || had {
		t.Errorf("DisconnectProvider again = %v, %v; want nothing to remove", had, err)
	}
}

// A server without provider keys serves an account that set its own: before,
// the route answers 404 naming the command; after, the call goes through.
func TestGatewayAccountUpstreamWithoutServerKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bare := gateway.New(e.svc, gateway.Options{})
	srv := httptest.NewServer(bare)
	t.Cleanup(func() { bare.Close(context.Background()) })
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.customer(t, "bare", "10")
	call := func() (int, string) {
		resp, err := http.DefaultClient.Do(e.request(t.Context(), t, "/gateway/anthropic/v1/messages", "bare", `{"model":"claude-x","max_tokens":10,"messages":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(b)
	}
	if status, body := call(); status != http.StatusNotFound || !strings.Contains(body, "tollgate gateway connect --provider anthropic --mode test") || !strings.Contains(body, `"type":"error"`) {
		t.Fatalf("unconfigured = %d %s, want 404 naming tollgate gateway connect", status, body)
	}
	if _, err := e.svc.Gateway.ConnectProvider(e.ctx, billing.ConnectProviderInput{Provider: "anthropic", APIKey: anthropicKey, BaseURL: e.up.URL}); err != nil {
		t.Fatal(err)
	}
	if status, body := call(); status != http.StatusOK || e.up.calls.Load() != 1 {
		t.Fatalf("after connect = %d %s, want 200 from the account's upstream", status, body)
	}
}

// ConnectProvider refuses what it cannot use, saying what is wrong, never
// repeating the key, and changes nothing.
func TestGatewayConnectProviderInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const secret = "sk-never-echoed-5555"
	for _, c := range []struct {
		in    billing.ConnectProviderInput
		field string
	}{
		{billing.ConnectProviderInput{Provider: "mistral", APIKey: secret}, "provider"},
		{billing.ConnectProviderInput{Provider: "openai", APIKey: "  "}, "api_key"},
		{billing.ConnectProviderInput{Provider: "openai", APIKey: "sk-has a-space-" + secret}, "api_key"},
		{billing.ConnectProviderInput{Provider: "openai", APIKey: strings.Repeat("k", 1001)}, "api_key"},
		{billing.ConnectProviderInput{Provider: "openai", APIKey: secret, BaseURL: "ftp://example.com"}, "base_url"},
		{billing.ConnectProviderInput{Provider: "openai", APIKey: secret, BaseURL: "https://user:pw-" + secret + "@example.com/v1"}, "base_url"},
		{billing.ConnectProviderInput{Provider: "openai", APIKey: secret, BaseURL: "https://example.com/v1?key=1"}, "base_url"},
	} {
		_, err := e.svc.Gateway.ConnectProvider(e.ctx, c.in)
		if kernel.ErrorCode(err) != kernel.EInvalid || kernel.ErrorField(err) != c.field || strings.Contains(err.Error(), secret) {
			t.Errorf("ConnectProvider(%s, base %q) = %v; want invalid %s without the key", c.in.Provider, c.in.BaseURL, err, c.field)
		}
	}
	if g, err := e.svc.Gateway.Settings(e.ctx); err != nil || len(g.Upstreams) != 0 {
		t.Errorf("Settings = %+v, %v; want no upstream", g, err)
	}
}
