package billing_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The domain states facts; only the surfaces name MCP tools or endpoints
// (tools/hints.go, api/hints.go). No string in the domain packages names one,
// except the Act… constants that key the surfaces' tables.
func TestDomainNamesNoToolOrEndpoint(t *testing.T) {
	t.Parallel()
	surface := regexp.MustCompile(`\b(create|add|list|get|set|subscribe|record|authorize|void|simulate|quote|archive)_[a-z_]+\b|/v1/`)
	for _, dir := range []string{".", "../rating", "../kernel", "../profitability"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && strings.HasPrefix(vs.Names[0].Name, "Act") {
					return false
				}
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					if m := surface.FindString(s); m != "" && !strings.Contains(s, "SELECT") && !strings.Contains(s, "INSERT") && !strings.Contains(s, "UPDATE") {
						t.Errorf("%s: %q names %q, which belongs to a surface's hints", fset.Position(lit.Pos()), s, m)
					}
				}
				return true
			})
		}
	}
}
