package egress_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/egress"
)

func TestRefusal(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"169.254.169.254":        "the cloud metadata address",
		"::ffff:169.254.169.254": "the cloud metadata address",
		"127.0.0.1":              "a loopback address (test only)",
		"::1":                    "a loopback address (test only)",
		"10.1.2.3":               "a private address",
		"192.168.0.1":            "a private address",
		"100.64.0.1":             "a private address",
		"fd00::1":                "a private address",
		"169.254.1.1":            "a link-local address",
		"fe80::1":                "a link-local address",
		"0.0.0.0":                "not a public unicast address",
		"239.1.1.1":              "not a public unicast address",
		"93.184.216.34":          "",
		"2606:4700::1111":        "",
	} {
		if got := (egress.Rule{LoopbackNote: " (test only)"}).Refusal(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Refusal(%s) = %q, want %q", addr, got, want)
		}
	}
	if got := (egress.Rule{AllowLoopback: true}).Refusal(netip.MustParseAddr("127.0.0.1")); got != "" {
		t.Errorf("loopback allowed: Refusal = %q, want none", got)
	}
}

// TestClient connects for real: the dialer refuses a loopback server unless
// the rule allows it, and no redirect is followed.
func TestClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, "/there", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	limits := egress.Limits{Timeout: 5 * time.Second}

	_, err := egress.Rule{}.Client(limits).Get(srv.URL)
	var refused *egress.RefusedError
	if !errors.As(err, &refused) || refused.Reason != "a loopback address" {
		t.Fatalf("GET %s under the default rule = %v, want a RefusedError naming loopback", srv.URL, err)
	}
	c := egress.Rule{AllowLoopback: true}.Client(limits)
	resp, err := c.Get(srv.URL)
	if err != nil || resp.StatusCode != http.StatusTeapot {
		t.Fatalf("GET with loopback allowed = %v, %v; want 418", resp, err)
	}
	resp.Body.Close()
	resp, err = c.Get(srv.URL + "/away")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /away = %v, %v; want the 302 itself, not followed", resp, err)
	}
	resp.Body.Close()
}
