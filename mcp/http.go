package mcp

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/ratelimit"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/tools"
)

// HTTPOptions tune the HTTP transports; the zero value is valid.
type HTTPOptions struct {
	// Logger receives authentication outages; nil discards them.
	Logger *slog.Logger
	// AllowAnyHost turns off mcp-go's DNS-rebinding guard, which answers 403
	// to a request that reaches a loopback address with a Host header other
	// than localhost (a reverse proxy on the same machine that keeps the
	// public Host does that). Every request still needs an API key.
	AllowAnyHost bool
	// RatePerSecond and RateBurst limit each API key's MCP requests; zero
	// means DefaultMCPRatePerSecond and DefaultMCPRateBurst, a negative
	// RatePerSecond turns the limit off.
	RatePerSecond float64
	RateBurst     int
	// OAuth, when set, lets /mcp (not the legacy SSE transport) accept its
	// access tokens beside API keys.
	OAuth OAuth
	// AllowedOrigins are the web origins (from ParseOrigins) whose pages may
	// call the MCP endpoints; a request with any other Origin header gets
	// 403 (see OriginGate). None by default.
	AllowedOrigins []string
}

// HTTP serves MCP over HTTP: streamable HTTP (mount at /mcp) and the legacy
// HTTP+SSE transport (mount at /sse and /message). Every request needs an API
// key (see RequireKey); a body over MaxMessageBytes is refused with 413; a
// request from a web origin not in HTTPOptions.AllowedOrigins gets 403.
type HTTP struct {
	streamable http.Handler
	sse        *mcpserver.SSEServer
	sseHandler http.Handler
}

// NewHTTP returns the HTTP transports of s, authenticating with svc.
func NewHTTP(s *mcpserver.MCPServer, svc *billing.Service, opts HTTPOptions) *HTTP {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	perSecond, burst := opts.RatePerSecond, opts.RateBurst
	if perSecond == 0 {
		perSecond, burst = DefaultMCPRatePerSecond, DefaultMCPRateBurst
	}
	// One set of buckets for both transports: a key's budget is the same
	// whichever it speaks.
	limiter := ratelimit.New(perSecond, burst)
	streamable := mcpserver.NewStreamableHTTPServer(s,
		mcpserver.WithEndpointPath("/mcp"),
		// Tollgate sends no server-initiated messages, so a standalone GET
		// stream would only hold a connection open: GET answers 405, which
		// the transport allows and clients handle.
		mcpserver.WithDisableStreaming(true),
		mcpserver.WithDisableLocalhostProtection(opts.AllowAnyHost),
		mcpserver.WithStreamableHTTPLogger(log),
	)
	sse := mcpserver.NewSSEServer(s,
		mcpserver.WithSSEEndpoint("/sse"),
		mcpserver.WithMessageEndpoint("/message"),
		mcpserver.WithKeepAlive(true),
		mcpserver.WithKeepAliveInterval(25*time.Second),
		mcpserver.WithSSEDisableLocalhostProtection(opts.AllowAnyHost),
		// The /sse query (toolsets) is repeated on the /message URL, where
		// the requests it applies to arrive.
		mcpserver.WithAppendQueryToMessageEndpoint(),
	)
	return &HTTP{
		streamable: OriginGate(opts.AllowedOrigins, requireKey(svc, opts.OAuth, log, limitPerKey(limiter, limitBody(SelectToolsets(streamable))))),
		sse:        sse,
		sseHandler: OriginGate(opts.AllowedOrigins, RequireKey(svc, log, limitPerKey(limiter, limitBody(SelectToolsets(endlessStream(sse)))))),
	}
}

// Streamable is the streamable HTTP transport, for /mcp.
func (h *HTTP) Streamable() http.Handler { return h.streamable }

// SSE is the legacy HTTP+SSE transport, for both /sse (the event stream)
// and /message (the client's requests).
func (h *HTTP) SSE() http.Handler { return h.sseHandler }

// Close ends the open SSE streams, which would otherwise hold
// http.Server.Shutdown until its deadline. Call it before Shutdown.
func (h *HTTP) Close() { h.sse.CloseSessions() }

// endlessStream lifts the server's write timeout from event streams (GET),
// which stay open for as long as the client is connected.
func endlessStream(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
		}
		next.ServeHTTP(w, r)
	})
}

// ToolsetsHeader names the toolsets a connection wants, like the toolsets
// query parameter; the parameter wins when both are sent.
const ToolsetsHeader = "X-Tollgate-Toolsets"

// SelectToolsets puts the request's own toolset selection (the toolsets query
// parameter or the X-Tollgate-Toolsets header, comma-separated) in its
// context; an unknown set is a 400 naming the known ones.
func SelectToolsets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query().Get("toolsets")
		if v == "" {
			v = r.Header.Get(ToolsetsHeader)
		}
		if strings.TrimSpace(v) == "" {
			next.ServeHTTP(w, r)
			return
		}
		sets, err := tools.ParseToolsets(v)
		if err != nil {
			http.Error(w, "toolsets: "+err.Error(), http.StatusBadRequest)
			return
		}
		if missing := beyondGrant(r.Context(), sets); len(missing) > 0 {
			insufficientScope(w, r, missing)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithToolsets(r.Context(), sets)))
	})
}

// RequireKey lets through only requests with a valid API key in
// `Authorization: Bearer <key>`, with the key's caller (account and mode) in
// their context. Others get 401 with a WWW-Authenticate challenge (RFC 6750)
// and no body: the MCP layer never sees them.
func RequireKey(svc *billing.Service, log *slog.Logger, next http.Handler) http.Handler {
	return requireKey(svc, nil, log, next)
}

// requireKey is RequireKey that, with o, also accepts o's access tokens and
// names o's metadata in its challenges.
func requireKey(svc *billing.Service, o OAuth, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		key = strings.TrimSpace(key)
		if !strings.EqualFold(scheme, "Bearer") || key == "" {
			w.Header().Set("WWW-Authenticate", challenge(o, `Bearer realm="tollgate"`))
			unauthorized(w, "this endpoint needs an API key: create one with `tollgate keys create` and send it as Authorization: Bearer <key>")
			return
		}
		if o != nil && o.Owns(key) {
			serveToken(w, r, o, key, log, next)
			return
		}
		if billing.IsCustomerKey(key) {
			forbidden(w, billing.CustomerKeyOnlyOnGateway)
			return
		}
		c, err := svc.Accounts.Authenticate(r.Context(), key)
		switch kernel.ErrorCode(err) {
		case "":
			next.ServeHTTP(w, r.WithContext(billing.WithCaller(r.Context(), c)))
		case kernel.EUnauthorized:
			w.Header().Set("WWW-Authenticate", challenge(o, `Bearer realm="tollgate", error="invalid_token", error_description="`+headerSafe(kernel.ErrorMessage(err))+`"`))
			msg := kernel.ErrorMessage(err)
			if !strings.Contains(msg, "keys create") {
				msg += "; create a key with `tollgate keys create`"
			}
			unauthorized(w, msg+" and send it as Authorization: Bearer <key>")
		default:
			log.Error("authenticate MCP request", "err", err)
			http.Error(w, "authentication is unavailable; try again later", http.StatusServiceUnavailable)
		}
	})
}

// unauthorized answers 401 with the REST API's error envelope, so a client
// (or a person with curl) reads how to fix it rather than an empty body.
func unauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"error": map[string]string{"type": "authentication_error", "code": "unauthorized", "message": message}})
}

// forbidden answers 403 in the same envelope: a customer key (tg_cust_…)
// works only on the metering gateway.
func forbidden(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"error": map[string]string{"type": "permission_error", "code": "customer_key_not_allowed", "message": message}})
}

// headerSafe keeps the characters RFC 6750 allows in error_description.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\\':
			return '\''
		case r == '…':
			return '.'
		case r < 0x20 || r > 0x7e:
			return -1
		}
		return r
	}, s)
}
