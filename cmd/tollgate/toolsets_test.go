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

// stdioSessionAt starts `tollgate mcp args…` and connects at protocol version.
func stdioSessionAt(t *testing.T, version, url string, env []string, args ...string) *gosdk.ClientSession {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"mcp"}, args...)...)
	cmd.Env = append(append(os.Environ(), "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_API_KEY=", "TOLLGATE_DATA_DIR="+t.TempDir()), env...)
	return mcpConnectAt(t, &gosdk.CommandTransport{Command: cmd}, version)
}

// httpSessionAt connects to serve's /mcp (with query) at protocol version,
// sending key, through rt when given (for extra headers).
func httpSessionAt(t *testing.T, version, addr, query, key string) *gosdk.ClientSession {
	t.Helper()
	return mcpConnectAt(t, &gosdk.StreamableClientTransport{
		Endpoint: "http://" + addr + "/mcp" + query, HTTPClient: &http.Client{Transport: bearer{key}}, MaxRetries: -1,
	}, version)
}

// TestMCPToolsets: each toolset lists exactly its tools, over HTTP (query
// parameter and header) and stdio (flag and environment), on each protocol
// version.
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
	for _, version := range mcpProtocols {
		t.Run(version, func(t *testing.T) {
			for _, set := range append(sets, "all") {
				cs := httpSessionAt(t, version, addr, "?toolsets="+set, key)
				if diff := cmp.Diff(setTools(false, set), toolNames(t, cs)); diff != "" {
					t.Errorf("tools/list with ?toolsets=%s (-want +got):\n%s", set, diff)
				}
			}
			t.Run("Default", func(t *testing.T) {
				cs := httpSessionAt(t, version, addr, "", key)
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
				cs := mcpConnectAt(t, &gosdk.StreamableClientTransport{
					Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: headers{bearer{key}, "X-Tollgate-Toolsets", "reports,payments"}}, MaxRetries: -1,
				}, version)
				if diff := cmp.Diff(setTools(false, "reports", "payments"), toolNames(t, cs)); diff != "" {
					t.Errorf("tools/list with X-Tollgate-Toolsets (-want +got):\n%s", diff)
				}
			})
			t.Run("Stdio", func(t *testing.T) {
				cs := stdioSessionAt(t, version, url, nil, "--toolsets", "wallets,usage")
				if diff := cmp.Diff(setTools(false, "wallets", "usage"), toolNames(t, cs)); diff != "" {
					t.Errorf("tools/list with --toolsets wallets,usage (-want +got):\n%s", diff)
				}
				cs = stdioSessionAt(t, version, url, []string{"TOLLGATE_MCP_TOOLSETS=payments"})
				if diff := cmp.Diff(setTools(false, "payments"), toolNames(t, cs)); diff != "" {
					t.Errorf("tools/list with TOLLGATE_MCP_TOOLSETS=payments (-want +got):\n%s", diff)
				}
			})
		})
	}
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
// notifications/tools/list_changed and the client then sees the set's tools:
// over stdio on both protocol versions, over HTTP on 2025-11-25 (a session).
// A 2026-07-28 HTTP client has no session to enable a set in: enable_toolset
// says to pick the sets in the URL, and that works.
func TestMCPDynamicToolsets(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_MCP_DYNAMIC_TOOLSETS=true")
	key := createKey(t, url)
	connect := func(t *testing.T, transport, version string, changed chan struct{}) *gosdk.ClientSession {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		c := gosdk.NewClient(&gosdk.Implementation{Name: "tollgate-e2e", Version: "1"}, &gosdk.ClientOptions{
			ToolListChangedHandler: func(context.Context, *gosdk.ToolListChangedRequest) { changed <- struct{}{} },
		})
		var tr gosdk.Transport = &gosdk.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp", HTTPClient: &http.Client{Transport: bearer{key}}, MaxRetries: -1}
		if transport == "stdio" {
			cmd := exec.Command(binary, "mcp", "--dynamic-toolsets")
			cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL="+url, "TOLLGATE_API_KEY=", "TOLLGATE_DATA_DIR="+t.TempDir())
			tr = &gosdk.CommandTransport{Command: cmd}
		}
		cs, err := c.Connect(ctx, tr, &gosdk.ClientSessionOptions{ProtocolVersion: version})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cs.Close() })
		if got := cs.InitializeResult().ProtocolVersion; got != version {
			t.Fatalf("negotiated %s, want %s", got, version)
		}
		return cs
	}
	for _, transport := range []string{"stdio", "http"} {
		for _, version := range mcpProtocols {
			t.Run(transport+" "+version, func(t *testing.T) {
				changed := make(chan struct{}, 4)
				cs := connect(t, transport, version, changed)
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
				if transport == "http" && version == "2026-07-28" {
					msg := mcpErr(t, cs, "enable_toolset", map[string]any{"toolset": "customers"})
					if !strings.Contains(msg, "no session") || !strings.Contains(msg, "toolsets query parameter") {
						t.Errorf("enable_toolset without a session = %q, want it to say to pick the sets in the URL", msg)
					}
					cs = httpSessionAt(t, version, addr, "?toolsets=customers", key)
					mcpOK(t, cs, "list_customers", nil)
					return
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
			})
		}
	}
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
		for _, version := range mcpProtocols {
			check(t, stdioSessionAt(t, version, url, nil, "--read-only", "--toolsets", "all"), "--read-only")
		}
	})
	t.Run("Key", func(t *testing.T) {
		key := createKey(t, url, "--read-only")
		addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+url)
		for _, version := range mcpProtocols {
			check(t, httpSessionAt(t, version, addr, "?toolsets=all", key), "scope read_only")
			check(t, stdioSessionAt(t, version, url, []string{"TOLLGATE_API_KEY=" + key}, "--toolsets", "all"), "scope read_only")
		}

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
