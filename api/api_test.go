package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/wire"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is one API over its own database, with a test-mode key of the default
// account; logs holds every log line written.
type env struct {
	t      testing.TB // checks every response against the OpenAPI document
	svc    *billing.Service
	server *server
	acct   billing.Account
	key    string
	logs   *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func jsonLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newEnv(t *testing.T, opts ...func(*Options)) *env {
	t.Helper()
	logs := &syncBuffer{}
	log := jsonLogger(logs)
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{Logger: log})
	ctx := context.Background()
	acct, err := svc.Accounts.EnsureDefaultAccount(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	_, key, err := svc.Accounts.CreateAPIKey(ctx, acct.ID, billing.ModeTest, "api test")
	if err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	o := Options{Logger: log}
	for _, f := range opts {
		f(&o)
	}
	return &env{t: t, svc: svc, server: newServer(svc, profitability.New(pool, svc), o), acct: acct, key: key, logs: logs}
}

// newKey creates a key for an account (a new one when accountID is empty).
func (e *env) newKey(t *testing.T, accountID string, mode billing.Mode) string {
	t.Helper()
	ctx := context.Background()
	if accountID == "" {
		a, err := e.svc.Accounts.CreateAccount(ctx, "other")
		if err != nil {
			t.Fatalf("CreateAccount = %v", err)
		}
		accountID = a.ID
	}
	_, key, err := e.svc.Accounts.CreateAPIKey(ctx, accountID, mode, "api test")
	if err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	return key
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request through the real router and checks the response against
// the OpenAPI document (serve). body is marshalled unless it is a string or
// []byte; headers are name, value pairs.
func (e *env) do(method, path, key string, body any, headers ...string) response {
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return serve(e.t, e.server, req)
}

// must sends a request and fails the test unless it answers want.
func (e *env) must(t *testing.T, want int, method, path string, body any, out any, headers ...string) response {
	t.Helper()
	res := e.do(method, path, e.key, body, headers...)
	if res.status != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, res.status, res.body, want)
	}
	if out != nil {
		res.decode(t, out)
	}
	return res
}

func (r response) decode(t *testing.T, out any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorBody returns the error envelope, checking its shape: exactly one
// "error" key holding type, code and message (param optional).
func (r response) errorBody(t *testing.T) wire.ErrorBody {
	t.Helper()
	var raw map[string]map[string]any
	if err := json.Unmarshal(r.body, &raw); err != nil || len(raw) != 1 || raw["error"] == nil {
		t.Fatalf("body %s is not an error envelope", r.body)
	}
	for k := range raw["error"] {
		if k != "type" && k != "code" && k != "message" && k != "param" {
			t.Errorf("error envelope has unexpected key %q: %s", k, r.body)
		}
	}
	var env wire.ErrorEnvelope
	r.decode(t, &env)
	if env.Error.Type == "" || env.Error.Code == "" || env.Error.Message == "" {
		t.Errorf("error envelope lacks type, code or message: %s", r.body)
	}
	if r.header.Get("Content-Type") != "application/json" {
		t.Errorf("error Content-Type = %q", r.header.Get("Content-Type"))
	}
	return env.Error
}

// wantError checks status, type, code and (when given) param of an error.
func (e *env) wantError(t *testing.T, res response, status int, typ, code, param string) wire.ErrorBody {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d %s, want %d", res.status, res.body, status)
	}
	b := res.errorBody(t)
	if b.Type != typ || b.Code != code || (param != "" && b.Param != param) {
		t.Errorf("error = %+v, want type %s code %s param %q", b, typ, code, param)
	}
	if res.header.Get("Request-Id") == "" {
		t.Errorf("error response has no Request-Id")
	}
	return b
}

// list decodes a list envelope, checking its shape.
func list[T any](t *testing.T, res response) wire.List[T] {
	t.Helper()
	var raw map[string]json.RawMessage
	res.decode(t, &raw)
	for _, k := range []string{"object", "data", "has_more", "next_cursor"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("list body lacks %q: %s", k, res.body)
		}
	}
	var l wire.List[T]
	res.decode(t, &l)
	if l.Object != "list" {
		t.Errorf("object = %q, want list", l.Object)
	}
	if l.HasMore != (l.NextCursor != nil) {
		t.Errorf("has_more %v with next_cursor %v", l.HasMore, l.NextCursor)
	}
	return l
}

// fixture is a customer with a funded wallet and a priced product.
type fixture struct {
	customer wire.Customer
	product  wire.Product
}

// setup creates, through the API, a product "images" (event image.generated,
// 0.04 USD each), a customer user_1 and a 10 USD top-up.
func (e *env) setup(t *testing.T) fixture {
	t.Helper()
	var f fixture
	e.must(t, http.StatusCreated, "POST", "/v1/products", map[string]any{
		"code": "images", "event_type": "image.generated",
		"prices": []any{map[string]any{"model": "per_unit", "asset": "USD", "unit_amount": "0.04"}},
	}, &f.product)
	e.must(t, http.StatusCreated, "POST", "/v1/customers", map[string]any{"external_id": "user_1", "email": "ada@example.com"}, &f.customer)
	e.must(t, http.StatusCreated, "POST", "/v1/adjustments", map[string]any{
		"transaction_id": "topup-1", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "10.00",
	}, nil)
	return f
}

func contains(haystack, needle string) bool {
	return needle != "" && strings.Contains(haystack, needle)
}
