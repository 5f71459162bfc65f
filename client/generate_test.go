package client_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// types.gen.go is what the pinned oapi-codegen makes of api/openapi.json
// today: run `go generate ./client` when this fails.
func TestGoClientGeneratedUpToDate(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("generate.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`//go:generate go run (\S+) (.*)`).FindSubmatch(src)
	if m == nil {
		t.Fatal("generate.go has no go:generate line")
	}
	out := filepath.Join(t.TempDir(), "types.gen.go")
	args := append([]string{"run", string(m[1])}, strings.Fields(string(m[2]))...)
	i := slices.Index(args, "-o")
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("the go:generate line has no -o: %s", m[0])
	}
	args[i+1] = out
	cmd := exec.Command("go", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v = %v\n%s", args, err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("types.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("client/types.gen.go is stale: api/openapi.json or the generator's configuration changed; run go generate ./client")
	}
}
