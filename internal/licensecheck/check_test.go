// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/licenseclassifier/v2/assets"
)

// licenceText is a licence's text from licenseclassifier's own corpus.
func licenceText(t *testing.T, name string) string {
	t.Helper()
	b, err := assets.ReadLicenseFile("License/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fake lays out two modules in a temporary folder: app (the root checked,
// Apache-2.0, importing dep) and dep (replaced by its folder, so nothing is
// downloaded), and returns app's folder. depFiles are dep's extra files, by
// name; change edits app's files before the check.
func fake(t *testing.T, depFiles map[string]string) string {
	t.Helper()
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	dir := t.TempDir()
	app, dep := filepath.Join(dir, "app"), filepath.Join(dir, "dep")
	write(t, filepath.Join(app, "go.mod"), "module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ../dep\n")
	write(t, filepath.Join(app, "LICENSE"), licenceText(t, "Apache-2.0/pristine.txt"))
	write(t, filepath.Join(app, "NOTICE"), "App\nCopyright 2026 The App Authors\n")
	write(t, filepath.Join(app, "main.go"), SPDXLine+"\n\npackage main\n\nimport _ \"example.com/dep/inner\"\n\nfunc main() {}\n")
	write(t, filepath.Join(dep, "go.mod"), "module example.com/dep\n\ngo 1.21\n")
	write(t, filepath.Join(dep, "inner", "inner.go"), "package inner\n")
	for name, text := range depFiles {
		write(t, filepath.Join(dep, name), text)
	}
	return app
}

func check(t *testing.T, root string) *Report {
	t.Helper()
	rep, err := Check(root, Options{GOOS: []string{"linux"}})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.Write(&b)
	t.Log("\n" + b.String())
	return rep
}

// wantProblems fails unless the report has exactly n problems and each
// substring of want is in one of them.
func wantProblems(t *testing.T, rep *Report, n int, want ...string) {
	t.Helper()
	if len(rep.Problems) != n {
		t.Errorf("%d problems, want %d: %q", len(rep.Problems), n, rep.Problems)
	}
	all := strings.Join(rep.Problems, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("no problem mentions %q: %q", w, rep.Problems)
		}
	}
}

func entry(t *testing.T, rep *Report, module string) *Entry {
	t.Helper()
	for _, e := range rep.Entries {
		if e.Module == module {
			return e
		}
	}
	t.Fatalf("no entry for %s in %+v", module, rep.Entries)
	return nil
}

// A dependency's licence, as read from its licence file, passes or fails the
// check according to the policy; one with no licence file, or a file that
// holds no licence the classifier knows, fails as unknown.
func TestDependencyLicences(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		licence string // the licence the report gives dep, "" for none
		want    []string
	}{
		{"MIT", map[string]string{"LICENSE": licenceText(t, "MIT/pristine.txt")}, "MIT", nil},
		{"BSD-3-Clause", map[string]string{"LICENSE.txt": licenceText(t, "BSD-3-Clause/pristine.txt")}, "BSD-3-Clause", nil},
		{"MPL-2.0", map[string]string{"LICENSE": licenceText(t, "MPL-2.0/license.txt")}, "MPL-2.0", nil},
		{"GPL-3.0", map[string]string{"COPYING": licenceText(t, "GPL-3.0/license.txt")}, "GPL-3.0", []string{"example.com/dep", "not allowed: GPL-3.0"}},
		{"AGPL-3.0", map[string]string{"LICENSE": licenceText(t, "AGPL-3.0/license.txt")}, "AGPL-3.0", []string{"not allowed: AGPL-3.0"}},
		{"LGPL-2.1", map[string]string{"LICENSE": licenceText(t, "LGPL-2.1/license.txt")}, "LGPL-2.1", []string{"not allowed: LGPL-2.1"}},
		{"SSPL-1.0", map[string]string{"LICENSE": licenceText(t, "SSPL-1.0/license.txt")}, "SSPL-1.0", []string{"not allowed: SSPL-1.0"}},
		{"unrecognised", map[string]string{"LICENSE": "Copyright 2026 Acme Corp. All rights reserved.\nYou may look at this code but not use it.\n"}, "", []string{"example.com/dep", "unknown: no licence recognised in LICENSE for example.com/dep/inner"}},
		{"no licence file", nil, "", []string{"example.com/dep", "unknown: no licence file found for example.com/dep/inner"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := check(t, fake(t, c.files))
			n := 0
			if len(c.want) > 0 {
				n = 1
			}
			wantProblems(t, rep, n, c.want...)
			if got := strings.Join(entry(t, rep, "example.com/dep").Licences, ","); got != c.licence {
				t.Errorf("dep classified as %q, want %q", got, c.licence)
			}
			if got := strings.Join(entry(t, rep, "example.com/app").Licences, ","); got != "Apache-2.0" {
				t.Errorf("app classified as %q, want Apache-2.0", got)
			}
		})
	}
}

// A package under a folder with its own licence file gets that file's
// licence, as a library vendored into a module would.
func TestNestedLicenceFile(t *testing.T) {
	root := fake(t, map[string]string{
		"LICENSE":       licenceText(t, "MIT/pristine.txt"),
		"inner/LICENSE": licenceText(t, "GPL-2.0/license.txt"),
	})
	rep := check(t, root)
	wantProblems(t, rep, 1, "example.com/dep", "not allowed: GPL-2.0", "(inner/LICENSE)")
}

// Tollgate's own packages each carry the SPDX line, and its own licence
// must be Apache-2.0.
func TestOwnModule(t *testing.T) {
	mit := map[string]string{"LICENSE": licenceText(t, "MIT/pristine.txt")}

	root := fake(t, mit)
	write(t, filepath.Join(root, "extra", "extra.go"), "// Package extra has no SPDX line.\npackage extra\n")
	rep := check(t, root)
	wantProblems(t, rep, 1, "example.com/app/extra: no file has the line")

	// The line in any one of the package's files is enough.
	write(t, filepath.Join(root, "extra", "doc.go"), SPDXLine+"\n\npackage extra\n")
	wantProblems(t, check(t, root), 0)

	root = fake(t, mit)
	write(t, filepath.Join(root, "LICENSE"), licenceText(t, "MIT/pristine.txt"))
	wantProblems(t, check(t, root), 1, "example.com/app (this module): its own licence file LICENSE should be Apache-2.0 alone, is MIT")
}

// A dependency that ships a NOTICE file must be named in the root's NOTICE.
func TestNotice(t *testing.T) {
	root := fake(t, map[string]string{
		"LICENSE": licenceText(t, "Apache-2.0/pristine.txt"),
		"NOTICE":  "Dep\nCopyright 2020 The Dep Authors\n",
	})
	wantProblems(t, check(t, root), 1, "example.com/dep => ../dep ships NOTICE")

	write(t, filepath.Join(root, "NOTICE"), "App\n\nexample.com/dep:\n  Dep\n  Copyright 2020 The Dep Authors\n")
	wantProblems(t, check(t, root), 0)
}

// npm packages are judged by their lock file's license field.
func TestNPMLock(t *testing.T) {
	root := fake(t, map[string]string{"LICENSE": licenceText(t, "MIT/pristine.txt")})
	write(t, filepath.Join(root, "js", "package-lock.json"), `{
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app"},
    "node_modules/ok": {"version": "1.0.0", "license": "MIT"},
    "node_modules/either": {"version": "1.0.0", "license": "(GPL-3.0 OR Apache-2.0)"},
    "node_modules/old": {"version": "1.0.0", "license": {"type": "ISC"}},
    "node_modules/ok/node_modules/gpl": {"version": "2.0.0", "license": "GPL-3.0-only"},
    "node_modules/none": {"version": "0.1.0"},
    "node_modules/@scope/both": {"version": "3.0.0", "license": "MIT AND LGPL-2.1"}
  }
}`)
	rep, err := Check(root, Options{GOOS: []string{"linux"}, NPMLocks: []string{"js/package-lock.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.NPM) != 6 {
		t.Errorf("%d npm packages, want 6: %+v", len(rep.NPM), rep.NPM)
	}
	wantProblems(t, rep, 3,
		"npm gpl@2.0.0 (js/package-lock.json): not allowed: GPL-3.0-only",
		"npm none@0.1.0 (js/package-lock.json): unknown: no license field",
		"npm @scope/both@3.0.0 (js/package-lock.json): not allowed: MIT AND LGPL-2.1")
}

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		licences []string
		ok       bool
	}{
		{[]string{"Apache-2.0"}, true},
		{[]string{"Apache-2.0", "BSD-3-Clause"}, true},
		{[]string{"MPL-2.0"}, true},
		{[]string{"BSD-0-Clause"}, true},
		{nil, false},
		{[]string{"GPL-2.0"}, false},
		{[]string{"MIT", "GPL-3.0"}, false},
		{[]string{"AGPL-3.0"}, false},
		{[]string{"LGPL-3.0"}, false},
		{[]string{"SSPL-1.0"}, false},
		{[]string{"BUSL-1.1"}, false},
		{[]string{"Elastic-2.0"}, false},
		{[]string{"Commons-Clause"}, false},
	} {
		if ok, why := verdict(c.licences); ok != c.ok {
			t.Errorf("verdict(%q) = %v (%s), want %v", c.licences, ok, why, c.ok)
		}
	}
	for _, c := range []struct {
		expr string
		ok   bool
	}{
		{"MIT", true},
		{"(MIT OR GPL-3.0)", true},
		{"Apache-2.0 AND MIT", true},
		{"0BSD", true},
		{"", false},
		{"GPL-3.0", false},
		{"MIT AND GPL-3.0", false},
		{"UNLICENSED", false}, // npm's word for proprietary
		{"SEE LICENSE IN LICENSE.txt", false},
	} {
		if ok, why := npmVerdict(c.expr); ok != c.ok {
			t.Errorf("npmVerdict(%q) = %v (%s), want %v", c.expr, ok, why, c.ok)
		}
	}
}
