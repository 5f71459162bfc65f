package mcp

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// TestToolIDsBadText: ids holding a NUL or bytes that are not UTF-8, sent
// over the wire as a client would, are tool errors naming the argument, as
// in the REST API: never an internal error.
func TestToolIDsBadText(t *testing.T) {
	t.Parallel()
	svc, acct := newService(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		ServeStdio(ctx, NewServer(depsFor(svc), Options{Toolsets: []string{"all"}}), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}, inR, outW, nil)
		outW.Close()
	}()
	defer inW.Close()
	out := bufio.NewScanner(outR)
	send := func(msg string) map[string]any {
		t.Helper()
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, `"id"`) {
			return nil
		}
		if !out.Scan() {
			t.Fatalf("no reply to %q", msg)
		}
		var reply map[string]any
		if err := json.Unmarshal(out.Bytes(), &reply); err != nil {
			t.Fatalf("stdout carries a non-JSON line %q", out.Text())
		}
		return reply
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`)
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	for i, c := range []struct{ tool, arg, value string }{
		{"get_customer", "customer", `"b\u0000c"`},
		{"get_customer", "customer", "\"b\xc3(\""},
		{"get_event", "id", `"\ud800"`},
		{"void_authorization", "authorization_id", `"a\u0000"`},
		{"list_customers", "email", "\"\xff\""},
	} {
		reply := send(`{"jsonrpc":"2.0","id":` + string(rune('2'+i)) + `,"method":"tools/call","params":{"name":"` + c.tool + `","arguments":{"` + c.arg + `":` + c.value + `}}}`)
		res, _ := reply["result"].(map[string]any)
		b, _ := json.Marshal(res["content"])
		if res["isError"] != true || strings.Contains(string(b), "internal error") || !strings.Contains(string(b), c.arg) && !strings.Contains(string(b), "arguments") {
			t.Errorf("%s(%s: %q) = %v, want a tool error about the argument, not an internal error", c.tool, c.arg, c.value, reply)
		}
	}
}
