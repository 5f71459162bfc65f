// SPDX-License-Identifier: Apache-2.0

// Command licensecheck prints the licence of every module whose packages
// Tollgate builds, read from each module's own licence file, and exits 1 when
// one is unknown or not allowed (see allowed in policy.go).
//
// It lists the non-test packages of ./... and all they import, for each GOOS
// the release builds (linux, darwin, windows) with CGO_ENABLED=0, as `go list
// -deps` gives them: what the tollgate binary links, plus the few helper
// packages that only tests import (internal/testdb). Test-only dependencies
// (chromedp, go-cmp, the MCP go-sdk, libopenapi…) are not distributed and are
// not checked. For each package it takes the licence file nearest to the
// package inside its module, found and classified as go-licenses does
// (github.com/google/go-licenses/v2/licenses, which uses
// google/licenseclassifier): a package under a directory with its own licence
// (a vendored copy inside a module) gets that directory's.
//
// It checks three more things:
//   - Tollgate's own licence file classifies as Apache-2.0, and each of its
//     packages has a file with the line `// SPDX-License-Identifier: Apache-2.0`
//     (by convention its doc.go);
//   - every dependency module that ships a NOTICE file is named in Tollgate's
//     NOTICE, which must carry its attribution notices (Apache-2.0 §4(d));
//   - the npm packages of tests/tsclient, tests/mcpapps, sdk/typescript and
//     examples/typescript: the license field of each package in
//     package-lock.json. Those are test-only and never distributed; the field is
//     what each package declares, not read from its files.
//
// Run it from this directory (it is its own module, so that go-licenses stays
// out of Tollgate's go.mod), naming the repository root:
//
//	go -C internal/licensecheck run . ../..
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	goos := flag.String("goos", "linux,darwin,windows", "comma-separated GOOS values to list packages for")
	npm := flag.String("npm", "tests/tsclient/package-lock.json,tests/mcpapps/package-lock.json,tests/conformance/package-lock.json,sdk/typescript/package-lock.json,examples/typescript/package-lock.json", "comma-separated npm lock files to check, relative to the root (empty: none)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: licensecheck [flags] [repository root, default .]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	opt := Options{GOOS: splitList(*goos), NPMLocks: splitList(*npm)}
	rep, err := Check(root, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "licensecheck:", err)
		os.Exit(2)
	}
	rep.Write(os.Stdout)
	if len(rep.Problems) > 0 {
		os.Exit(1)
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
