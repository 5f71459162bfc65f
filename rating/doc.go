// SPDX-License-Identifier: Apache-2.0

// Package rating is Tollgate's pure rating engine: exact money (Decimal,
// the accrual scale, the one rounding and division rule, formatting and
// parsing of amounts), prices and their validation, and Rate, which turns
// one usage event into fees.
//
// It does no I/O and imports no database driver, no transport and no CLI
// package: only the standard library, the decimal type and kernel's error.
// Callers pass in what it needs to know (an asset's precision, the period
// usage so far) as values and functions. TestImports enforces this.
package rating
