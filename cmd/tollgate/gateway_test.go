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
	"testing"

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
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, strings.NewReader(body))
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
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct{ path, body string }{
		{"/v1/products", `{"code": "llm", "name": "LLM", "event_type": "llm.tokens", "prices": [
			{"model": "dimensional", "asset": "USD", "field": "input_tokens", "block_size": "1000", "dimensions": ["model"], "rates": [{"values": {"model": "*"}, "amount": "0.01"}]},
			{"model": "dimensional", "asset": "USD", "field": "output_tokens", "block_size": "1000", "dimensions": ["model"], "rates": [{"values": {"model": "*"}, "amount": "0.03"}]}]}`},
		{"/v1/customers", `{"external_id": "user_1"}`},
		{"/v1/adjustments", `{"transaction_id": "fund", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "1.00"}`},
	} {
		if status, body := post(c.path, c.body); status != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", c.path, status, body)
		}
	}
	status, body := post("/gateway/openai/v1/chat/completions", `{"model": "gpt-4o", "max_tokens": 2000, "stream": true, "messages": [{"role": "user", "content": "Hi"}]}`,
		"Tollgate-Customer", "user_1")
	if status != http.StatusOK || body != "data: "+`{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}`+"\n\ndata: [DONE]\n\n" {
		t.Fatalf("gateway call = %d %q, want 200 with the text chunk and [DONE], without the usage chunk", status, body)
	}
	if sawKey != "Bearer "+upstreamKey {
		t.Errorf("upstream saw Authorization %q, want the key from the file", sawKey)
	}
	// 1000 × 0.01 + 2000 × 0.03 per 1,000 tokens = 0.07. The usage is
	// recorded before the answer ends, so the wallet shows it now.
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/customers/user_1/wallets/default", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var wallet struct {
		Balances []struct{ Total, Held string } `json:"balances"`
	}
	json.NewDecoder(resp.Body).Decode(&wallet)
	resp.Body.Close()
	if len(wallet.Balances) != 1 || wallet.Balances[0].Total != "0.93" || wallet.Balances[0].Held != "0.00" {
		t.Errorf("wallet = %+v, want total 0.93, nothing held", wallet)
	}
	if status, body := post("/gateway/anthropic/v1/messages", `{"model": "claude", "max_tokens": 10, "messages": []}`, "Tollgate-Customer", "user_1"); status != http.StatusNotFound ||
		!strings.Contains(body, `"type":"error"`) || !strings.Contains(body, "TOLLGATE_ANTHROPIC_API_KEY") {
		t.Errorf("unconfigured Anthropic route = %d %s, want 404 in Anthropic's shape naming the variable", status, body)
	}
	logs := log.String()
	if strings.Contains(logs, upstreamKey) || !strings.Contains(logs, "…1234") {
		t.Errorf("serve's log holds the key, or not its last 4 characters:\n%s", logs)
	}
}
