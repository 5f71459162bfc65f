package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// python3 returns the python3 to run sdk/python's tests with, or skips the
// test when there is none (TOLLGATE_REQUIRE_PYTHON, set by .ci/run, makes
// that a failure). The SDK needs Python 3.9 or later.
func python3(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import sys; sys.exit(sys.version_info < (3, 9))").Run()
	}
	if err != nil {
		if os.Getenv("TOLLGATE_REQUIRE_PYTHON") != "" {
			t.Fatalf("python3 3.9+ is required (TOLLGATE_REQUIRE_PYTHON is set): %v", err)
		}
		t.Skip("python3 3.9+ is not installed")
	}
	return py
}

// limitKey sets a key's hot-path limit to 1 request a second (bursts of 2)
// with `tollgate keys limit`, finding the key's id by its prefix in
// `tollgate keys list`.
func limitKey(t *testing.T, dbURL, key string) {
	t.Helper()
	env := append(os.Environ(), "TOLLGATE_DATABASE_URL="+dbURL)
	list := exec.Command(binary, "keys", "list")
	list.Env = env
	out, err := list.Output()
	if err != nil {
		t.Fatalf("keys list: %v", err)
	}
	var id string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 1 && strings.HasPrefix(f[0], "key_") && strings.HasPrefix(key, strings.TrimSuffix(f[1], "…")) {
			id = f[0]
		}
	}
	if id == "" {
		t.Fatalf("keys list does not list the new key:\n%s", out)
	}
	limit := exec.Command(binary, "keys", "limit", id, "--hot-rate", "1")
	limit.Env = env
	if out, err := limit.CombinedOutput(); err != nil {
		t.Fatalf("keys limit %s: %v\n%s", id, err, out)
	}
}

// TestPythonSDK runs sdk/python's unittest suite against the real binary:
// the client, the meter story with stand-ins for the OpenAI and Anthropic
// answers, a real signed webhook delivery, the README's quick start,
// docs/INTEGRATE.md's Python examples and the example app in
// examples/python. Every test must run: one skipped for want of the server
// fails this test.
func TestPythonSDK(t *testing.T) {
	t.Parallel()
	py := python3(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dbURL := testdb.URL(t)
	addr, stderr := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL)
	key := createKey(t, dbURL)
	limited := createKey(t, dbURL)
	limitKey(t, dbURL, limited)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-m", "unittest", "discover", "-v", "-s", filepath.Join("sdk", "python", "tests"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"TOLLGATE_URL=http://"+addr,
		"TOLLGATE_API_KEY="+key,
		"TOLLGATE_LIMITED_API_KEY="+limited,
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -m unittest: %v\n%s\nserver log:\n%s", err, out, stderr)
	}
	if bytes.Contains(out, []byte("skipped")) {
		t.Errorf("python3 -m unittest skipped tests that must run here:\n%s", out)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
}
