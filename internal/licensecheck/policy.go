// SPDX-License-Identifier: Apache-2.0

package main

import (
	"sort"
	"strings"
)

// allowed holds the licences a dependency of Tollgate may have, by the names
// google/licenseclassifier gives them (SPDX identifiers, but BSD-0-Clause for
// 0BSD), with why each is fine for an Apache-2.0 product. Every other licence,
// and a licence that could not be recognised, fails the check: GPL, LGPL and
// AGPL (their terms would reach the whole binary), SSPL, BUSL, the Elastic
// and Commons Clause terms, and anything unknown.
var allowed = map[string]string{
	"Apache-2.0":   "permissive",
	"MIT":          "permissive",
	"BSD-2-Clause": "permissive",
	"BSD-3-Clause": "permissive",
	"ISC":          "permissive",
	"Zlib":         "permissive",
	"BSD-0-Clause": "public-domain equivalent (0BSD)",
	"0BSD":         "public-domain equivalent (npm spelling)",
	"Unlicense":    "public-domain dedication",
	"CC0-1.0":      "public-domain dedication",
	// The PSF licence (argparse, a dev-time dependency of openapi-typescript
	// in sdk/typescript) is a permissive BSD-style licence.
	"Python-2.0": "permissive (PSF)",
	// MPL-2.0 is a weak, file-level copyleft: it binds only the files that
	// carry it. A dependency used unmodified (as River is) leaves Tollgate's
	// own files under Apache-2.0; whoever ships a changed copy of an MPL file
	// must publish that file's source under MPL-2.0.
	"MPL-2.0": "weak copyleft, file-level: fine for a dependency used unmodified",
}

// verdict says whether a licence file that names these licences is allowed.
// A file that names several (OpenTelemetry's holds Apache-2.0 and, for code
// it took in, BSD-3-Clause) is allowed only when every one of them is: both
// apply at once. An empty list means nothing was recognised, which fails.
func verdict(licences []string) (ok bool, why string) {
	if len(licences) == 0 {
		return false, "unknown: no licence recognised"
	}
	var bad []string
	for _, l := range licences {
		if _, ok := allowed[l]; !ok {
			bad = append(bad, l)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return false, "not allowed: " + strings.Join(bad, ", ")
	}
	return true, ""
}

// npmVerdict judges the license field of an npm package: one SPDX
// identifier, or an expression of them with OR (any one allowed suffices)
// and AND (all must be). A missing field fails.
func npmVerdict(expr string) (ok bool, why string) {
	e := strings.TrimSpace(strings.NewReplacer("(", " ", ")", " ").Replace(expr))
	if e == "" {
		return false, "unknown: no license field"
	}
	// OR binds looser than AND in SPDX expressions; parentheses are
	// dropped, which is exact for the flat expressions npm packages use.
	for _, alt := range strings.Split(e, " OR ") {
		var ids []string
		for _, id := range strings.Split(alt, " AND ") {
			ids = append(ids, strings.TrimSpace(id))
		}
		if ok, _ := verdict(ids); ok {
			return true, ""
		}
	}
	return false, "not allowed: " + expr
}
