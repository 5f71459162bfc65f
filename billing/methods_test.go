package billing_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
)

// maxMethods bounds the exported method set of any domain type: a type that
// grows past it holds more than one noun (issue 26 found billing.Service at
// 72 exported methods of 157).
const maxMethods = 40

// TestMethodSetsStaySmall counts the exported methods declared on each type
// of the domain packages (billing, profitability, webhooks, payments), and
// the full method sets of billing's services, embedded core included.
func TestMethodSetsStaySmall(t *testing.T) {
	for _, dir := range []string{".", "../profitability", "../webhooks", "../payments"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		fset := token.NewFileSet()
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range file.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Recv == nil || !fn.Name.IsExported() {
					continue
				}
				typ := fn.Recv.List[0].Type
				if star, ok := typ.(*ast.StarExpr); ok {
					typ = star.X
				}
				if id, ok := typ.(*ast.Ident); ok {
					count[id.Name]++
				}
			}
		}
		if len(count) == 0 {
			t.Fatalf("no methods found in %s", dir)
		}
		for typ, n := range count {
			if n > maxMethods {
				t.Errorf("%s.%s declares %d exported methods; at most %d: split it by noun", filepath.Base(dir), typ, n, maxMethods)
			}
		}
	}
	for _, v := range []any{&billing.Service{}, &billing.Accounts{}, &billing.Catalog{}, &billing.Plans{}, &billing.Payments{}, &billing.Portal{}, &billing.Operators{}, &billing.Overview{}} {
		if n := reflect.TypeOf(v).NumMethod(); n > maxMethods {
			t.Errorf("%T has %d exported methods (promoted ones included); at most %d", v, n, maxMethods)
		}
	}
}
