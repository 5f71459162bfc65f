package mcp

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequireKeyRefusesCustomerKeys: /mcp answers a customer key 403 saying
// it works only on the gateway, before any database lookup, and the MCP
// layer never sees the request.
func TestRequireKeyRefusesCustomerKeys(t *testing.T) {
	t.Parallel()
	reached := false
	h := RequireKey(nil, slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer tg_cust_0123456789abcdef")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "only on the metering gateway") || reached {
		t.Errorf("POST /mcp with a customer key = %d %s (reached MCP: %v), want 403 naming the gateway", w.Code, w.Body, reached)
	}
}
