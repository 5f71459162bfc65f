//go:build !windows

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestREADMEFirstRun runs the README's "first ten minutes" block as a bash
// script, exactly as written, with the built binary on the PATH, a fresh
// database and an empty home: serve, wait for readiness, a key, connect
// Cursor, a sub-cent price authorized and recorded, the wallet read.
func TestREADMEFirstRun(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed (.ci/run installs it; the README block uses it)")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- first-run:start -->\n```sh\n(.*?)```\n<!-- first-run:end -->").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no first-run block between <!-- first-run:start --> and <!-- first-run:end -->")
	}
	home := t.TempDir()
	cmd := exec.Command("bash", "-eo", "pipefail", "-c", string(m[1]))
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(binary)+":"+os.Getenv("PATH"), "HOME="+home,
		"TOLLGATE_ADDR="+freeAddr(t), "TOLLGATE_DATABASE_URL="+testdb.URL(t), "TOLLGATE_DATA_DIR="+filepath.Join(home, "data"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the script leaves serve running: stop the group
	// Files, not pipes: the serve the script leaves running keeps its
	// output open, and a pipe would make Run wait for it.
	outFile, _ := os.Create(filepath.Join(t.TempDir(), "stdout"))
	errFile, _ := os.Create(filepath.Join(t.TempDir(), "stderr"))
	cmd.Stdout, cmd.Stderr = outFile, errFile
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	outB, _ := os.ReadFile(outFile.Name())
	errB, _ := os.ReadFile(errFile.Name())
	out := bytes.NewBuffer(outB)
	if err != nil {
		t.Fatalf("the README's first-run block failed: %v\nstdout:\n%s\nstderr:\n%s", err, outB, errB)
	}
	lines := strings.Fields(out.String())
	if len(lines) < 2 || lines[len(lines)-2] != "0.0004" || lines[len(lines)-1] != "0.9996" {
		t.Errorf("the block printed %q, want the fee 0.0004 and then the balance 0.9996", out.String())
	}
	if _, err := os.Stat(filepath.Join(home, ".cursor", "mcp.json")); err != nil {
		t.Errorf("tollgate connect cursor wrote no .cursor/mcp.json: %v", err)
	}
}
