package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tollgatehq/tollgate/internal/billingtest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// planLog collects the plans auto_explain reports, as NOTICEs, for every
// statement the pool's connections run (foreign-key checks included), while on.
type planLog struct {
	on    atomic.Bool
	mu    sync.Mutex
	plans []loggedPlan
	bad   []string // notices that did not parse
}

type loggedPlan struct {
	Query string   `json:"Query Text"`
	Plan  planNode `json:"Plan"`
}

type planNode struct {
	NodeType      string     `json:"Node Type"`
	Relation      string     `json:"Relation Name"`
	Index         string     `json:"Index Name"`
	Filter        string     `json:"Filter"`
	RemovedFilter float64    `json:"Rows Removed by Filter"`
	RemovedJoin   float64    `json:"Rows Removed by Join Filter"`
	Plans         []planNode `json:"Plans"`
}

func (l *planLog) notice(_ *pgconn.PgConn, n *pgconn.Notice) {
	if !l.on.Load() {
		return
	}
	_, body, ok := strings.Cut(n.Message, "plan:\n")
	var p loggedPlan
	l.mu.Lock()
	defer l.mu.Unlock()
	if !ok || json.Unmarshal([]byte(body), &p) != nil {
		l.bad = append(l.bad, n.Message)
		return
	}
	l.plans = append(l.plans, p)
}

// explainedPool is a pool on a fresh migrated database whose connections
// report the plan of every statement, with actual row counts, through planLog.
func explainedPool(t *testing.T, log *planLog) *pgxpool.Pool {
	t.Helper()
	// The server's own user: loading auto_explain needs a superuser, which the
	// per-test role is not.
	db, err := url.Parse(testdb.URL(t))
	if err != nil {
		t.Fatalf("parse test database URL: %v", err)
	}
	u, err := url.Parse(testdb.ServerURL(t))
	if err != nil {
		t.Fatalf("parse test server URL: %v", err)
	}
	u.Path = db.Path
	pc, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		t.Fatalf("parse test database URL: %v", err)
	}
	pc.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, `LOAD 'auto_explain'`)
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, `SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
			SET auto_explain.log_timing = off; SET auto_explain.log_format = json; SET auto_explain.log_nested_statements = on;
			SET auto_explain.log_level = notice`)
		return err
	}
	billing.ConfigurePool(pc)
	pc.MaxConns = 8
	pc.ConnConfig.OnNotice = log.notice
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		t.Fatalf("connect to test database: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(context.Background()); err != nil {
		if strings.Contains(err.Error(), "auto_explain") || pgErrCode(err) == "42501" {
			t.Skipf("auto_explain cannot be loaded by this test database's user: %v", err)
		}
		t.Fatalf("connect to test database: %v", err)
	}
	return pool
}

func pgErrCode(err error) string {
	if pe, ok := err.(*pgconn.PgError); ok {
		return pe.Code
	}
	return ""
}

// hotIndexes lists, per table the hot path reads, the only indexes it may scan:
// each lookup's own key. Any other index there means the planner took an index
// that shares only the (account_id, mode) prefix and filtered the rest.
var hotIndexes = map[string][]string{
	"events":         {"events_pkey"},
	"fees":           {"fees_pkey"},
	"wallets":        {"wallets_pkey", "wallets_customer_id_name_key", "wallets_one_default", "wallets_scope"},
	"customers":      {"customers_pkey", "customers_account_id_mode_external_id_key", "customers_scope"},
	"balances":       {"balances_pkey"},
	"lots":           {"lots_pkey", "lots_wallet"},
	"authorizations": {"authorizations_pkey", "authorizations_key", "authorizations_active"},
	"subscriptions":  {"subscriptions_current", "subscriptions_customer"},
	"products":       {"products_pkey"},
	"product_versions": {
		"product_versions_pkey", "product_versions_product_id_version_key"},
	"usage_counters":      {"usage_counters_pkey"},
	"assets":              {"assets_pkey"},
	"accounts":            {"accounts_pkey"},
	"ledger_transactions": {"ledger_transactions_pkey"},
}

// catalogTables grow with the catalog, not with usage or customers: the
// planner may scan them whole while they hold a few rows.
var catalogTables = map[string]bool{"products": true, "product_versions": true, "assets": true, "accounts": true}

// check reports every node of p that filtered rows away or scanned a hot
// table other than through one of its own indexes.
func (n planNode) check(query string, report func(string)) {
	where := func(what string) string {
		q := strings.Join(strings.Fields(query), " ")
		if len(q) > 200 {
			q = q[:200] + "…"
		}
		return fmt.Sprintf("%s\n    in: %s", what, q)
	}
	if n.RemovedFilter > 0 {
		report(where(fmt.Sprintf("%s on %s (index %q) removed %v rows by filter %s", n.NodeType, n.Relation, n.Index, n.RemovedFilter, n.Filter)))
	}
	if n.RemovedJoin > 0 {
		report(where(fmt.Sprintf("%s removed %v rows by join filter", n.NodeType, n.RemovedJoin)))
	}
	if allowed, hot := hotIndexes[n.Relation]; hot {
		switch {
		case n.Index != "" && !contains(allowed, n.Index):
			report(where(fmt.Sprintf("%s on %s uses index %s, want one of %v", n.NodeType, n.Relation, n.Index, allowed)))
		case catalogTables[n.Relation] && n.NodeType == "Seq Scan":
			// Fine while the catalog is a few rows; a scan that removed rows is
			// reported above.
		case strings.HasPrefix(n.NodeType, "Seq Scan") || strings.HasPrefix(n.NodeType, "Bitmap Heap"):
			if n.NodeType != "Bitmap Heap Scan" || !childUses(n, allowed) {
				report(where(fmt.Sprintf("%s on %s, want an index scan on one of %v", n.NodeType, n.Relation, allowed)))
			}
		}
	}
	for _, c := range n.Plans {
		c.check(query, report)
	}
}

func childUses(n planNode, allowed []string) bool {
	for _, c := range n.Plans {
		if c.Index != "" && contains(allowed, c.Index) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestHotPathPlans runs the hot path (authorize; record usage, in batches and
// alone) from an empty, freshly migrated database, with a restarted service's
// empty cache, until the tables hold thousands of rows: the plans the
// connections chose while the tables were empty are the ones they keep. Every
// statement's plan, foreign-key checks included, must read only the rows it
// needs, through the lookup's own index.
func TestHotPathPlans(t *testing.T) {
	t.Parallel()
	log := &planLog{}
	pool := explainedPool(t, log)
	clk := billingtest.NewClock(t0)
	seed := billing.NewService(pool, billing.Options{Now: clk.Now})
	acct, err := seed.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	e := &env{svc: seed, clock: clk, ctx: billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}), acct: acct}
	e.product(t, "calls", "call", perUnit("USD", "0.01"))
	const customers = 600
	run(t, 8, customers, func(i int) error {
		ext := fmt.Sprintf("u%04d", i)
		if _, _, err := seed.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: ext}); err != nil {
			return err
		}
		if _, err := seed.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "seed-" + ext, Kind: billing.AdjustTopUp,
			Customer: ext, Asset: "USD", Amount: dec("1000")}); err != nil {
			return err
		}
		_, err := seed.Plans.Subscribe(e.ctx, billing.SubscribeInput{Customer: ext, Product: "calls"})
		return err
	})

	// A restarted server: nothing cached, every wallet looked up again.
	svc := billing.NewService(pool, billing.Options{Now: clk.Now})
	log.on.Store(true)
	const rounds = 5
	run(t, 8, customers*rounds/50, func(i int) error {
		batch := make([]billing.UsageEventInput, 50)
		for k := range batch {
			n := i*50 + k
			batch[k] = billing.UsageEventInput{ID: fmt.Sprintf("ev-%d", n), Customer: fmt.Sprintf("u%04d", n%customers), EventType: "call", OccurredAt: t0}
		}
		res, err := svc.RecordUsageBatch(e.ctx, batch)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err != nil {
				return fmt.Errorf("event %s: %w", r.Event.ID, r.Err)
			}
		}
		return nil
	})
	run(t, 8, customers/2, func(i int) error {
		cus := fmt.Sprintf("u%04d", i*2)
		a, err := svc.Authorize(e.ctx, billing.AuthorizeInput{IdempotencyKey: fmt.Sprintf("auth-%d", i), Customer: cus, EventType: "call"})
		if err != nil {
			return err
		}
		if !a.Approved {
			return fmt.Errorf("Authorize(%s) declined: %s", cus, a.DeclineReason)
		}
		_, err = svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: fmt.Sprintf("auth-ev-%d", i), Customer: cus, EventType: "call", AuthorizationID: a.ID})
		return err
	})
	log.on.Store(false)

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.bad) > 0 {
		t.Fatalf("%d auto_explain notices did not parse; the first: %s", len(log.bad), log.bad[0])
	}
	if len(log.plans) < 1000 {
		t.Fatalf("auto_explain reported %d plans, want the hot path's thousands", len(log.plans))
	}
	// One report per fault, however many plans showed it.
	var faults []string
	count := map[string]int{}
	first := map[string]string{}
	digits := regexp.MustCompile(`[0-9]+`)
	for _, p := range log.plans {
		p.Plan.check(p.Query, func(msg string) {
			k := digits.ReplaceAllString(msg, "#")
			if count[k] == 0 {
				faults, first[k] = append(faults, k), msg
			}
			count[k]++
		})
	}
	for _, k := range faults {
		t.Errorf("%s\n    (in %d of %d plans)", first[k], count[k], len(log.plans))
	}
	e.svc = svc
	e.verifyClean(t)
}

// TestForeignKeyLookups checks the lookup behind every foreign key of the
// tables the hot path writes, as PostgreSQL runs it (a cached, generic plan,
// chosen here on an empty database): it must go through a unique index whose
// columns are all among the referenced ones, so it touches at most one row.
func TestForeignKeyLookups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.New(t)
	rows, err := pool.Query(ctx, `SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
			array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1) ORDER BY 1`,
		[]string{"events", "fees", "balances", "lots", "ledger_transactions", "ledger_entries", "authorizations", "usage_counters", "outbox", "wallets", "customers"})
	if err != nil {
		t.Fatal(err)
	}
	type fk struct {
		name, table, parent string
		cols                []string
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fk, error) {
		var f fk
		return f, r.Scan(&f.name, &f.table, &f.parent, &f.cols)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fks) < 5 {
		t.Fatalf("found %d foreign keys on the hot tables, want the schema's", len(fks))
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for i, f := range fks {
		t.Run(f.name, func(t *testing.T) {
			conds, nulls := make([]string, len(f.cols)), make([]string, len(f.cols))
			for k, col := range f.cols {
				conds[k], nulls[k] = fmt.Sprintf("%s = $%d", col, k+1), "NULL"
			}
			// The statement ri_triggers.c prepares for the check.
			q := fmt.Sprintf(`SELECT 1 FROM ONLY %s x WHERE %s FOR KEY SHARE OF x`, f.parent, strings.Join(conds, " AND "))
			name := fmt.Sprintf("fk%d", i)
			if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+q); err != nil {
				t.Fatalf("PREPARE %s: %v", q, err)
			}
			var out []byte
			if err := conn.QueryRow(ctx, `EXPLAIN (FORMAT JSON) EXECUTE `+name+`(`+strings.Join(nulls, ", ")+`)`).Scan(&out); err != nil {
				t.Fatalf("EXPLAIN %s: %v", q, err)
			}
			var plans []loggedPlan
			if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
				t.Fatalf("EXPLAIN %s = %s, %v", q, out, err)
			}
			scan := plans[0].Plan
			for scan.Index == "" && len(scan.Plans) == 1 {
				scan = scan.Plans[0]
			}
			var unique bool
			var keys []string
			err := conn.QueryRow(ctx, `SELECT i.indisunique, array(SELECT a.attname::text FROM unnest(i.indkey) k(n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n)
				FROM pg_index i WHERE i.indexrelid = $1::regclass`, scan.Index).Scan(&unique, &keys)
			if err != nil {
				t.Fatalf("check %s: plan %s on %q: %v", q, scan.NodeType, scan.Index, err)
			}
			for _, k := range keys {
				if !contains(f.cols, k) {
					unique = false
				}
			}
			if !unique {
				t.Errorf("check %s uses %s on %s %v, want a unique index within the key %v", q, scan.NodeType, scan.Index, keys, f.cols)
			}
		})
	}
}

// run calls fn(0..n-1) on workers goroutines and fails t on the first error.
func run(t *testing.T, workers, n int, fn func(i int) error) {
	t.Helper()
	var next atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}
