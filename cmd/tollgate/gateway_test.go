package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestGatewayServe runs the gateway in the real binary: serve reads the
// OpenAI key from TOLLGATE_OPENAI_API_KEY_FILE and the base URL of a mock
// upstream, logs the key by its last 4 characters only, and a streamed chat
// call through /gateway/openai/v1 reaches the mock with that key and is
// debited at the product's per-token price; the Anthropic route, with no key
// configured, answers 404 in Anthropic's error shape.
func TestGatewayServe(t *testing.T) {
	t.Parallel()
	const upstreamKey = "sk-serve-test-secret-1234"
	var sawKey string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawKey = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "text/event-stream")
		for _, chunk := range []string{
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}`,
			`{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":2000}}`,
			`[DONE]`,
		} {
			fmt.Fprintf(w, "data: %s\n\n", chunk)
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(up.Close)
	keyFile := filepath.Join(t.TempDir(), "openai-key")
	if err := os.WriteFile(keyFile, []byte(upstreamKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := testdb.URL(t)
	addr, log := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL, "TOLLGATE_OPENAI_API_KEY_FILE="+keyFile,
		"TOLLGATE_OPENAI_BASE_URL="+up.URL+"/v1", "TOLLGATE_ANTHROPIC_API_KEY=")
	key := createKey(t, dbURL)
	post := func(path, body string, header ...string) (int, string) {
		t.Helper()
		return gatewayPost(t, addr, key, path, body, header...)
	}
	gatewaySetUp(t, addr, key)
	status, body := post("/gateway/openai/v1/chat/completions", `{"model": "gpt-4o", "max_tokens": 2000, "stream": true, "messages": [{"role": "user", "content": "Hi"}]}`,
		"Tollgate-Customer", "user_1")
	if status != http.StatusOK || body != "data: "+`{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}`+"\n\ndata: [DONE]\n\n" {
		t.Fatalf("gateway call = %d %q, want 200 with the text chunk (without the \"usage\": null the caller did not ask for) and [DONE], without the usage chunk", status, body)
	}
	if sawKey != "Bearer "+upstreamKey {
		t.Errorf("upstream saw Authorization %q, want the key from the file", sawKey)
	}
	// 1000 × 0.01 + 2000 × 0.03 per 1,000 tokens = 0.07. The usage is
	// recorded just after the answer ended, off the caller's latency; until
	// then the hold counts.
	gatewayEventually(t, "the wallet charged 0.07 with nothing held", func() (bool, string) {
		var wallet struct {
			Balances []struct{ Total, Held string } `json:"balances"`
		}
		status, body := gatewayGet(t, addr, key, "/v1/customers/user_1/wallets/default", &wallet)
		return status == http.StatusOK && len(wallet.Balances) == 1 && wallet.Balances[0].Total == "0.93" && wallet.Balances[0].Held == "0.00", body
	})
	if status, body := post("/gateway/anthropic/v1/messages", `{"model": "claude", "max_tokens": 10, "messages": []}`, "Tollgate-Customer", "user_1"); status != http.StatusNotFound ||
		!strings.Contains(body, `"type":"error"`) || !strings.Contains(body, "TOLLGATE_ANTHROPIC_API_KEY") {
		t.Errorf("unconfigured Anthropic route = %d %s, want 404 in Anthropic's shape naming the variable", status, body)
	}
	logs := log.String()
	if strings.Contains(logs, upstreamKey) || !strings.Contains(logs, "…1234") {
		t.Errorf("serve's log holds the key, or not its last 4 characters:\n%s", logs)
	}
}

// gatewayPost sends a POST with a Tollgate key and reads the answer.
func gatewayPost(t *testing.T, addr, key, path, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s = %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read POST %s = %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// gatewayGet sends a GET with a Tollgate key and decodes the JSON answer
// into v; it returns the status and the body.
func gatewayGet(t *testing.T, addr, key, path string, v any) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s = %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read GET %s = %v", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s = %d %s: not JSON: %v", path, resp.StatusCode, b, err)
	}
	return resp.StatusCode, string(b)
}

// gatewayEventually polls ok, every 20 ms for at most 30 s, until it holds:
// a gateway call's usage is recorded moments after its answer ended. On
// the deadline it fails with what it waited for and ok's last view.
func gatewayEventually(t *testing.T, what string, ok func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, seen := ok()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s in vain for %s; last seen: %s", what, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gatewaySetUp creates, through REST, a product pricing llm.tokens at 0.01
// per 1,000 input tokens and 0.03 per 1,000 output tokens of any model, and
// customer user_1 with 1.00 USD.
func gatewaySetUp(t *testing.T, addr, key string) {
	t.Helper()
	for _, c := range []struct{ path, body string }{
		{"/v1/products", `{"code": "llm", "name": "LLM", "event_type": "llm.tokens", "prices": [
			{"model": "dimensional", "asset": "USD", "field": "input_tokens", "block_size": "1000", "dimensions": ["model"], "rates": [{"values": {"model": "*"}, "amount": "0.01"}]},
			{"model": "dimensional", "asset": "USD", "field": "output_tokens", "block_size": "1000", "dimensions": ["model"], "rates": [{"values": {"model": "*"}, "amount": "0.03"}]}]}`},
		{"/v1/customers", `{"external_id": "user_1"}`},
		{"/v1/adjustments", `{"transaction_id": "fund", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "1.00"}`},
	} {
		if status, body := gatewayPost(t, addr, key, c.path, c.body); status != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", c.path, status, body)
		}
	}
}

// TestGatewayConnect: `tollgate gateway connect` gives an account its own
// Anthropic key (from a file) and base URL in test mode, which a running
// server applies within a second, where before the route answered 404; the
// OpenAI key for live mode comes from the environment; `gateway status`
// shows each mode's upstreams, keys by their last 4 characters only;
// `gateway disconnect` removes one; bad input is refused saying why.
func TestGatewayConnect(t *testing.T) {
	t.Parallel()
	const fileKey, envKey = "sk-ant-from-file-secret-wxyz", "sk-openai-from-env-secret-qrst"
	var sawKey atomic.Value
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawKey.Store(r.Header.Get("X-Api-Key"))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"msg_connect","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"Hi"}],"usage":{"input_tokens":1000,"output_tokens":1000}}`)
	}))
	t.Cleanup(up.Close)
	dbURL := testdb.URL(t)
	db := "TOLLGATE_DATABASE_URL=" + dbURL
	addr, _ := startServe(t, db, "TOLLGATE_OPENAI_API_KEY=", "TOLLGATE_ANTHROPIC_API_KEY=")
	key := createKey(t, dbURL)
	gatewaySetUp(t, addr, key)
	call := func() (int, string) {
		return gatewayPost(t, addr, key, "/gateway/anthropic/v1/messages", `{"model": "claude", "max_tokens": 1000, "messages": []}`, "Tollgate-Customer", "user_1")
	}
	if status, body := call(); status != http.StatusNotFound || !strings.Contains(body, "tollgate gateway connect --provider anthropic") {
		t.Fatalf("before connect = %d %s, want 404 naming the command", status, body)
	}

	keyFile := filepath.Join(t.TempDir(), "anthropic-key")
	if err := os.WriteFile(keyFile, []byte(fileKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runCLI(t, []string{db}, "gateway", "connect", "--provider", "anthropic", "--api-key-file", keyFile, "--base-url", up.URL)
	if err != nil || !strings.Contains(out, "test-mode anthropic calls to "+up.URL+" with key …wxyz") {
		t.Fatalf("gateway connect = %v, %q %q; want the base URL and the key's last 4", err, out, errOut)
	}
	printed := []string{out, errOut}
	deadline := time.Now().Add(10 * time.Second)
	status, body := call()
	for status == http.StatusNotFound && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		status, body = call()
	}
	if status != http.StatusOK || sawKey.Load() != fileKey {
		t.Fatalf("after connect = %d %s, upstream key %q; want 200 through the account's upstream with the file's key", status, body, sawKey.Load())
	}

	out, errOut, err = runCLI(t, []string{db, "TOLLGATE_OPENAI_API_KEY=" + envKey}, "gateway", "connect", "--provider", "openai", "--mode", "live")
	if err != nil || !strings.Contains(out, "live-mode openai calls to https://api.openai.com/v1 with key …qrst") {
		t.Fatalf("gateway connect --mode live = %v, %q %q; want the provider's own base URL and the env key's last 4", err, out, errOut)
	}
	printed = append(printed, out, errOut)
	status2, errOut, err := runCLI(t, []string{db, "TOLLGATE_OPENAI_API_KEY=", "TOLLGATE_ANTHROPIC_API_KEY="}, "gateway", "status")
	for _, want := range []string{
		"test anthropic: the account's own, " + up.URL + " with key …wxyz",
		"test openai: the server's",
		"live openai: the account's own, https://api.openai.com/v1 with key …qrst",
		"live anthropic: the server's",
	} {
		if err != nil || !strings.Contains(status2, want) {
			t.Errorf("gateway status = %v:\n%s\nwant a line %q", err, status2, want)
		}
	}
	printed = append(printed, status2, errOut)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"connect", "--provider", "mistral", "--api-key-file", keyFile}, "--provider must be openai or anthropic"},
		{[]string{"connect", "--provider", "openai"}, "give --api-key-file or set TOLLGATE_OPENAI_API_KEY"},
		{[]string{"connect", "--provider", "openai", "--api-key-file", keyFile, "--base-url", "https://me:pw@example.com"}, "must not hold a user or password"},
		{[]string{"connect", "--provider", "openai", "--api-key-file", keyFile, "--mode", "prod"}, "--mode must be test or live"},
	} {
		out, errOut, err := runCLI(t, []string{db, "TOLLGATE_OPENAI_API_KEY="}, append([]string{"gateway"}, c.args...)...)
		if err == nil || !strings.Contains(errOut, c.want) {
			t.Errorf("gateway %s = %v, %q %q; want an error saying %q", strings.Join(c.args, " "), err, out, errOut, c.want)
		}
		printed = append(printed, out, errOut)
	}
	out, errOut, err = runCLI(t, []string{db}, "gateway", "disconnect", "--provider", "anthropic")
	if err != nil || !strings.Contains(out, "use the server's upstream again") {
		t.Errorf("gateway disconnect = %v, %q %q", err, out, errOut)
	}
	for _, o := range printed {
		if strings.Contains(o, fileKey) || strings.Contains(o, envKey) {
			t.Errorf("a provider key was printed: %q", o)
		}
	}
}
