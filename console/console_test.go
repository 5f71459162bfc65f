package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/console"
	"github.com/tollgatehq/tollgate/internal/billingtest"
	"github.com/tollgatehq/tollgate/profitability"
)

// Operator says who is signed in on any path of the server, from the
// session cookie a sign-in link set; a revoked session, or one that owes
// its second factor, is no one.
func TestOperator(t *testing.T) {
	t.Parallel()
	e := billingtest.New(t)
	c, err := console.New(e.Svc, console.Options{BaseURL: "http://127.0.0.1:8080", Profitability: profitability.New(e.Pool, e.Svc), Now: e.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	_, link, _, err := e.Svc.Operators.Invite(bg, billing.InviteOperatorInput{Account: e.Acct.ID, Email: "ana@example.com", Role: billing.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("GET", strings.TrimPrefix(console.SignInURL("http://127.0.0.1:8080", link.Token), "http://127.0.0.1:8080"), nil))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/console/" {
		t.Fatalf("opening the link = %d to %q, want 303 to /console/", rec.Code, rec.Header().Get("Location"))
	}
	cookies := rec.Result().Cookies()
	consent := httptest.NewRequest("GET", "/oauth/authorize", nil) // a page outside /console
	for _, ck := range cookies {
		consent.AddCookie(ck)
	}
	s, ok := c.Operator(consent)
	if !ok || s.Email != "ana@example.com" || s.Role != billing.RoleAdmin || s.AccountID != e.Acct.ID {
		t.Fatalf("Operator = %+v, %v; want ana, admin of the default account", s, ok)
	}
	if _, ok := c.Operator(httptest.NewRequest("GET", "/oauth/authorize", nil)); ok {
		t.Error("Operator without a cookie = true")
	}
	if err := e.Svc.Operators.RevokeSession(bg, s.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Operator(consent); ok {
		t.Error("Operator after the session was revoked = true")
	}
	// With a second factor, a sign-in link's session owes its code: no one yet.
	enr, err := e.Svc.Operators.StartTOTP(bg, s)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(enr.Secret, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Svc.Operators.ConfirmTOTP(bg, s, code); err != nil {
		t.Fatal(err)
	}
	_, link, err = e.Svc.Operators.SignInLink(bg, e.Acct.ID, "ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("GET", "/console/link?token="+link.Token, nil))
	if rec.Header().Get("Location") != "/console/sign-in/code" {
		t.Fatalf("opening a link with a second factor leads to %q, want the code form", rec.Header().Get("Location"))
	}
	pending := httptest.NewRequest("GET", "/oauth/authorize", nil)
	for _, ck := range rec.Result().Cookies() {
		pending.AddCookie(ck)
	}
	if _, ok := c.Operator(pending); ok {
		t.Error("Operator of a session that owes its code = true")
	}
}
