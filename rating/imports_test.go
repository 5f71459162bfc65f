package rating_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImports keeps rating pure: outside the standard library it may depend
// only on the decimal type and kernel (with the ULID encoding of kernel's
// ids), so no database driver, transport, CLI or MCP package (nor billing or
// a surface) can reach it, even through another package; and it imports no
// standard package that does I/O.
func TestImports(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("LookPath(go) = %v; the import check runs go list", err)
	}
	list := func(format string) []string {
		out, err := exec.Command(goBin, "list", "-deps", "-f", format, "github.com/tollgatehq/tollgate/rating").Output()
		if err != nil {
			t.Fatalf("go list -deps rating = %v", err)
		}
		return strings.Fields(string(out))
	}

	allowed := []string{
		"github.com/shopspring/decimal",
		"github.com/tollgatehq/tollgate/kernel",
		"github.com/oklog/ulid/v2", // kernel.NewID's encoding; rating makes no ids
		"github.com/tollgatehq/tollgate/rating",
	}
	for _, p := range list("{{if not .Standard}}{{.ImportPath}}{{end}}") {
		if !slices.Contains(allowed, p) {
			t.Errorf("rating depends on %s; it may depend only on the standard library and %s", p, strings.Join(allowed[:3], ", "))
		}
	}

	// The standard library's I/O packages, which rating must not reach at
	// all (fmt reaches os, so os is checked on rating's own imports below).
	// database/sql/driver is the one exception: the decimal type implements
	// its Valuer and Scanner interfaces, and it holds only interfaces, no
	// connection or driver.
	for _, p := range list("{{if .Standard}}{{.ImportPath}}{{end}}") {
		if p == "database/sql/driver" {
			continue
		}
		for _, banned := range []string{"database", "net", "os/exec"} {
			if p == banned || strings.HasPrefix(p, banned+"/") {
				t.Errorf("rating depends on %s; it does no I/O", p)
			}
		}
	}
	own, err := exec.Command(goBin, "list", "-f", `{{join .Imports "\n"}}`, "github.com/tollgatehq/tollgate/rating").Output()
	if err != nil {
		t.Fatalf("go list rating = %v", err)
	}
	for _, p := range strings.Fields(string(own)) {
		if p == "os" || strings.HasPrefix(p, "database") || strings.HasPrefix(p, "io") || strings.HasPrefix(p, "os/") || p == "log" || strings.HasPrefix(p, "log/") {
			t.Errorf("rating imports %s; it does no I/O", p)
		}
	}
}
