package mcp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

func TestParseOrigins(t *testing.T) {
	t.Parallel()
	got, err := ParseOrigins(" http://localhost:6274, HTTPS://App.Example.com:443/ ,,http://[::1]:80,http://localhost:6274")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://localhost:6274", "https://app.example.com", "http://[::1]"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ParseOrigins = %q, want %q", got, want)
	}
	for _, bad := range []string{"localhost:6274", "ftp://example.com", "https://example.com/app", "https://u:p@example.com", "https://example.com?x=1", "*"} {
		if _, err := ParseOrigins(bad); err == nil || !strings.Contains(err.Error(), "scheme://host[:port]") {
			t.Errorf("ParseOrigins(%q) = %v, want an error showing the form", bad, err)
		}
	}
}

// TestOriginGate: a valid key is not enough when the request comes from a
// web page the operator did not allow (the 2025-11-25 transport's DNS
// rebinding rule); an allowed page is served, with CORS; a client that sends
// no Origin is served as before.
func TestOriginGate(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	_, key, err := svc.Accounts.CreateAPIKey(context.Background(), acct.ID, billing.ModeTest, "test")
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := ParseOrigins("http://localhost:6274")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHTTP(NewServer(depsFor(svc), Options{}), svc, HTTPOptions{AllowedOrigins: allowed})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h.Streamable())
	mux.Handle("/sse", h.SSE())
	mux.Handle("/message", h.SSE())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)

	do := func(method, path, origin string, header map[string]string) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if method == http.MethodPost {
			body = strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`)
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+key)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if method == http.MethodGet && resp.StatusCode == http.StatusOK {
			return resp, "" // an event stream: do not read it to its end
		}
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	for _, origin := range []string{"http://evil.example.com", "http://localhost:6275", "https://localhost:6274", "null"} {
		t.Run("ErrOrigin "+origin, func(t *testing.T) {
			resp, body := do(http.MethodPost, "/mcp", origin, nil)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `"code":"origin_not_allowed"`) || !strings.Contains(body, "TOLLGATE_MCP_ALLOWED_ORIGINS") {
				t.Errorf("POST /mcp from %s with a valid key = %d %s, want 403 origin_not_allowed naming the setting", origin, resp.StatusCode, body)
			}
			if resp.Header.Get("Mcp-Session-Id") != "" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("a refused origin got a session or CORS headers: %v", resp.Header)
			}
		})
	}
	t.Run("ErrOriginSSE", func(t *testing.T) {
		if resp, body := do(http.MethodGet, "/sse", "http://evil.example.com", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET /sse from evil.example.com = %d %s, want 403", resp.StatusCode, body)
		}
	})
	t.Run("Allowed", func(t *testing.T) {
		resp, body := do(http.MethodPost, "/mcp", "http://LOCALHOST:6274", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"serverInfo"`) || resp.Header.Get("Access-Control-Allow-Origin") != "http://LOCALHOST:6274" {
			t.Errorf("POST /mcp from an allowed origin = %d %v %s, want the initialize result with CORS", resp.StatusCode, resp.Header, body)
		}
	})
	t.Run("AllowedPreflight", func(t *testing.T) {
		resp, _ := do(http.MethodOptions, "/mcp", "http://localhost:6274", map[string]string{"Access-Control-Request-Method": "POST", "Authorization": ""})
		if resp.StatusCode != http.StatusNoContent || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Mcp-Protocol-Version") {
			t.Errorf("preflight from an allowed origin = %d %v, want 204 allowing the MCP headers", resp.StatusCode, resp.Header)
		}
	})
	t.Run("NoOrigin", func(t *testing.T) {
		if resp, body := do(http.MethodPost, "/mcp", "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"serverInfo"`) {
			t.Errorf("POST /mcp without Origin = %d %s, want it served", resp.StatusCode, body)
		}
	})
	t.Run("ErrNoneAllowedByDefault", func(t *testing.T) {
		h := NewHTTP(NewServer(depsFor(svc), Options{}), svc, HTTPOptions{})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Origin", "http://localhost:6274")
		h.Streamable().ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("with no allowed origins, a request from localhost:6274 = %d, want 403", rec.Code)
		}
	})
}
