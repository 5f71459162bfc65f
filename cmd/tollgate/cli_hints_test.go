package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// runCLI runs the binary with env added and returns stdout and stderr.
func runCLI(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// TestKeysCreateHint: the hint of `keys create` shows the address serve
// listens on (TOLLGATE_ADDR, a wildcard host as localhost), and suggests
// `connect --key`, which writes a test key, only for a test key.
func TestKeysCreateHint(t *testing.T) {
	t.Parallel()
	db := "TOLLGATE_DATABASE_URL=" + testdb.URL(t)
	_, hint, err := runCLI(t, []string{db, "TOLLGATE_ADDR=0.0.0.0:9123"}, "keys", "create")
	if err != nil || !strings.Contains(hint, "curl -s http://localhost:9123/v1/customers") || !strings.Contains(hint, "tollgate connect cursor --key") {
		t.Errorf("keys create with TOLLGATE_ADDR=0.0.0.0:9123 = %v, hint:\n%s\nwant curl on http://localhost:9123 and connect --key", err, hint)
	}
	_, hint, err = runCLI(t, []string{db, "TOLLGATE_ADDR=127.0.0.1:9124"}, "keys", "create", "--live")
	if err != nil || !strings.Contains(hint, "curl -s http://127.0.0.1:9124/v1/customers") || strings.Contains(hint, "--key") ||
		!strings.Contains(hint, "live") {
		t.Errorf("keys create --live = %v, hint:\n%s\nwant curl on http://127.0.0.1:9124, a word on live keys and no connect --key", err, hint)
	}
}

// TestConnectKeyReused: `connect cursor --key` run again keeps the key it
// wrote (saying so) instead of making one more full-scope key each run, and
// makes a new one only when that key stopped working; every run reminds
// that the file holds a secret.
func TestConnectKeyReused(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	dir := t.TempDir()
	keyOf := func() string {
		b, err := os.ReadFile(filepath.Join(dir, ".cursor", "mcp.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Servers map[string]struct{ Env map[string]string } `json:"mcpServers"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Servers["tollgate"].Env["TOLLGATE_API_KEY"]
	}
	connect := func() string {
		t.Helper()
		out, errOut, err := runCLI(t, nil, "connect", "cursor", "--dir", dir, "--key", "--database-url", url)
		if err != nil {
			t.Fatalf("connect cursor --key = %v\n%s%s", err, out, errOut)
		}
		if !strings.Contains(errOut, "keep it out of version control") {
			t.Errorf("connect cursor --key said nothing about keeping the key out of version control:\n%s", errOut)
		}
		return errOut
	}
	first := connect()
	key := keyOf()
	if !strings.Contains(first, "created a test-mode API key") || !strings.HasPrefix(key, "tg_test_") {
		t.Fatalf("first connect said:\n%s\nwrote key %.12s…; want a new test key, said", first, key)
	}
	second := connect()
	if keyOf() != key || !strings.Contains(second, "kept the test-mode API key") {
		t.Errorf("second connect said:\n%s\nwant the same key kept, said", second)
	}
	list, _, err := runCLI(t, nil, "keys", "list", "--database-url", url)
	if err != nil || strings.Count(list, "mcp (tollgate connect)") != 1 {
		t.Errorf("keys after two connects = %v\n%s\nwant one key made by connect", err, list)
	}
	id := regexp.MustCompile(`\(key (key_[0-9a-z]+)\)`).FindStringSubmatch(first)
	if id == nil {
		t.Fatalf("first connect did not name its key's id:\n%s", first)
	}
	if out, errOut, err := runCLI(t, nil, "keys", "revoke", id[1], "--database-url", url); err != nil {
		t.Fatalf("keys revoke %s = %v\n%s%s", id[1], err, out, errOut)
	}
	third := connect()
	if keyOf() == key || !strings.Contains(third, "no longer works") {
		t.Errorf("connect after the key was revoked said:\n%s\nwant a new key and why", third)
	}
}

// TestVerifySummary: verify's counts agree with their nouns.
func TestVerifySummary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    billing.VerifyReport
		want string
	}{
		{billing.VerifyReport{Transactions: 1, Lots: 1, Balances: 1}, "checked 1 transaction, 1 lot, 1 balance: 0 problems"},
		{billing.VerifyReport{Transactions: 2, Lots: 0, Balances: 3, Problems: []string{"x"}}, "checked 2 transactions, 0 lots, 3 balances: 1 problem"},
	} {
		if got := verifySummary(tc.r); got != tc.want {
			t.Errorf("verifySummary(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
