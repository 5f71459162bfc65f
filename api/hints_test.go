package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

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
