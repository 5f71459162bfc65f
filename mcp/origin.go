package mcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ParseOrigins reads a comma-separated list of origins a browser may call the
// MCP endpoints from, such as "http://localhost:6274,https://app.example.com".
// Each is a scheme (http or https), a host and an optional port, with no path,
// query or credentials; they come back normalised (lowercase, no default
// port), as OriginGate compares them. Blanks are ignored.
func ParseOrigins(s string) ([]string, error) {
	var out []string
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		o, ok := normalOrigin(raw)
		if !ok {
			return nil, fmt.Errorf("%q is not an origin: write scheme://host[:port], such as https://app.example.com, with no path", raw)
		}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// normalOrigin returns an origin in the form browsers send it (RFC 6454:
// lowercase scheme and host, the port only when it is not the scheme's
// default), or false when s is not an http(s) origin.
func normalOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", false
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

// The request headers a browser client of the streamable HTTP and SSE
// transports sends, which a preflight must allow.
var corsRequestHeaders = strings.Join([]string{
	"Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Mcp-Method", "Mcp-Name",
	"Last-Event-ID", ToolsetsHeader,
}, ", ")

// OriginGate refuses requests from web pages the operator did not allow, as
// the streamable HTTP transport requires (2025-11-25, "Security Warning"): a
// request whose Origin header is present and not in allowed gets 403 before
// anything else reads it (no key is checked, no MCP message parsed). A request
// without Origin (every non-browser client: IDEs, SDKs, curl) passes as
// before. An allowed origin gets the CORS answers a browser needs: preflights
// (OPTIONS) are answered here, since they carry no API key, and responses
// carry Access-Control-Allow-Origin. allowed comes from ParseOrigins; nil
// allows no browser origin, the default.
func OriginGate(allowed []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		o, ok := normalOrigin(origin)
		if !ok || !slices.Contains(allowed, o) {
			originRefused(w, origin)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Mcp-Session-Id, WWW-Authenticate, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", corsRequestHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// originRefused answers 403 in the REST API's error envelope, naming the
// origin (cut short: it is the caller's text) and how an operator allows it.
func originRefused(w http.ResponseWriter, origin string) {
	if len(origin) > 200 {
		origin = origin[:200] + "…"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"error": map[string]string{
		"type": "permission_error", "code": "origin_not_allowed",
		"message": fmt.Sprintf("requests from the web origin %q are not allowed on Tollgate's MCP endpoints (protection against DNS rebinding and cross-site requests); "+
			"clients that are not web pages send no Origin header. To allow a browser-based client, start the server with "+
			"--mcp-allowed-origins or TOLLGATE_MCP_ALLOWED_ORIGINS naming its origin", origin),
	}})
}
