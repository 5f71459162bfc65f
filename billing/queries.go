package billing

import "github.com/tollgatehq/tollgate/billing/internal/dbsqlc"

// queries runs the statements sqlc compiles from billing/queries/*.sql
// (regenerate with `sqlc generate` at the repository root). It holds no
// state: each method takes the DBTX to run on, a pool, a pgx.Tx or a pipeTx.
// The store files map its rows to domain types and translate its errors with Translate.
//
// Hand-written pgx stays where sqlc cannot express the statement: the
// pipelined, set-based batches of the hot paths (recorder_store.go,
// usage_store.go's queue* functions, queueBalanceWrites in wallet_store.go),
// which queue several statements on one pgx.Batch and read their results in
// order, and the ledger checks of verifyLedger.
var queries = dbsqlc.New()
