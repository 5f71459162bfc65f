//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// runDocBlock runs the shell block of a doc between <!-- name:start --> and
// <!-- name:end --> as a bash script, exactly as written, with the built
// binary on the PATH, a fresh database, an empty home and a free address in
// TOLLGATE_ADDR; it returns what the script printed, one word each, and the
// home it ran in. A serve the script starts is stopped with the script's
// process group.
func runDocBlock(t *testing.T, doc, name string) (words []string, home string) {
	t.Helper()
	if _, err := exec.LookPath("jq"); err != nil {
		t.Skip("jq is not installed (.ci/run installs it; the doc's block uses it)")
	}
	text, err := os.ReadFile(filepath.Join("../..", doc))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- " + name + ":start -->\n```sh\n(.*?)```\n<!-- " + name + ":end -->").FindSubmatch(text)
	if m == nil {
		t.Fatalf("%s has no block between <!-- %s:start --> and <!-- %s:end -->", doc, name, name)
	}
	home = t.TempDir()
	cmd := exec.Command("bash", "-eo", "pipefail", "-c", string(m[1]))
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(binary)+":"+os.Getenv("PATH"), "HOME="+home,
		"TOLLGATE_ADDR="+fixedAddr(t), "TOLLGATE_DATABASE_URL="+testdb.URL(t), "TOLLGATE_DATA_DIR="+filepath.Join(home, "data"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// Files, not pipes: a serve the script leaves running keeps its output
	// open, and a pipe would make Run wait for it.
	outFile, _ := os.Create(filepath.Join(t.TempDir(), "stdout"))
	errFile, _ := os.Create(filepath.Join(t.TempDir(), "stderr"))
	cmd.Stdout, cmd.Stderr = outFile, errFile
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	outB, _ := os.ReadFile(outFile.Name())
	errB, _ := os.ReadFile(errFile.Name())
	if err != nil {
		t.Fatalf("%s's %s block failed: %v\nstdout:\n%s\nstderr:\n%s", doc, name, err, outB, errB)
	}
	return strings.Fields(string(outB)), home
}

// TestPlansWalkthrough runs docs/PLANS.md's test-clock walk-through: a plan
// subscribed on a clock renews when the clock passes a month.
func TestPlansWalkthrough(t *testing.T) {
	t.Parallel()
	got, _ := runDocBlock(t, "docs/PLANS.md", "clock-walkthrough")
	if want := []string{"paid", "34.99", "15.00"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the walk-through printed %q, want %q (the renewal paid, January's closing, February's balance)", got, want)
	}
}
