package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

// TestOperators: the key's account read and renamed; operators invited
// (a sign-in link each), listed, given a new link and removed, each scoped
// to the key's account; a read-only key only reads.
func TestOperators(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) {
		o.ConsoleURL = func(tok string) string { return "https://tg.example/console/link?token=" + tok }
	})
	var acct wire.Account
	e.must(t, http.StatusOK, "POST", "/v1/account", map[string]any{"name": "Acme AI"}, &acct)
	if acct.Name != "Acme AI" || acct.ID != e.acct.ID || !acct.IsDefault {
		t.Errorf("POST /v1/account = %+v", acct)
	}
	e.wantError(t, e.do("POST", "/v1/account", e.key, map[string]any{"name": ""}), http.StatusUnprocessableEntity, "invalid_request_error", "invalid", "name")

	var link wire.OperatorSignInLink
	e.must(t, http.StatusCreated, "POST", "/v1/operators", map[string]any{"email": "Ana@Acme.example", "role": "owner"}, &link)
	if link.Operator.Email != "ana@acme.example" || link.Operator.Role != "owner" || !strings.HasPrefix(link.URL, "https://tg.example/console/link?token=tgl_") {
		t.Fatalf("POST /v1/operators = %+v", link)
	}
	e.must(t, http.StatusOK, "POST", "/v1/operators", map[string]any{"email": "ana@acme.example", "role": "owner"}, nil) // again: a new link
	e.wantError(t, e.do("POST", "/v1/operators", e.key, map[string]any{"email": "ana@acme.example", "role": "viewer"}), http.StatusConflict, "conflict_error", "conflict", "")
	e.wantError(t, e.do("POST", "/v1/operators", e.key, map[string]any{"email": "ana", "role": "viewer"}), http.StatusUnprocessableEntity, "invalid_request_error", "invalid", "email")
	e.must(t, http.StatusCreated, "POST", "/v1/operators", map[string]any{"email": "vic@acme.example", "role": "viewer", "name": "Vic"}, nil)

	res := e.must(t, http.StatusOK, "GET", "/v1/operators", nil, nil)
	var l wire.List[wire.Operator]
	res.decode(t, &l)
	if len(l.Data) != 2 || l.Data[0].Email != "ana@acme.example" || l.Data[1].Name != "Vic" || strings.Contains(string(res.body), "tgl_") {
		t.Errorf("GET /v1/operators = %s", res.body)
	}
	e.must(t, http.StatusCreated, "POST", "/v1/operators/vic@acme.example/sign_in_links", nil, &link)
	if link.Operator.Email != "vic@acme.example" || !strings.Contains(link.URL, "tgl_") {
		t.Errorf("a sign-in link = %+v", link)
	}

	t.Run("OtherAccount", func(t *testing.T) {
		other := e.newKey(t, "", billing.ModeTest)
		var l wire.List[wire.Operator]
		e.do("GET", "/v1/operators", other, nil).decode(t, &l)
		if len(l.Data) != 0 {
			t.Errorf("another account's key lists %d operators, want none", len(l.Data))
		}
		e.wantError(t, e.do("POST", "/v1/operators/vic@acme.example/sign_in_links", other, nil), http.StatusNotFound, "invalid_request_error", "not_found", "operator")
		e.wantError(t, e.do("POST", "/v1/operators/vic@acme.example/remove", other, nil), http.StatusNotFound, "invalid_request_error", "not_found", "operator")
	})
	t.Run("ReadOnlyKey", func(t *testing.T) {
		_, ro, err := e.svc.Accounts.CreateScopedAPIKey(t.Context(), e.acct.ID, billing.ModeTest, billing.ScopeReadOnly, "ro")
		if err != nil {
			t.Fatal(err)
		}
		e.wantError(t, e.do("POST", "/v1/operators", ro, map[string]any{"email": "x@acme.example", "role": "owner"}), http.StatusForbidden, "permission_error", "read_only_key", "")
		if res := e.do("GET", "/v1/account", ro, nil); res.status != http.StatusOK {
			t.Errorf("GET /v1/account with a read-only key = %d", res.status)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		e.wantError(t, e.do("POST", "/v1/operators/ana@acme.example/remove", e.key, nil), http.StatusConflict, "conflict_error", "conflict", "")
		var op wire.Operator
		e.must(t, http.StatusOK, "POST", "/v1/operators/vic@acme.example/remove", nil, &op)
		if op.Email != "vic@acme.example" {
			t.Errorf("removed %+v", op)
		}
	})
}
