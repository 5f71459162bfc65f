package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/billing"
)

// bigCall is a tools/call over MaxMessageBytes, its id before its params as
// clients write it.
func bigCall(id int) string {
	return `{"jsonrpc":"2.0","id":` + itoa(id) + `,"method":"tools/call","params":{"name":"get_customer","arguments":{"customer":"` +
		strings.Repeat("x", MaxMessageBytes) + `"}}}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// bigInitialize is an initialize over MaxMessageBytes: a request that needs
// no session, so without the limit it would be served.
func bigInitialize() string {
	return `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"` +
		strings.Repeat("x", MaxMessageBytes) + `","version":"1"}}}`
}

// TestHTTPMessageLimit: a body over MaxMessageBytes to /mcp or /message is
// 413 with a JSON-RPC error saying the limit, whatever the key's scope; the
// server serves the next request as before.
func TestHTTPMessageLimit(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	_, key, err := svc.Accounts.CreateScopedAPIKey(context.Background(), acct.ID, billing.ModeTest, billing.ScopeReadOnly, "reader")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHTTP(NewServer(depsFor(svc), Options{}), svc, HTTPOptions{})
	mux := http.NewServeMux()
	mux.Handle("/mcp", h.Streamable())
	mux.Handle("/message", h.SSE())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(h.Close)
	for _, path := range []string{"/mcp", "/message?sessionId=x"} {
		for _, chunked := range []bool{false, true} {
			var body io.Reader = strings.NewReader(bigInitialize())
			if chunked { // no Content-Length: the limit holds while reading
				body = io.MultiReader(body)
			}
			req, _ := http.NewRequest("POST", srv.URL+path, body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("POST %s: %v", path, err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), `"code":-32600`) || !strings.Contains(string(b), "8388608 bytes") {
				t.Errorf("POST %s with %d bytes (chunked %v) = %d %.300s, want 413 with a JSON-RPC error naming the limit", path, len(bigInitialize()), chunked, res.StatusCode, b)
			}
		}
	}
	c, err := client.NewStreamableHttpClient(srv.URL+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + key}))
	if err != nil {
		t.Fatal(err)
	}
	initialize(t, context.Background(), c)
	if r, err := c.CallTool(context.Background(), mcpgo.CallToolRequest{Params: mcpgo.CallToolParams{Name: "whoami"}}); err != nil || r.IsError {
		t.Fatalf("whoami after the refusals = %v, %v", r, err)
	}
}

// TestStdioMessageLimit: a line over MaxMessageBytes is answered with a
// JSON-RPC error carrying its id and saying the limit; the next line is
// served.
func TestStdioMessageLimit(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- ServeStdio(ctx, NewServer(depsFor(svc), Options{}), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}, inR, outW, nil)
		outW.Close()
	}()
	out := bufio.NewScanner(outR)
	out.Buffer(nil, 1<<20)
	go func() {
		io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`+"\n")
		io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
		io.WriteString(inW, bigCall(2)+"\n")
		io.WriteString(inW, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`+"\n")
	}()
	replies := map[float64]map[string]any{}
	for len(replies) < 3 && out.Scan() {
		var reply map[string]any
		if err := json.Unmarshal(out.Bytes(), &reply); err != nil {
			t.Fatalf("stdout carries a non-JSON line %.200q", out.Text())
		}
		id, _ := reply["id"].(float64)
		replies[id] = reply
	}
	e, _ := replies[2]["error"].(map[string]any)
	if msg, _ := e["message"].(string); e["code"] != float64(-32600) || !strings.Contains(msg, "8388608 bytes") {
		t.Errorf("reply to the over-long line = %v, want a JSON-RPC error with its id naming the limit", replies[2])
	}
	if res, _ := replies[3]["result"].(map[string]any); res == nil || res["isError"] == true {
		t.Errorf("whoami after the over-long line = %v, want its result", replies[3])
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeStdio after stdin closed = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ServeStdio did not return after stdin closed")
	}
}
