package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const modulePath = "github.com/tollgatehq/tollgate"

// pendingImports are entries of docs/ARCHITECTURE.md's "never imports" table
// that fail today, each with what will fix it. The test skips them while they
// fail and fails once one passes: delete its line then.
var pendingImports = map[[2]string]string{}

// goPackage is what the test reads of `go list -deps -json`.
type goPackage struct {
	ImportPath string
	DepOnly    bool
	Deps       []string
}

// TestArchitecture holds docs/ARCHITECTURE.md to `go list`: its package list
// names every Go package of the module and nothing else, and no package
// reaches (imports, directly or through another package) what its row of
// the "never imports" table forbids. Every name in the table must match a
// package, so a typo cannot pass for a rule kept.
func TestArchitecture(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-deps", "-json", modulePath+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list -deps -json = %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list -deps -json = %v", err)
	}
	var own []goPackage // the module's packages
	var every []string  // every package any of them reaches, theirs included
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		every = append(every, p.ImportPath)
		if !p.DepOnly {
			own = append(own, p)
		}
	}

	t.Run("Packages", func(t *testing.T) {
		listed := map[string]bool{}
		for _, row := range tableRows(t, string(doc), "## Packages") {
			for _, name := range names(row[0]) {
				if listed[name] {
					t.Errorf("ARCHITECTURE.md lists %s twice", name)
				}
				listed[name] = true
				if !slices.ContainsFunc(own, func(p goPackage) bool { return p.ImportPath == modulePath+"/"+name }) {
					t.Errorf("ARCHITECTURE.md lists package %s, which go list does not know: remove it or fix its path", name)
				}
			}
		}
		for _, p := range own {
			if name := strings.TrimPrefix(p.ImportPath, modulePath+"/"); !listed[name] {
				t.Errorf("package %s is not in ARCHITECTURE.md's package list: add a row for it", name)
			}
		}
	})

	t.Run("NeverImports", func(t *testing.T) {
		rows := tableRows(t, string(doc), "## What each may never import")
		if len(rows) == 0 {
			t.Fatal("ARCHITECTURE.md's never-imports table has no rows")
		}
		seen := map[[2]string]bool{}
		for _, row := range rows {
			for _, pkgPat := range names(row[0]) {
				pkgs := matching(own, resolve(pkgPat, every))
				if len(pkgs) == 0 {
					t.Errorf("never-imports row %q matches no package of the module", pkgPat)
				}
				for _, banned := range names(row[1]) {
					match := resolve(banned, every)
					if !slices.ContainsFunc(every, match) {
						t.Errorf("never-imports row %s: %q matches no package the module reaches: fix the name", pkgPat, banned)
						continue
					}
					key := [2]string{pkgPat, banned}
					seen[key] = true
					var found []string
					for _, p := range pkgs {
						for _, d := range p.Deps {
							if d != p.ImportPath && match(d) {
								found = append(found, p.ImportPath+" reaches "+d)
							}
						}
					}
					why, pending := pendingImports[key]
					switch {
					case pending && len(found) == 0:
						t.Errorf("%s no longer reaches %s: delete its line from pendingImports (%s)", pkgPat, banned, why)
					case pending:
						t.Logf("expected to fail until fixed (%s): %s reaches %s", why, pkgPat, banned)
					default:
						for _, f := range found {
							t.Errorf("%s, which ARCHITECTURE.md forbids to %s", f, pkgPat)
						}
					}
				}
			}
		}
		for key := range pendingImports {
			if !seen[key] {
				t.Errorf("pendingImports names %s never importing %s, which is not in ARCHITECTURE.md's table", key[0], key[1])
			}
		}
	})
}

var backticked = regexp.MustCompile("`([^`]+)`")

// names returns the backticked names of a table cell.
func names(cell string) []string {
	var out []string
	for _, m := range backticked.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// tableRows returns the cells of the first table after heading, without
// its header and separator rows.
func tableRows(t *testing.T, doc, heading string) [][]string {
	t.Helper()
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("ARCHITECTURE.md has no %q section", heading)
	}
	var rows [][]string
	inTable := false
	for _, line := range strings.Split(doc[i+len(heading)+2:], "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		inTable = true
		cells := strings.Split(strings.Trim(line, "|"), "|")
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		t.Fatalf("ARCHITECTURE.md's %q section has no table", heading)
	}
	return rows[2:]
}

// resolve returns the matcher of a name of the table: a module path when the
// module has such a package (`billing`, `cmd/...`), else an import path
// (`net/http`, `github.com/riverqueue/river/...`). A trailing /... matches
// the path and every path below it, as in go list.
func resolve(name string, every []string) func(string) bool {
	pattern := func(path string) func(string) bool {
		base, tree := strings.CutSuffix(path, "/...")
		return func(p string) bool { return p == base || tree && strings.HasPrefix(p, base+"/") }
	}
	if own := pattern(modulePath + "/" + name); slices.ContainsFunc(every, own) {
		return own
	}
	return pattern(name)
}

// matching returns the packages of pkgs whose path match accepts.
func matching(pkgs []goPackage, match func(string) bool) []goPackage {
	var out []goPackage
	for _, p := range pkgs {
		if match(p.ImportPath) {
			out = append(out, p)
		}
	}
	return out
}
