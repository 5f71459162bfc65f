package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Statements stay in .sql files compiled by sqlc (STYLE.md, habit 2), each
// package its own queries/ and internal/dbsqlc. A Go string holds SQL only in
// the places listed here, each with why: the hot paths, where statements
// ride on one pipelined pgx.Batch that a generated method (one round trip of
// its own) cannot join; statements sqlc cannot express; and tooling outside
// the product's storage.
var (
	// hotPathSQL: queued on the pgx.Batch of a usage batch, an authorization,
	// an adjustment or a renewal, which runs as one pipelined transaction in
	// a few round trips (docs/ARCHITECTURE.md, "Why the ledger, usage,
	// catalog and wallets stay together").
	hotPathSQL = map[string]string{
		"billing/recorder_store.go:queueRecordedEvents":       "usage batch: replays of recorded events, one set-based read per batch",
		"billing/recorder_store.go:queueAuthorizationWallets": "usage batch: the wallets of the holds the events capture",
		"billing/recorder_store.go:queueInsertEvents":         "usage batch: the events, one set-based insert",
		"billing/recorder_store.go:queueVersionsForEvents":    "usage batch: the catalog versions in force for each event",
		"billing/recorder_store.go:versionsForEventLateral":   "usage batch: the statement queueVersionsForEvents queues",
		"billing/recorder_store.go:queueLockBalances":         "usage batch: creates, locks and reads the balances, lots and holds it writes",
		"billing/recorder_store.go:queueInsertFeeRows":        "usage batch: the fees, one set-based insert",
		"billing/catalog_store.go:versionsForEventSQL":        "authorization batch: the versions of a customer's subscriptions, queued by queueVersionsForEvent",
		"billing/wallet_store.go:queueBalanceWrites":          "the ledger and balance writes of every posting, queued on the posting's batch",
		"billing/usage_store.go:queueAuthorizationByKey":      "authorization batch: the replay read",
		"billing/usage_store.go:queueInsertAuthorization":     "authorization batch: the authorization row",
		"billing/usage_store.go:queueBumpCounter":             "usage batch: the per-period usage counters",
		"billing/usage_store.go:queueFindAuthorization":       "usage batch: the hold an event captures",
		"billing/usage_store.go:queueSettleAuthorization":     "usage batch: the capture of that hold",
		"billing/usage_store.go:queueOutbox":                  "the outbox rows of a batch, written in its transaction",
		"billing/authorization.go:core.recordDecision":        "authorization batch: the authorization.declined outbox row",
		"billing/autotopup.go:core.queueAutoTopUpTriggers":    "auto top-up triggers, queued on the batch of the write that crossed the threshold",
		"billing/autotopup.go:core.queueAutoTopUpFailure":     "queued on the batch of the payment event that failed",
		"billing/thresholds.go:balanceAlertsSQL":              "balance thresholds, queued on the batch of every balance write",
		"billing/topup_events.go:core.applyOutcome":           "a payment's outcome, queued on the batch of its posting",
		"billing/db.go:withPipeTx":                            "BEGIN of the pipelined transaction, sent with its first batch",
		"billing/db.go:pipeTx.SendBatch":                      "BEGIN of the pipelined transaction, sent with its first batch",
		"billing/db.go:pipeTx.sendAndCommit":                  "COMMIT of the pipelined transaction, sent with its last batch",
	}
	// cannotSQL: statements sqlc cannot express, or session commands.
	cannotSQL = map[string]string{
		"profitability/store.go:queryRollups":       "the GROUP BY columns and UNION branches are chosen per query",
		"profitability/store.go:advanceHorizon":     "reads pg_locks, which sqlc's catalog does not have",
		"webhooks/listen.go:Service.listenOnce":     "LISTEN on a dedicated connection, a session command",
		"billing/cache.go:core.listenOnce":          "LISTEN on a dedicated connection, a session command",
		"oauth/authenticate.go:Service.listenOnce":  "LISTEN on a dedicated connection, a session command",
		"billing/migrate.go:analyzeLoaded":          "ANALYZE of the tables pg_class names, at start-up",
		"pgembed/cluster.go:Cluster.ensureDatabase": "the embedded cluster's CREATE DATABASE, before any schema exists",
		"metrics/metrics.go:poolCollector.Collect":  "reads River's river_job table, which billing's migrations do not create",
	}
	// toolingSQL: the load generator's own statements, not the product's
	// storage.
	toolingSQL = map[string]string{
		"bench/cpu.go:PostgresCPU":    "reads the backend's pid to sample its CPU",
		"bench/pgbench.go:PgBench":    "pgbench's script, the baseline the figures are compared with",
		"bench/preload.go:preloadSQL": "preloads a database for a run",
		"bench/preload.go:Preload":    "preloads a database for a run, then ANALYZE",
	}
)

// sqlStart is a string that reads as a statement.
var sqlStart = regexp.MustCompile(`^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\s`)

// TestNoHandWrittenSQL fails for a Go string holding SQL (it starts with a
// statement's keyword, or is passed to Exec, Query, QueryRow or Queue)
// outside the places listed above, and for a listed place that holds none.
func TestNoHandWrittenSQL(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	found := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "dbsqlc", "testdata", "node_modules", ".git", "licensecheck":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "internal/testdb/") || strings.HasPrefix(rel, "internal/stripemock/") {
			return nil // tests only
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			for _, where := range sqlIn(decl) {
				key := rel + ":" + declName(decl, where)
				found[key] = append(found[key], fset.Position(where.Pos()).String())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, m := range []map[string]string{hotPathSQL, cannotSQL, toolingSQL} {
		for k := range m {
			allowed[k] = true
		}
	}
	var keys []string
	for k := range found {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !allowed[k] {
			t.Errorf("%s holds hand-written SQL (%s): move it into the package's queries/*.sql (sqlc), or list it in sql_test.go with why", k, strings.Join(found[k], ", "))
		}
	}
	for k := range allowed {
		if found[k] == nil {
			t.Errorf("%s is listed in sql_test.go but holds no SQL: remove it from the list", k)
		}
	}
}

// sqlIn returns the string literals in decl that hold SQL.
func sqlIn(decl ast.Decl) []*ast.BasicLit {
	var out []*ast.BasicLit
	seen := map[*ast.BasicLit]bool{}
	add := func(l *ast.BasicLit) {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	ast.Inspect(decl, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			if s, ok := stringOf(n); ok && sqlStart.MatchString(s) {
				add(n)
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			arg := -1
			switch sel.Sel.Name {
			case "Exec", "Query", "QueryRow":
				arg = 1
			case "Queue":
				arg = 0
			}
			if arg < 0 || len(n.Args) <= arg {
				return true
			}
			ast.Inspect(n.Args[arg], func(m ast.Node) bool {
				if l, ok := m.(*ast.BasicLit); ok && l.Kind == token.STRING {
					add(l)
				}
				return true
			})
		}
		return true
	})
	return out
}

func stringOf(l *ast.BasicLit) (string, bool) {
	if l.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(l.Value)
	return s, err == nil
}

// declName names where a literal is: its function (Recv.Method for a
// method), or the const or var it is the value of.
func declName(decl ast.Decl, at ast.Node) string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			typ := d.Recv.List[0].Type
			if s, ok := typ.(*ast.StarExpr); ok {
				typ = s.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				return id.Name + "." + d.Name.Name
			}
		}
		return d.Name.Name
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			if vs, ok := spec.(*ast.ValueSpec); ok && vs.Pos() <= at.Pos() && at.End() <= vs.End() && len(vs.Names) > 0 {
				return vs.Names[0].Name
			}
		}
	}
	return "?"
}
