// Package api is Tollgate's REST API: the JSON-over-HTTP surface a platform's
// backend calls on every billable request, the way it calls Stripe. Every
// route is a thin handler over the one *billing.Service, or over the
// *profitability.Service for /v1/profitability (no business rule lives here); handlers return errors and one adapter (fail) renders them as
// the single error envelope.
//
// What every request goes through, outermost first: a request id (the
// Request-Id header), the access log line, panic recovery, routing, then per
// route: authentication (Authorization: Bearer <key>, which scopes everything
// to the key's account and mode), the per-key rate limit, the body size limit,
// and for a POST with an Idempotency-Key header, the idempotency store.
package api

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/ratelimit"
	"github.com/tollgatehq/tollgate/oauth"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/webhooks"
)

// Body size limits.
const (
	// DefaultBodyLimit caps a request body.
	DefaultBodyLimit = 1 << 20
	// DefaultBatchBodyLimit caps the body of POST /v1/events/batch, which
	// carries up to billing.MaxBatch events.
	DefaultBatchBodyLimit = 8 << 20
)

// Options tune the API; the zero value is valid (no rate limit).
type Options struct {
	// Logger receives one line per request and internal errors; nil discards.
	Logger *slog.Logger
	// RateLimit is the per-key limit of the management endpoints, and
	// HotRateLimit that of the hot path (authorize, record, batch, void);
	// their zero values turn limiting off.
	RateLimit    RateLimit
	HotRateLimit RateLimit
	// BodyLimit caps request bodies in bytes; 0 means DefaultBodyLimit.
	BodyLimit int64
	// Observe, if set, hears of every request: its route pattern, status
	// and duration (for metrics).
	Observe func(route string, status int, d time.Duration)
	// BatchBodyLimit caps the batch endpoint's body; 0 means
	// DefaultBatchBodyLimit (at least BodyLimit).
	BatchBodyLimit int64
	// PortalLinks makes the links of POST /v1/portal_sessions (package
	// portal, wired by cmd); nil answers that route with 404.
	PortalLinks func(ctx context.Context, customer, returnURL string) (url string, expiresAt time.Time, err error)
	// Webhooks serves /v1/webhook_endpoints and /v1/webhook_deliveries;
	// nil answers them 404.
	Webhooks *webhooks.Service
	// ConsoleURL makes the address of a console sign-in link from its
	// token (package console, wired by cmd); nil answers the routes that
	// make links 404.
	ConsoleURL func(token string) string
	// OAuth serves /v1/oauth/grants; nil answers them 404.
	OAuth *oauth.Service
}

// server is the API's http.Handler.
type server struct {
	svc        *billing.Service
	prof       *profitability.Service
	log        *slog.Logger
	opts       Options
	mux        *http.ServeMux
	limiter    *ratelimit.PerKey
	hotLimiter *ratelimit.PerKey
	routes     []route
	keys       idempotencyStore // responses stored under Idempotency-Keys
	requests   atomic.Uint64    // counts keyed requests, to prune old keys now and then
	pruning    atomic.Bool      // a prune is running
}

// New returns the REST API over svc and prof (the profitability routes),
// serving paths under /v1/. Mount it with
// mux.Handle("/v1/", api.New(svc, prof, opts)).
func New(svc *billing.Service, prof *profitability.Service, opts Options) http.Handler {
	return newServer(svc, prof, opts)
}

func newServer(svc *billing.Service, prof *profitability.Service, opts Options) *server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = DefaultBodyLimit
	}
	if opts.BatchBodyLimit <= 0 {
		opts.BatchBodyLimit = max(DefaultBatchBodyLimit, opts.BodyLimit)
	}
	s := &server{svc: svc, prof: prof, log: opts.Logger, opts: opts, mux: http.NewServeMux(), limiter: opts.RateLimit.perKey(), hotLimiter: opts.HotRateLimit.perKey()}
	if svc != nil { // nil only when the OpenAPI document alone is wanted
		s.keys = idempotencyStore{pool: svc.Pool(), now: svc.Now}
	}
	s.routes = s.table()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.endpoint(rt))
	}
	s.mux.HandleFunc("/v1/", s.noRoute)
	return s
}

// requestInfo is what the outer layers learn about a request from the inner
// ones, for the access log.
type requestInfo struct {
	id        string
	log       *slog.Logger // carries request_id
	route     string
	keyPrefix string
	noStore   bool         // the response must not be stored under an Idempotency-Key
	body      *requestBody // a POST's body, parsed once
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{log: slog.New(slog.DiscardHandler)}
}

// ServeHTTP gives the request its id, logs it once when it ends, and turns a
// panic into a 500 (logged with its stack).
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := &requestInfo{id: requestID(r)}
	info.log = s.log.With("request_id", info.id)
	w.Header().Set("Request-Id", info.id)
	sw := &statusWriter{ResponseWriter: w}
	r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			info.log.Error("api panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !sw.wrote {
				s.render(sw, r, internalError())
			}
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", info.route),
			slog.Int("status", sw.statusCode()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.Int64("bytes", sw.bytes),
		}
		if info.keyPrefix != "" {
			attrs = append(attrs, slog.String("key_prefix", info.keyPrefix))
		}
		info.log.LogAttrs(r.Context(), slog.LevelInfo, "api request", attrs...)
		if s.opts.Observe != nil {
			route := info.route
			if route == "" {
				route = "unmatched"
			}
			s.opts.Observe(route, sw.statusCode(), time.Since(start))
		}
	}()
	s.mux.ServeHTTP(sw, r)
}

// incomingRequestID is what an accepted client Request-Id looks like: short
// and free of anything that could forge a log line.
var incomingRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// requestID returns the client's Request-Id when it is well formed (so a
// platform can follow its own trace id through Tollgate's logs), else a new one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("Request-Id"); incomingRequestID.MatchString(id) {
		return id
	}
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return "req_" + strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) statusCode() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// noRoute answers paths under /v1/ that no route serves: 405 with Allow when
// the path exists for other methods, else 404, both in the error envelope.
func (s *server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/v1/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.render(w, r, &apiError{status: http.StatusMethodNotAllowed, typ: typeInvalidRequest, code: "method_not_allowed",
			message: fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))})
		return
	}
	s.render(w, r, &apiError{status: http.StatusNotFound, typ: typeInvalidRequest, code: "route_not_found",
		message: fmt.Sprintf("no route %s %s; GET /v1/openapi.json lists every route", r.Method, r.URL.Path)})
}
