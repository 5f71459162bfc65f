package oauth

import (
	"net/netip"
	"testing"
)

func TestRedirectMatches(t *testing.T) {
	t.Parallel()
	declared := []string{"https://app.example.com/cb", "http://127.0.0.1/callback", "http://[::1]:8080/cb", "cursor://anysphere.cursor-mcp/oauth/callback"}
	for _, tc := range []struct {
		given string
		want  bool
	}{
		{"https://app.example.com/cb", true},
		{"https://app.example.com/cb/", false},
		{"https://app.example.com/cb?x=1", false},
		{"https://APP.example.com/cb", false},
		{"http://127.0.0.1/callback", true},
		{"http://127.0.0.1:51234/callback", true}, // RFC 8252 §7.3: any port
		{"http://127.0.0.1:51234/other", false},
		{"http://127.0.0.1:51234/callback?x=1", false},
		{"https://127.0.0.1:51234/callback", false},
		{"http://[::1]:1/cb", true},
		{"http://localhost:51234/callback", false}, // another host than the one declared
		{"cursor://anysphere.cursor-mcp/oauth/callback", true},
		{"cursor://anysphere.cursor-mcp/oauth/other", false},
	} {
		if got := redirectMatches(declared, tc.given); got != tc.want {
			t.Errorf("redirectMatches(%q) = %v, want %v", tc.given, got, tc.want)
		}
	}
}

func TestCheckRedirectURI(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"https://claude.ai/api/mcp/auth_callback", "http://127.0.0.1:33418/", "http://localhost:6274/oauth/callback",
		"http://[::1]/cb", "cursor://anysphere.cursor-mcp/oauth/callback", "com.example.app:/oauth2redirect"} {
		if err := checkRedirectURI(ok); err != nil {
			t.Errorf("checkRedirectURI(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"http://app.example.com/cb", "javascript:alert(1)", "data:text/html,x", "file:///etc/passwd",
		"https://app.example.com/cb#frag", "https://user:pw@app.example.com/cb", "/relative", "https:///nohost"} {
		if err := checkRedirectURI(bad); err == nil {
			t.Errorf("checkRedirectURI(%q) = nil, want an error", bad)
		}
	}
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	// RFC 7636, appendix B.
	const verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if !pkceMatches(challenge, verifier) {
		t.Errorf("pkceMatches(RFC 7636's example) = false, want true")
	}
	for _, v := range []string{"", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK", challenge, verifier[:42], verifier + "!"} {
		if pkceMatches(challenge, v) {
			t.Errorf("pkceMatches(%q) = true, want false", v)
		}
	}
}

func TestFormActionFor(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://127.0.0.1:4321/cb?x=1":             "http://127.0.0.1:4321",
		"https://claude.ai/api/mcp/auth_callback":  "https://claude.ai",
		"http://[::1]:80/cb":                       "http://[::1]:80",
		"cursor://anysphere.cursor-mcp/oauth/cb":   "cursor:",
		"https://evil.example;script-src *'/x":     "",
		"https://evil.example 'unsafe-inline'/x":   "",
		"https://a.example:99999999999999/cb":      "https://a.example:99999999999999",
		"com.example.app:/oauth2redirect":          "com.example.app:",
		"https://host.example/cb#'; default-src *": "https://host.example",
	} {
		if got := formActionFor(in); got != want {
			t.Errorf("formActionFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRefusal(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{ // refused without the loopback switch
		"127.0.0.1": true, "::1": true, "10.1.2.3": true, "192.168.1.1": true, "172.16.0.1": true, "100.64.0.1": true,
		"169.254.169.254": true, "169.254.1.1": true, "fe80::1": true, "0.0.0.0": true, "::": true, "fc00::1": true,
		"::ffff:10.0.0.1": true, "8.8.8.8": false, "2606:4700:4700::1111": false,
	} {
		if got := rule(false).Refusal(netip.MustParseAddr(addr)) != ""; got != want {
			t.Errorf("refusal(%s) refuses = %v, want %v", addr, got, want)
		}
	}
	if rule(true).Refusal(netip.MustParseAddr("127.0.0.1")) != "" || rule(true).Refusal(netip.MustParseAddr("10.0.0.1")) == "" ||
		rule(true).Refusal(netip.MustParseAddr("169.254.169.254")) == "" {
		t.Error("with the loopback switch, only loopback is let through")
	}
}
