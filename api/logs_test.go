package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// TestLogsHoldNoSecrets runs traffic with good, bad and revoked keys and a
// database outage through the API, then reads every log line: none may hold
// an API key, an Authorization header value or a database password, and
// every line carries its request id.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	revoked := e.newKey(t, e.acct.ID, billing.ModeTest)
	if _, err := e.svc.Accounts.RevokeAPIKey(t.Context(), revoked[:14]); err != nil {
		t.Fatal(err)
	}
	bogus := "tg_test_" + strings.Repeat("z", 38)

	e.setup(t)
	e.do("GET", "/v1/customers/user_1", e.key, nil)
	e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "user_2"}, "Idempotency-Key", "create-user_2")
	e.do("POST", "/v1/customers", e.key, map[string]any{"external_id": "user_2"}, "Idempotency-Key", "create-user_2")
	e.do("POST", "/v1/customers", e.key, `{"external_id":`)
	e.do("GET", "/v1/customers", revoked, nil)
	e.do("GET", "/v1/customers", bogus, nil)
	e.do("GET", "/v1/customers", "", nil, "Authorization", "Basic "+e.key)

	// A database outage, over a URL with a password.
	broken := newServer(brokenService(t), nil, Options{Logger: jsonLogger(e.logs)})
	req := httptest.NewRequest("GET", "/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer "+e.key)
	serve(t, broken, req)

	logs := e.logs.String()
	password := e.svc.Pool().Config().ConnConfig.Password
	for what, secret := range map[string]string{
		"the API key":                  e.key,
		"the revoked key":              revoked,
		"the unknown key":              bogus,
		"an Authorization value":       "Bearer ",
		"the test database password":   password,
		"the broken database password": "s3cret-db-pw",
	} {
		if secret == "" {
			t.Logf("%s is empty; not checked", what)
			continue
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %s (%q)", what, secret)
		}
	}
	if strings.Contains(strings.ToLower(logs), "authorization\":") {
		t.Errorf("the logs hold an Authorization header")
	}

	var requests, internal int
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		if line["msg"] == "api request" || line["msg"] == "api internal error" {
			if id, _ := line["request_id"].(string); id == "" {
				t.Errorf("log line without request_id: %s", sc.Text())
			}
		}
		switch line["msg"] {
		case "api request":
			requests++
			for _, k := range []string{"method", "path", "status", "duration_ms"} {
				if _, ok := line[k]; !ok {
					t.Errorf("request line lacks %s: %s", k, sc.Text())
				}
			}
			if line["status"] == float64(http.StatusOK) && line["key_prefix"] == nil {
				t.Errorf("authenticated request line lacks key_prefix: %s", sc.Text())
			}
		case "api internal error", "api unavailable":
			internal++
		}
	}
	if requests < 10 || internal != 1 {
		t.Errorf("logged %d requests and %d internal errors, want at least 10 and exactly 1", requests, internal)
	}
}
