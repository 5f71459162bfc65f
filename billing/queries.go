package billing

import "github.com/tollgatehq/tollgate/billing/internal/dbsqlc"

// queries runs the statements sqlc compiles from billing/queries/*.sql
// (regenerate with `sqlc generate` at the repository root). It holds no
// state: each method takes the dbtx to run on, a pool, a pgx.Tx or a pipeTx.
// The store files map its rows to domain types; code moved here since
// runs them on TranslateErrors(db), which translates their errors once.
//
// Hand-written pgx stays where sqlc cannot express the statement: the
// pipelined, set-based batches of the hot paths (recorder_store.go,
// usage_store.go's queue* functions, queueBalanceWrites in wallet_store.go,
// the threshold and auto top-up triggers), which queue several statements on
// one pgx.Batch and read their results in order. cmd/tollgate/sql_test.go
// lists every place that holds SQL in Go, each with why.
var queries = dbsqlc.New()
