package oauth

import (
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/oauth/internal/dbsqlc"
)

// queries runs the statements sqlc compiles from oauth/queries/*.sql
// (regenerate with `sqlc generate` at the repository root) on the dbtx each
// method takes.
var queries = dbsqlc.New()

// on is where a generated query runs: db (the pool or a transaction) with
// every driver error translated once, by billing.TranslateErrors. A missing
// row comes back as ENotFound.
func on(db dbsqlc.DBTX) dbsqlc.DBTX { return billing.TranslateErrors(db) }
