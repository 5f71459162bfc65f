package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	gosdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/tools"
)

// toolNames lists the tools a client sees, sorted.
func toolNames(t *testing.T, cs *gosdk.ClientSession) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}

// setTools returns the tools of the given sets (whoami always), sorted;
// readOnly keeps only the read-only ones.
func setTools(readOnly bool, sets ...string) []string {
	var out []string
	for _, tool := range tools.Select(tools.All(tools.Deps{}), sets, readOnly) {
		out = append(out, tool.Name)
	}
	slices.Sort(out)
	return out
}

func stdioSession(t *testing.T, url string, env []string, args ...string) *gosdk.ClientSession {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"mcp"}, args...)...)
	cmd.Env = append(append(os.Environ(), "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_API_KEY=", "TOLLGATE_DATA_DIR="+t.TempDir()), env...)
	return mcpConnect(t, &gosdk.CommandTransport{Command: cmd})
}

// TestMCPToolsets: each toolset lists exactly its tools, over HTTP (query
// parameter and header) and stdio (flag and environment).
func TestMCPToolsets(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
	key := createKey(t, url)
	var sets []string
	for _, ts := range tools.Toolsets() {
		if len(setTools(false, ts.Name)) > 1 || ts.Name == tools.Always {
			sets = append(sets, ts.Name)
		}
	}
	for _, set := range append(sets, "all") {
		t.Run(set, func(t *testing.T) {
			cs := mcpConnect(t, &gosdk.StreamableClientTransport{
				Endpoint: "http://" + addr + "/mcp?toolsets=" + set, HTTPClient: &http.Client{Transport: bearer{key}}, MaxRetries: -1,
			})
			if diff := cmp.Diff(setTools(false, set), toolNames(t, cs)); diff != "" {
				t.Errorf("tools/list with ?toolsets=%s (-want +got):\n%s", set, diff)
			}
		})
	}
	t.Run("Default", func(t *testing.T) {
		cs := mcpConnect(t, &gosdk.StreamableClientTransport{
			Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: bearer{key}}, MaxRetries: -1,
		})
		got := toolNames(t, cs)
		if diff := cmp.Diff(setTools(false, tools.DefaultToolsets()...), got); diff != "" {
			t.Errorf("default tools/list (-want +got):\n%s", diff)
		}
		if len(got) > 40 {
			t.Errorf("default tools/list has %d tools, want at most 40", len(got))
		}
		msg := mcpErr(t, cs, "get_profitability", map[string]any{"from": "2026-01-01", "to": "2026-01-31"})
		if !strings.Contains(msg, `toolset "reports"`) || !strings.Contains(msg, "toolsets") {
			t.Errorf("get_profitability outside the selected sets = %q, want it to name the set and how to select it", msg)
		}
	})
	t.Run("Header", func(t *testing.T) {
		cs := mcpConnect(t, &gosdk.StreamableClientTransport{
			Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: headers{bearer{key}, "X-Tollgate-Toolsets", "reports,payments"}}, MaxRetries: -1,
		})
		if diff := cmp.Diff(setTools(false, "reports", "payments"), toolNames(t, cs)); diff != "" {
			t.Errorf("tools/list with X-Tollgate-Toolsets (-want +got):\n%s", diff)
		}
	})
	t.Run("ErrUnknownToolset", func(t *testing.T) {
		req, _ := http.NewRequest("POST", "http://"+addr+"/mcp?toolsets=bogus", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /mcp?toolsets=bogus = %d, want 400", resp.StatusCode)
		}
	})
	t.Run("Stdio", func(t *testing.T) {
		cs := stdioSession(t, url, nil, "--toolsets", "wallets,usage")
		if diff := cmp.Diff(setTools(false, "wallets", "usage"), toolNames(t, cs)); diff != "" {
			t.Errorf("tools/list with --toolsets wallets,usage (-want +got):\n%s", diff)
		}
		cs = stdioSession(t, url, []string{"TOLLGATE_MCP_TOOLSETS=payments"})
		if diff := cmp.Diff(setTools(false, "payments"), toolNames(t, cs)); diff != "" {
			t.Errorf("tools/list with TOLLGATE_MCP_TOOLSETS=payments (-want +got):\n%s", diff)
		}
	})
}

// headers adds a header to every request.
type headers struct {
	next        http.RoundTripper
	name, value string
}

func (h headers) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.next.RoundTrip(r)
}

// TestMCPDynamicToolsets: with --dynamic-toolsets the client starts with
// whoami and the two discovery tools; enable_toolset sends
// notifications/tools/list_changed and the client then sees the set's tools.
func TestMCPDynamicToolsets(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	changed := make(chan struct{}, 4)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := gosdk.NewClient(&gosdk.Implementation{Name: "tollgate-e2e", Version: "1"}, &gosdk.ClientOptions{
		ToolListChangedHandler: func(context.Context, *gosdk.ToolListChangedRequest) { changed <- struct{}{} },
	})
	cmd := exec.Command(binary, "mcp", "--dynamic-toolsets")
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_API_KEY=", "TOLLGATE_DATA_DIR="+t.TempDir())
	cs, err := c.Connect(ctx, &gosdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })

	if diff := cmp.Diff([]string{"enable_toolset", "list_toolsets", "whoami"}, toolNames(t, cs)); diff != "" {
		t.Errorf("tools/list at start (-want +got):\n%s", diff)
	}
	list := mcpOK(t, cs, "list_toolsets", nil)
	if dig(list, "toolsets", 0, "name") != "account" || dig(list, "toolsets", 0, "enabled") != true || dig(list, "toolsets", 1, "enabled") != false {
		t.Errorf("list_toolsets = %v, want account enabled first, the others not", list)
	}
	if msg := mcpErr(t, cs, "list_customers", nil); !strings.Contains(msg, "enable_toolset") {
		t.Errorf("list_customers before enabling = %q, want it to say to call enable_toolset", msg)
	}
	en := mcpOK(t, cs, "enable_toolset", map[string]any{"toolset": "customers"})
	if !strings.Contains(en["summary"].(string), "list_customers") {
		t.Errorf("enable_toolset = %v", en)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no notifications/tools/list_changed within 10s of enable_toolset")
	}
	want := append(setTools(false, "customers"), "enable_toolset", "list_toolsets")
	slices.Sort(want)
	if diff := cmp.Diff(want, toolNames(t, cs)); diff != "" {
		t.Errorf("tools/list after enable_toolset customers (-want +got):\n%s", diff)
	}
	mcpOK(t, cs, "list_customers", nil)
}

// TestMCPReadOnly: --read-only lists no write tool and refuses one called by
// name; a read_only key gets the same from a server without the flag, and
// cannot write through REST either.
func TestMCPReadOnly(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	check := func(t *testing.T, cs *gosdk.ClientSession, why string) {
		t.Helper()
		got := toolNames(t, cs)
		if diff := cmp.Diff(setTools(true, "all"), got); diff != "" {
			t.Errorf("read-only tools/list (-want +got):\n%s", diff)
		}
		msg := mcpErr(t, cs, "create_customer", map[string]any{"external_id": "u1"})
		if !strings.Contains(msg, "create_customer changes data") || !strings.Contains(msg, why) {
			t.Errorf("create_customer when read-only = %q, want it to say why (%s)", msg, why)
		}
		mcpOK(t, cs, "list_customers", nil)
	}
	t.Run("Flag", func(t *testing.T) {
		check(t, stdioSession(t, url, nil, "--read-only", "--toolsets", "all"), "--read-only")
	})
	t.Run("Key", func(t *testing.T) {
		key := createKey(t, url, "--read-only")
		addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
		cs := mcpConnect(t, &gosdk.StreamableClientTransport{
			Endpoint: "http://" + addr + "/mcp?toolsets=all", HTTPClient: &http.Client{Transport: bearer{key}}, MaxRetries: -1,
		})
		check(t, cs, "scope read_only")
		check(t, stdioSession(t, url, []string{"TOLLGATE_API_KEY=" + key}, "--toolsets", "all"), "scope read_only")

		req, _ := http.NewRequest("POST", "http://"+addr+"/v1/customers", strings.NewReader(`{"external_id":"u1"}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /v1/customers with a read-only key = %d, want 403", resp.StatusCode)
		}
	})
}
