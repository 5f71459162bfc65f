//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestWebhooksDocExample runs docs/WEBHOOKS.md's request example as a bash
// script, as written but for the two addresses (serve's, and the
// receiver's for localhost:3000), against the real binary, and waits for
// its signed webhook.test event at the receiver.
func TestWebhooksDocExample(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed (.ci/run installs it; the block uses it)")
	}
	doc, err := os.ReadFile("../../docs/WEBHOOKS.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- webhooks-example:start -->\n```sh\n(.*?)```\n<!-- webhooks-example:end -->").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/WEBHOOKS.md has no block between <!-- webhooks-example:start --> and <!-- webhooks-example:end -->")
	}
	type got struct {
		header http.Header
		body   []byte
	}
	arrived := make(chan got, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/tollgate/webhooks" {
			arrived <- got{r.Header.Clone(), b}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(recv.Close)
	dbURL := testdb.URL(t)
	addr, stderr := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	script := strings.NewReplacer("http://localhost:3000", recv.URL, "localhost:8080", addr).Replace(string(m[1]))
	cmd := exec.Command("bash", "-eo", "pipefail", "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TOLLGATE_API_KEY="+createKey(t, dbURL))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"webhook.test"`) {
		t.Fatalf("the block = %v\n%s\nwant it to run and list the webhook.test delivery", err, out)
	}
	select {
	case g := <-arrived:
		var env struct{ Type string }
		if json.Unmarshal(g.body, &env) != nil || env.Type != "webhook.test" || !strings.HasPrefix(g.header.Get("webhook-signature"), "v1,") {
			t.Errorf("the receiver got %s with signature %q, want a signed webhook.test", g.body, g.header.Get("webhook-signature"))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no event reached the receiver within 30s\nblock output:\n%s\nserver log:\n%s", out, stderr)
	}
}
