package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
)

// toolName matches the name of an MCP tool, which REST clients never see.
var toolName = regexp.MustCompile(`\b(create|add|list|get|set|subscribe|record|authorize|void|simulate|quote|archive|send|configure|refund)_[a-z_]+\b`)

// Every fix the domain can name is worded for REST clients, naming an
// endpoint that exists and no MCP tool.
func TestHintsWordEveryAction(t *testing.T) {
	t.Parallel()
	routes := map[string]bool{}
	for _, r := range (&server{}).table() {
		routes[r.pattern] = true
	}
	endpoint := regexp.MustCompile(`(GET|POST) (/v1/[^ ,)]*)`)
	for _, a := range billing.Actions {
		h := hints[a]
		if strings.Contains(h, "`tollgate ") && !toolName.MatchString(h) {
			continue // done by the operator on the server, not over the API
		}
		m := endpoint.FindStringSubmatch(h)
		if m == nil || toolName.MatchString(h) {
			t.Errorf("action %q: REST hint %q, want one that names an endpoint and no tool", a, h)
			continue
		}
		if !routes[m[1]+" "+m[2]] {
			t.Errorf("action %q: hint names %s %s, which is not a route", a, m[1], m[2])
		}
	}
}

// A REST client is told the endpoint, not the MCP tool.
func TestErrorsNameEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := e.wantError(t, e.do("GET", "/v1/customers/nobody", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
	if !strings.Contains(body.Message, "POST /v1/customers") || toolName.MatchString(body.Message) {
		t.Errorf("message %q, want the endpoint and no tool name", body.Message)
	}
}

// A database that cannot be reached answers 503 with Retry-After and a code
// that says to retry, never 500.
func TestDatabaseDownIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool, err := pgxpool.New(context.Background(), "postgres://tollgate@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	down := newServer(billing.NewService(pool, billing.Options{}), nil, Options{})
	key := e.key
	req := httptest.NewRequest("GET", "/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	down.ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("GET /v1/customers with the database down = %d %s, want 503", w.Code, w.Body)
	}
	if w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), `"code":"unavailable"`) {
		t.Errorf("503 without Retry-After or code unavailable: %v %s", w.Header(), w.Body)
	}
}
