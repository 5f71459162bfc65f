package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tgbin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tollgate")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build tollgate: %v\n%s", err, out)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	testdb.Main(m)
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `tollgate serve` on a fresh database and waits for /readyz.
func startServe(t *testing.T, env ...string) (addr string, stderr *bytes.Buffer) {
	t.Helper()
	addr = freeAddr(t)
	cmd := exec.Command(binary, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), env...)
	stderr = &bytes.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	waitReady(t, addr, stderr)
	return addr, stderr
}

func TestServeWithDatabaseURL(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	startServe(t, "TOLLGATE_DATABASE_URL="+testdb.URL(t), "TOLLGATE_DATA_DIR="+dataDir)
	// With a URL, no embedded cluster is started.
	if _, err := os.Stat(filepath.Join(dataDir, "pg")); !os.IsNotExist(err) {
		t.Errorf("embedded cluster created in %s despite TOLLGATE_DATABASE_URL", dataDir)
	}
}

func TestUnreachableDatabaseIsAClearError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "migrate", "status")
	cmd.Env = append(os.Environ(), "TOLLGATE_DATABASE_URL=postgres://billing:s3cretpw@127.0.0.1:1/tollgate?connect_timeout=2")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("migrate status on an unreachable database succeeded:\n%s", out)
	}
	s := string(out)
	if strings.Contains(s, "s3cretpw") {
		t.Errorf("output leaks the password:\n%s", s)
	}
	if strings.Contains(s, "goroutine ") || strings.Contains(s, "panic") {
		t.Errorf("output has a stack trace:\n%s", s)
	}
	if !strings.Contains(s, "cannot reach the database at postgres://billing:xxxxx@127.0.0.1:1/tollgate") {
		t.Errorf("output does not name the redacted URL:\n%s", s)
	}
}

func TestServeHelpDocumentsConfiguration(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary, "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--database-url", "TOLLGATE_DATABASE_URL", "DATABASE_URL", "--addr", "TOLLGATE_ADDR", "127.0.0.1:8080", "--data-dir", "TOLLGATE_DATA_DIR"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("serve --help does not mention %s", want)
		}
	}
}

func TestServeEmbeddedSharedAndReused(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp("", "tgserve")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dataDir, 0o711) // reachable by the postgres user when we run as root
	t.Cleanup(func() {
		exec.Command(binary, "db", "stop", "--data-dir", dataDir).Run()
		os.RemoveAll(dataDir)
	})
	env := []string{"TOLLGATE_DATABASE_URL=", "DATABASE_URL=", "TOLLGATE_DATA_DIR=" + dataDir}
	run := func() *exec.Cmd {
		addr := freeAddr(t)
		cmd := exec.Command(binary, "serve", "--addr", addr)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitReady(t, addr, &stderr)
		return cmd
	}
	first, second := run(), run()
	for _, c := range []*exec.Cmd{first, second} {
		c.Process.Signal(os.Interrupt)
		if err := c.Wait(); err != nil {
			t.Fatalf("serve exited with %v", err)
		}
	}
	out, _ := exec.Command(binary, "db", "status", "--data-dir", dataDir).Output()
	if !strings.Contains(string(out), "stopped") {
		t.Fatalf("db status after both serves stopped = %q, want stopped", out)
	}
	third := run()
	third.Process.Signal(os.Interrupt)
	third.Wait()
}

func waitReady(t *testing.T, addr string, stderr *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve on %s not ready within 60s; stderr:\n%s", addr, stderr)
}
