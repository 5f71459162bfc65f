package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, auth := range map[string]string{
		"NoHeader":     "",
		"NotBearer":    "Basic dXNlcjpwYXNz",
		"EmptyBearer":  "Bearer ",
		"NotAKey":      "Bearer hello",
		"UnknownKey":   "Bearer tg_test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"WrongModeKey": "Bearer tg_prod_aaaaaaaaaaaaaaaa",
	} {
		t.Run(name, func(t *testing.T) {
			res := e.do("GET", "/v1/customers", "", nil, "Authorization", auth)
			e.wantError(t, res, http.StatusUnauthorized, typeAuthentication, "unauthorized", "")
			if !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", res.header.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("Revoked", func(t *testing.T) {
		key := e.newKey(t, e.acct.ID, billing.ModeTest)
		e.must(t, http.StatusOK, "GET", "/v1/customers", nil, nil)
		if res := e.do("GET", "/v1/customers", key, nil); res.status != http.StatusOK {
			t.Fatalf("fresh key = %d", res.status)
		}
		if _, err := e.svc.Accounts.RevokeAPIKey(context.Background(), key[:14]); err != nil {
			t.Fatal(err)
		}
		e.wantError(t, e.do("GET", "/v1/customers", key, nil), http.StatusUnauthorized, typeAuthentication, "unauthorized", "")
		e.wantError(t, e.do("POST", "/v1/customers", key, map[string]any{"external_id": "x"}), http.StatusUnauthorized, typeAuthentication, "unauthorized", "")
	})
	t.Run("OpenAPIIsPublic", func(t *testing.T) {
		res := e.do("GET", "/v1/openapi.json", "", nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), `"openapi": "3.1.0"`) {
			t.Errorf("GET /v1/openapi.json = %d", res.status)
		}
	})
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.do("GET", "/v1/customers", e.key, nil).header.Get("Request-Id")
	b := e.do("GET", "/v1/nowhere", "", nil).header.Get("Request-Id")
	if !strings.HasPrefix(a, "req_") || !strings.HasPrefix(b, "req_") || a == b {
		t.Errorf("generated ids %q, %q: want distinct req_ ids on success and error", a, b)
	}
	if got := e.do("GET", "/v1/customers", e.key, nil, "Request-Id", "trace-4bf92f3577b34da6").header.Get("Request-Id"); got != "trace-4bf92f3577b34da6" {
		t.Errorf("incoming well-formed Request-Id came back as %q", got)
	}
	for _, bad := range []string{"short", "has spaces in it", "line\nbreak-forged-log", strings.Repeat("x", 200)} {
		if got := e.do("GET", "/v1/customers", e.key, nil, "Request-Id", bad).header.Get("Request-Id"); got == bad || !strings.HasPrefix(got, "req_") {
			t.Errorf("incoming Request-Id %q came back as %q, want a new one", bad, got)
		}
	}
	if !strings.Contains(e.logs.String(), `"request_id":"trace-4bf92f3577b34da6"`) {
		t.Errorf("the request id is not in the log:\n%s", e.logs)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.BodyLimit = 200; o.BatchBodyLimit = 2000 })
	big := map[string]any{"external_id": strings.Repeat("x", 300)}
	e.wantError(t, e.do("POST", "/v1/customers", e.key, big), http.StatusRequestEntityTooLarge, typeInvalidRequest, "body_too_large", "")
	// The batch endpoint has its own, larger limit: this body passes it and fails on content.
	res := e.do("POST", "/v1/events/batch", e.key, map[string]any{"events": []any{map[string]any{"id": strings.Repeat("e", 300), "customer": "nobody", "event_type": "x"}}})
	if res.status != http.StatusOK {
		t.Errorf("batch of 400 bytes = %d %s, want 200", res.status, res.body)
	}
	huge := map[string]any{"events": []any{map[string]any{"id": strings.Repeat("e", 3000)}}}
	e.wantError(t, e.do("POST", "/v1/events/batch", e.key, huge), http.StatusRequestEntityTooLarge, typeInvalidRequest, "body_too_large", "")
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	// One token every 20 s: the three calls below meet the limit however
	// slowly a loaded machine serves them (at 0.5/s, calls more than 2 s
	// apart under -race found a token refilled).
	e := newEnv(t, func(o *Options) { o.RateLimit = RateLimit{PerSecond: 0.05, Burst: 2} })
	other := e.newKey(t, e.acct.ID, billing.ModeTest)
	e.must(t, http.StatusOK, "GET", "/v1/customers", nil, nil)
	e.must(t, http.StatusOK, "GET", "/v1/customers", nil, nil)
	res := e.do("GET", "/v1/customers", e.key, nil)
	e.wantError(t, res, http.StatusTooManyRequests, typeRateLimit, "rate_limited", "")
	if secs, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || secs < 1 || secs > 20 {
		t.Errorf("Retry-After = %q, want 1-20 seconds (one token every 20 s)", res.header.Get("Retry-After"))
	}
	if res := e.do("GET", "/v1/customers", other, nil); res.status != http.StatusOK {
		t.Errorf("another key = %d, want 200: the limit is per key", res.status)
	}

	if res.header.Get("RateLimit-Limit") != "2" || res.header.Get("RateLimit-Remaining") != "0" || res.header.Get("RateLimit-Reset") == "" {
		t.Errorf("429 headers %v, want RateLimit-Limit 2, RateLimit-Remaining 0 and a reset", res.header)
	}
	// The hot path has its own bucket: management traffic does not starve it.
	if res := e.do("POST", "/v1/authorizations", e.key, map[string]any{"idempotency_key": "hot-1", "customer": "nobody", "amount": "0.01", "asset": "USD"}); res.status != http.StatusNotFound {
		t.Errorf("an authorization after the management limit was met = %d, want it served (404 for an unknown customer), not limited", res.status)
	}

	off := newEnv(t)
	for i := range 300 {
		if res := off.do("GET", "/v1/assets/USD", off.key, nil); res.status != http.StatusOK {
			t.Fatalf("request %d without a limit = %d", i, res.status)
		}
	}
}

func TestParseRateLimit(t *testing.T) {
	for in, want := range map[string]RateLimit{
		"":        DefaultRateLimit(),
		"off":     {},
		"0":       {},
		"50":      {PerSecond: 50},
		"100/200": {PerSecond: 100, Burst: 200},
		"0.5/1":   {PerSecond: 0.5, Burst: 1},
	} {
		got, err := ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %+v, %v, want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"fast", "-1", "10/0", "10/x", "NaN", "Inf"} {
		if _, err := ParseRateLimit(in); err == nil {
			t.Errorf("ParseRateLimit(%q) succeeded, want an error", in)
		}
	}
	if got := (RateLimit{PerSecond: 50}).burst(); got != 100 {
		t.Errorf("default burst of 50/s = %d, want 100", got)
	}
}

// TestInternalError: a database outage is a 503 that says to retry (never a
// 500), logged once with the request id; the driver's text never reaches the
// client.
func TestInternalError(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	h := newServer(brokenService(t), nil, Options{Logger: jsonLogger(logs)})
	req := httptest.NewRequest("GET", "/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer tg_test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	res := serve(t, h, req)
	e := &env{}
	b := e.wantError(t, res, http.StatusServiceUnavailable, typeAPI, "unavailable", "")
	if !strings.Contains(b.Message, "retry the request with the same id") || strings.Contains(string(res.body), "127.0.0.1") || res.header.Get("Retry-After") == "" {
		t.Errorf("503 %v %s: want Retry-After and the retry message, and nothing of the driver's", res.header, res.body)
	}
	id := res.header.Get("Request-Id")
	if n := strings.Count(logs.String(), `"msg":"api unavailable"`); n != 1 {
		t.Errorf("the outage logged %d times, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) {
		t.Errorf("the log does not carry request id %s:\n%s", id, logs)
	}
}

// TestPanic: a panic in a handler is a 500 in the envelope, logged with its
// stack, and the server keeps serving.
func TestPanic(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	h := newServer(nil, nil, Options{Logger: jsonLogger(logs)}) // a nil service panics on first use
	for range 2 {
		req := httptest.NewRequest("GET", "/v1/customers", nil)
		req.Header.Set("Authorization", "Bearer tg_test_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
		res := serve(t, h, req)
		(&env{}).wantError(t, res, http.StatusInternalServerError, typeAPI, "internal", "")
	}
	if n := strings.Count(logs.String(), `"msg":"api panic"`); n != 2 || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("panics logged %d times (want 2, with a stack):\n%s", n, logs)
	}
}

// brokenService is a service whose database cannot be reached; its URL
// carries a password that must never be logged.
func brokenService(t *testing.T) *billing.Service {
	t.Helper()
	cfg, err := pgxpool.ParseConfig("postgres://tollgate:s3cret-db-pw@127.0.0.1:1/tollgate?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return billing.NewService(pool, billing.Options{})
}

// A key's own limits (tollgate keys limit) replace the server's for that key
// only, at once.
func TestRateLimitPerKeySetting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.RateLimit = DefaultRateLimit(); o.HotRateLimit = DefaultHotRateLimit() })
	other := e.newKey(t, e.acct.ID, billing.ModeTest)
	keys, err := e.svc.Accounts.ListAPIKeys(context.Background(), e.acct.ID)
	if err != nil || len(keys) == 0 {
		t.Fatalf("ListAPIKeys = %v, %v", keys, err)
	}
	var id string
	for _, k := range keys {
		if strings.HasPrefix(e.key, k.Prefix) {
			id = k.ID
		}
	}
	if _, err := e.svc.Accounts.SetAPIKeyLimits(context.Background(), id, 1, 0); err != nil {
		t.Fatal(err)
	}
	// 1 request a second with bursts of 2: well within 60 requests a 429
	// comes, however slowly the test runs (the race detector).
	var res response
	for range 60 {
		if res = e.do("GET", "/v1/customers", e.key, nil); res.status == http.StatusTooManyRequests {
			break
		}
	}
	e.wantError(t, res, http.StatusTooManyRequests, typeRateLimit, "rate_limited", "")
	if res.header.Get("RateLimit-Limit") != "2" {
		t.Errorf("RateLimit-Limit = %q, want the key's own burst 2", res.header.Get("RateLimit-Limit"))
	}
	for range 60 {
		if res := e.do("GET", "/v1/customers", other, nil); res.status != http.StatusOK {
			t.Fatalf("a key without its own limit = %d, want 200 at the server's default (burst 200)", res.status)
		}
	}
	if _, err := e.svc.Accounts.SetAPIKeyLimits(context.Background(), id, 0, 0); err != nil {
		t.Fatal(err)
	}
	if res := e.do("GET", "/v1/customers", e.key, nil); res.status != http.StatusOK {
		t.Errorf("after the key's limit was cleared = %d, want 200", res.status)
	}
}
