package client_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestGoClientDocExamples runs docs/INTEGRATE.md's Go programs as written,
// in order, against the real API, and checks that each prints what its
// comments say.
func TestGoClientDocExamples(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "docs", "INTEGRATE.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The client's README shows the guide's quick start: the same block.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	quick := regexp.MustCompile("(?s)<!-- go-quickstart:start -->.*?<!-- go-quickstart:end -->")
	if a, b := quick.Find(readme), quick.Find(doc); a == nil || string(a) != string(b) {
		t.Errorf("client/README.md's quick start is not docs/INTEGRATE.md's go-quickstart block")
	}
	s := newServer(t)
	for _, tc := range []struct{ block, want string }{
		{"go-setup", "user_123 has 10.00 USD\n"},
		{"go-quickstart", "charged 0.000345 USD for event req-42\n"},
		{"go-decline", "402: insufficient_funds short by 0.0012 USD\ntrue held 0.00\n"},
	} {
		m := regexp.MustCompile(`(?s)<!-- ` + tc.block + `:start -->\n` + "```go\n(.*?)```\n<!-- " + tc.block + `:end -->`).FindSubmatch(doc)
		if m == nil {
			t.Fatalf("docs/INTEGRATE.md has no %s block", tc.block)
		}
		// What each program prints is in its comments, too.
		for _, line := range strings.Split(strings.TrimSpace(tc.want), "\n") {
			if !strings.Contains(string(m[1]), "// "+line) {
				t.Errorf("the %s block does not say it prints %q", tc.block, line)
			}
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.go"), m[1], 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "run", filepath.Join(dir, "main.go"))
		cmd.Env = append(os.Environ(), "TOLLGATE_URL="+s.URL, "TOLLGATE_API_KEY="+s.Key)
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("the %s block: %v\n%s%s", tc.block, err, out, stderr)
		}
		if string(out) != tc.want {
			t.Errorf("the %s block printed %q, want %q", tc.block, out, tc.want)
		}
	}
}
