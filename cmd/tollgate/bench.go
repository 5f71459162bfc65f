package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/api"
	"github.com/tollgatehq/tollgate/bench"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/console"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/pgembed"
)

// authorizeHalf measures authorize with headroom in one workload: its peak
// throughput closed loop, then authorize at half that rate, open loop.
const authorizeHalf = "authorize-half"

// benchFlags are bench's options.
type benchFlags struct {
	duration  time.Duration
	clients   int
	wallets   int
	workloads string
	baseline  bool
	via       string
	inProcess bool
	rate      float64
	preload   int
	profile   string
	asJSON    bool
	runs      int
	pageReqs  int
	reuse     string
}

func newBenchCmd(cfg *config) *cobra.Command {
	var o benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the billing hot path (and pgbench baselines) against a database",
		Long: `Seed funded customers in a new account, then run each workload for --duration with
--clients concurrent clients: record (usage over all wallets), record-batch (100 events
per call), record-hot (every client on one customer), auth+record (authorize, then
record with the authorization), authorize (authorize only; each hold of 0.01 USD is
left to expire), authorize-half (authorize closed loop for its peak throughput,
then authorize at half that rate; read its p99: the latency of authorize with headroom)
gateway (a streamed chat completion straight to a mock LLM on loopback, then the
same through the metering gateway in front of it, which authorizes, streams and records
each call: the difference of their latencies is what the gateway adds; the mock runs
in this process, so its CPU is in the server's figure; --via http only) and console
(an operator signed in through a one-time link, as a browser, requests each console
page --page-requests times, one at a time, and each page's p50, p99 and max latency
to the last byte is reported; with --preload-events, the preloaded history is the
first seeded customer's).

Clients run back to back (closed loop), or with --rate N at N operations a second
across all clients (open loop): operations are due at fixed intervals, one due while
every client is busy counts as late, and latencies count from when each was due.

With --via http (the default) the REST API is served on loopback by this process and
the clients run in a child process, so this process's CPU (and --cpuprofile) is the
server's alone; CPU per operation is reported for the server, the clients and the
PostgreSQL cluster (when it runs on this machine and /proc can be read).
Where pgbench is installed, its single-row UPDATE baselines run first against the same
server. Prints one table and exits non-zero if verify finds anything afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd, cfg, o) },
	}
	f := cmd.Flags()
	f.DurationVar(&o.duration, "duration", 10*time.Second, "how long each workload runs")
	f.IntVar(&o.clients, "clients", 16, "concurrent clients")
	f.IntVar(&o.wallets, "wallets", 10000, "funded customers to spread load over")
	f.StringVar(&o.workloads, "workloads", "record,record-batch,record-hot,auth+record",
		"comma-separated workloads: "+strings.Join(append(bench.Workloads(), authorizeHalf, bench.Console), ", "))
	f.BoolVar(&o.baseline, "pgbench", true, "run pgbench baselines first when pgbench is installed")
	f.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of this process during the workloads to this file: the server's alone, unless --clients-in-process or --via service")
	f.IntVar(&o.preload, "preload-events", 0, "write this many synthetic past events first (e.g. 10000000) to measure a large database")
	f.StringVar(&o.via, "via", "http", "drive the REST API on loopback (http) or the billing service in process (service, clients always in process)")
	f.BoolVar(&o.inProcess, "clients-in-process", false, "with --via http, run the clients in this process instead of a child process")
	f.Float64Var(&o.rate, "rate", 0, "issue this many operations a second across all clients (open loop); 0: back to back")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object with each workload's figures and ratios")
	f.IntVar(&o.runs, "runs", 1, "run each workload this many times and report the median and the spread")
	f.StringVar(&o.reuse, "reuse-account", "", "run against the account an earlier bench seeded (same --wallets), without seeding or preloading again")
	f.IntVar(&o.pageReqs, "page-requests", 20, "console workload: requests per page (after one warm-up request each)")
	cmd.AddCommand(newBenchClientCmd(cfg))
	return cmd
}

// newBenchClientCmd is the load generator bench starts in its own process:
// a bench.ClientSpec on stdin (the API key too, never in argv), the
// bench.Result as JSON on stdout.
func newBenchClientCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:    "client",
		Short:  "Run one workload's clients against the REST API (started by tollgate bench)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := bench.ServeClient(cmd.Context(), cmd.InOrStdin(), cfg.stdout)
			if err != nil {
				fmt.Fprintln(cfg.stderr, "tollgate bench client:", err) // the parent shows our stderr
			}
			return err
		},
	}
}

func (o benchFlags) workloadNames() ([]string, error) {
	if o.via != "http" && o.via != "service" {
		return nil, fmt.Errorf("--via %q: use http or service", o.via)
	}
	var names []string
	for _, w := range strings.Split(o.workloads, ",") {
		w = strings.TrimSpace(w)
		if !slices.Contains(bench.Workloads(), w) && w != authorizeHalf && w != bench.Console {
			return nil, fmt.Errorf("unknown workload %q; known: %s, %s, %s", w, strings.Join(bench.Workloads(), ", "), authorizeHalf, bench.Console)
		}
		if (w == bench.Gateway || w == bench.GatewayDirect) && o.via != "http" {
			return nil, fmt.Errorf("the %s workload calls the gateway over HTTP: use --via http", w)
		}
		names = append(names, w)
	}
	return names, nil
}

func (o benchFlags) spec(workload string, rate float64) bench.Spec {
	return bench.Spec{Workload: workload, Clients: o.clients, Duration: o.duration, Rate: rate}
}

func runBench(cmd *cobra.Command, cfg *config, o benchFlags) error {
	ctx := cmd.Context()
	names, err := o.workloadNames()
	if err != nil {
		return err
	}
	a, err := openApp(cmd, cfg)
	if err != nil {
		return err
	}
	defer a.db.Close()
	fx, err := seedBench(ctx, cfg, a, o)
	if err != nil {
		return err
	}
	baselines, err := runBaselines(ctx, cfg, a, o)
	if err != nil {
		return err
	}
	t, err := newBenchTarget(ctx, a, fx, o, slices.Contains(names, bench.Gateway) || slices.Contains(names, bench.GatewayDirect))
	if err != nil {
		return err
	}
	defer t.close()
	stopProfile, err := startProfile(o.profile)
	if err != nil {
		return err
	}
	results, err := runWorkloads(ctx, cfg, t, names, o)
	if err != nil {
		stopProfile()
		return err
	}
	var pages []bench.PageResult
	if slices.Contains(names, bench.Console) {
		pages, err = runConsole(ctx, cfg, a, fx, o)
	}
	stopProfile()
	if err != nil {
		return err
	}
	return reportBench(ctx, cfg, a, benchReport{baselines: baselines, results: results, pages: pages, via: o.via, wallets: o.wallets,
		inProcess: t.inProcess, preload: o.preload}, o.asJSON)
}

// benchFixture is the account bench seeded and what is in it.
type benchFixture struct {
	acct billing.Account
	ctx  context.Context // carries the account as the caller (--via service)
	f    bench.Fixture
}

func seedBench(ctx context.Context, cfg *config, a *app, o benchFlags) (benchFixture, error) {
	if o.reuse != "" {
		accts, err := a.svc.Accounts.ListAccounts(ctx)
		if err != nil {
			return benchFixture{}, err
		}
		i := slices.IndexFunc(accts, func(x billing.Account) bool { return x.ID == o.reuse })
		if i < 0 {
			return benchFixture{}, fmt.Errorf("--reuse-account %s: no such account; `tollgate accounts list` shows them", o.reuse)
		}
		acct := accts[i]
		fx := benchFixture{acct: acct, ctx: billing.WithCaller(ctx, billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest}),
			f: bench.SeededFixture(o.wallets, "c")}
		fmt.Fprintf(cfg.stderr, "reusing account %s and its %d seeded customers…\n", acct.ID, o.wallets)
		return fx, nil
	}
	acct, err := a.svc.Accounts.CreateAccount(ctx, "bench "+time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return benchFixture{}, err
	}
	fx := benchFixture{acct: acct, ctx: billing.WithCaller(ctx, billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})}
	fmt.Fprintf(cfg.stderr, "seeding %d funded customers in account %s…\n", o.wallets, acct.ID)
	if fx.f, err = bench.Seed(fx.ctx, a.svc, o.wallets, o.clients, "c"); err != nil || o.preload <= 0 {
		return fx, err
	}
	fmt.Fprintf(cfg.stderr, "preloading %d past events…\n", o.preload)
	cus, err := a.svc.GetCustomer(fx.ctx, fx.f.Customers[0])
	if err != nil {
		return fx, err
	}
	return fx, bench.Preload(ctx, a.db.pool, acct.ID, cus.ID, cus.DefaultWalletID, o.preload)
}

func runBaselines(ctx context.Context, cfg *config, a *app, o benchFlags) ([]bench.Baseline, error) {
	if !o.baseline {
		return nil, nil
	}
	url := cfg.databaseURL
	if url == "" {
		url = a.db.embedded.URL()
	}
	bin, _ := pgembed.FindBinDir()
	fmt.Fprintln(cfg.stderr, "running pgbench baselines…")
	return bench.PgBench(ctx, a.db.pool, url, bin, o.wallets, o.clients, o.duration)
}

// benchTarget runs one workload where --via and --clients-in-process say,
// and measures what each run cost.
type benchTarget struct {
	run       func(ctx context.Context, s bench.Spec) (bench.Result, error)
	pgCPU     func() time.Duration
	close     func()
	inProcess bool // the clients share this process (and its CPU figures)
}

func newBenchTarget(ctx context.Context, a *app, fx benchFixture, o benchFlags, withGateway bool) (*benchTarget, error) {
	t := &benchTarget{pgCPU: bench.PostgresCPU(ctx, a.db.pool), close: func() {}, inProcess: true}
	if o.via == "service" {
		drv := bench.ServiceDriver{Svc: a.svc, Ctx: fx.ctx}
		t.run = func(ctx context.Context, s bench.Spec) (bench.Result, error) {
			return bench.Run(ctx, drv, fx.f, s), nil
		}
		return t, nil
	}
	// The REST API on a loopback listener, as a backend would call it.
	_, key, err := a.svc.Accounts.CreateAPIKey(ctx, fx.acct.ID, billing.ModeTest, "bench")
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", api.New(a.svc, a.prof, api.Options{}))
	upstream, stopMock := "", func() {}
	closeGateway := func() {}
	if withGateway {
		// The metering gateway in front of a mock LLM on loopback, pricing
		// each call at the fixture's per-call price.
		if upstream, stopMock, err = bench.StartMockLLM(); err != nil {
			ln.Close()
			return nil, err
		}
		gw := gateway.New(a.svc, gateway.Options{EventType: fx.f.EventType,
			OpenAI: gateway.Upstream{BaseURL: upstream, APIKey: payments.Secret(bench.MockLLMKey)}})
		mux.Handle("/gateway/", gw)
		// The calls' settlements run after their answers: wait for them
		// before the database goes.
		closeGateway = func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			gw.Close(ctx)
		}
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.close = func() { srv.Close(); closeGateway(); stopMock() }
	base := "http://" + ln.Addr().String()
	if o.inProcess {
		drv := bench.NewHTTPDriver(base, key, o.clients).WithUpstream(upstream)
		t.run = func(ctx context.Context, s bench.Spec) (bench.Result, error) {
			return bench.Run(ctx, drv, fx.f, s), nil
		}
		return t, nil
	}
	t.inProcess = false
	t.run = func(ctx context.Context, s bench.Spec) (bench.Result, error) {
		return bench.SpawnClient(ctx, []string{exe, "bench", "client"}, bench.ClientSpec{BaseURL: base, Key: key, Fixture: fx.f, Spec: s, Upstream: upstream})
	}
	return t, nil
}

// measure runs s once with the processor time of this process and of the
// database cluster around it.
func (t *benchTarget) measure(ctx context.Context, s bench.Spec) (bench.Result, error) {
	server, pg := bench.ProcessCPU(), t.pgCPU()
	r, err := t.run(ctx, s)
	if err != nil {
		return r, err
	}
	r.CPU.Server = bench.Elapsed(server, bench.ProcessCPU())
	r.CPU.Postgres = bench.Elapsed(pg, t.pgCPU())
	return r, nil
}

// startProfile profiles this process until the returned function is called.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func runWorkloads(ctx context.Context, cfg *config, t *benchTarget, names []string, o benchFlags) ([]benchRuns, error) {
	var out []benchRuns
	for _, w := range names {
		if w == bench.Console {
			continue // runConsole
		}
		if w == bench.Gateway {
			// The baseline first: the same calls to the mock directly.
			direct, err := repeat(ctx, cfg, t, o, o.spec(bench.GatewayDirect, o.rate))
			if err != nil {
				return nil, err
			}
			out = append(out, direct)
		}
		if w != authorizeHalf {
			rs, err := repeat(ctx, cfg, t, o, o.spec(w, o.rate))
			if err != nil {
				return nil, err
			}
			out = append(out, rs)
			continue
		}
		peak, err := repeat(ctx, cfg, t, o, o.spec(bench.Authorize, 0))
		if err != nil {
			return nil, err
		}
		rate := peak.median().PerSecond() / 2
		if rate <= 0 {
			return nil, fmt.Errorf("%s: the closed-loop run completed no authorization", authorizeHalf)
		}
		half, err := repeat(ctx, cfg, t, o, o.spec(bench.Authorize, rate))
		if err != nil {
			return nil, err
		}
		for i := range half {
			half[i].Workload = authorizeHalf // reported under its own name
		}
		out = append(out, peak, half)
	}
	return out, nil
}

// repeat runs s --runs times.
func repeat(ctx context.Context, cfg *config, t *benchTarget, o benchFlags, s bench.Spec) (benchRuns, error) {
	n := max(o.runs, 1)
	var rs benchRuns
	for i := range n {
		s.RunID = fmt.Sprintf("%s-%d", s.Workload, time.Now().UnixNano())
		at := ""
		if s.Rate > 0 {
			at = fmt.Sprintf(" at %.0f/s", s.Rate)
		}
		fmt.Fprintf(cfg.stderr, "running %s%s for %s (run %d of %d)…\n", s.Workload, at, s.Duration, i+1, n)
		r, err := t.measure(ctx, s)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// benchRuns are the runs of one workload.
type benchRuns []bench.Result

// rankOf is what runs are ranked by: throughput, or at a fixed rate the p99.
func rankOf(r bench.Result) float64 {
	if r.Rate > 0 {
		return r.P99.Seconds()
	}
	return r.PerSecond()
}

// median is the run with the median throughput (or p99 at a fixed rate).
func (rs benchRuns) median() bench.Result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b bench.Result) int { return cmp.Compare(rankOf(a), rankOf(b)) })
	return s[len(s)/2]
}

// spread is the lowest and highest throughput of the runs.
func (rs benchRuns) spread() (lo, hi float64) {
	lo, hi = rs[0].PerSecond(), rs[0].PerSecond()
	for _, r := range rs {
		lo, hi = min(lo, r.PerSecond()), max(hi, r.PerSecond())
	}
	return lo, hi
}

// ratioOf is r's throughput over its pgbench reference, 0 without one or at
// a fixed rate.
func ratioOf(base map[string]float64, r bench.Result) float64 {
	ref := base["pgbench UPDATE random row"]
	if r.Workload == bench.Hot {
		ref = base["pgbench UPDATE one row"]
	}
	if ref <= 0 || r.Rate > 0 || r.Workload == bench.Gateway || r.Workload == bench.GatewayDirect {
		return 0 // an LLM call is not one row update
	}
	return r.PerSecond() / ref
}

// perOp is d in microseconds per operation, nil when unknown.
func perOp(d time.Duration, ops int64) *float64 {
	if d < 0 || ops == 0 {
		return nil
	}
	us := float64(d.Microseconds()) / float64(ops)
	return &us
}

// benchReport is what a bench run prints.
type benchReport struct {
	baselines []bench.Baseline
	results   []benchRuns
	via       string
	wallets   int
	inProcess bool
	problems  int
	pages     []bench.PageResult // the console workload's
	preload   int
}

func reportBench(ctx context.Context, cfg *config, a *app, rep benchReport, asJSON bool) error {
	v, err := a.svc.Verify(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	rep.problems = len(v.Problems)
	if asJSON {
		err = printBenchJSON(cfg, rep)
	} else {
		printBench(cfg, rep)
		fmt.Fprintf(cfg.stdout, "verify: %d transactions, %d lots, %d balances, %d problems\n", v.Transactions, v.Lots, v.Balances, rep.problems)
	}
	if err == nil && rep.problems > 0 {
		return errSilent
	}
	for _, p := range rep.pages {
		if err == nil && p.Errors > 0 {
			return fmt.Errorf("console page %s: %d of %d requests failed: %s", p.Name, p.Errors, p.Requests, p.Error)
		}
	}
	return err
}

// benchWorkloadJSON is one workload in --json's output.
type benchWorkloadJSON struct {
	Name         string   `json:"name"`
	Clients      int      `json:"clients"`
	Runs         int      `json:"runs"`
	OpsPerSec    float64  `json:"ops_per_second"`
	Min          float64  `json:"min_ops_per_second"`
	Max          float64  `json:"max_ops_per_second"`
	Rate         float64  `json:"rate,omitempty"`          // the target, operations a second
	AchievedRate float64  `json:"achieved_rate,omitempty"` // with a target: completed operations a second
	Late         int64    `json:"late"`
	Dropped      int64    `json:"dropped,omitempty"`
	P50Ms        float64  `json:"p50_ms"`
	P99Ms        float64  `json:"p99_ms"`
	AuthP99Ms    float64  `json:"auth_p99_ms,omitempty"`
	AddedP50Ms   *float64 `json:"added_p50_ms,omitempty"` // gateway: its p50 minus gateway-direct's
	AddedP99Ms   *float64 `json:"added_p99_ms,omitempty"`
	Ratio        float64  `json:"ratio_to_pgbench,omitempty"`
	Errors       int64    `json:"errors"`
	ServerCPU    *float64 `json:"server_cpu_us_per_op"`   // null: unknown
	ClientsCPU   *float64 `json:"clients_cpu_us_per_op"`  // null: unknown, or in the server's figure
	PostgresCPU  *float64 `json:"postgres_cpu_us_per_op"` // null: unknown (another machine, no /proc)
}

func workloadJSON(rs benchRuns, base map[string]float64) benchWorkloadJSON {
	m := rs.median()
	lo, hi := rs.spread()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	w := benchWorkloadJSON{Name: m.Workload, Clients: m.Clients, Runs: len(rs), OpsPerSec: m.PerSecond(), Min: lo, Max: hi,
		Rate: m.Rate, Late: m.Late, Dropped: m.Dropped, P50Ms: ms(m.P50), P99Ms: ms(m.P99), AuthP99Ms: ms(m.AuthP99),
		Ratio: ratioOf(base, m), Errors: m.Errors, ServerCPU: perOp(m.CPU.Server, m.Ops),
		ClientsCPU: perOp(m.CPU.Clients, m.Ops), PostgresCPU: perOp(m.CPU.Postgres, m.Ops)}
	if m.Rate > 0 {
		w.AchievedRate = m.PerSecond()
	}
	return w
}

func printBenchJSON(cfg *config, rep benchReport) error {
	out := struct {
		Machine          map[string]any      `json:"machine"`
		Via              string              `json:"via"`
		ClientsInProcess bool                `json:"clients_in_process"`
		Wallets          int                 `json:"wallets"`
		Baselines        map[string]float64  `json:"pgbench_tps"`
		Workloads        []benchWorkloadJSON `json:"workloads"`
		PreloadEvents    int                 `json:"preload_events"`
		ConsolePages     []consolePageJSON   `json:"console_pages,omitempty"`
		PeakRSSMB        int64               `json:"peak_rss_mb"`
		Verify           int                 `json:"verify_problems"`
	}{Machine: map[string]any{"cpus": runtime.NumCPU(), "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH},
		Via: rep.via, ClientsInProcess: rep.inProcess, Wallets: rep.wallets, Baselines: map[string]float64{},
		PeakRSSMB: int64(bench.PeakRSS() >> 20), Verify: rep.problems, PreloadEvents: rep.preload}
	for _, p := range rep.pages {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		out.ConsolePages = append(out.ConsolePages, consolePageJSON{PageResult: p, P50Ms: ms(p.P50), P99Ms: ms(p.P99), MaxMs: ms(p.Max)})
	}
	for _, b := range rep.baselines {
		out.Baselines[b.Name] = b.TPS
	}
	for _, rs := range rep.results {
		w := workloadJSON(rs, out.Baselines)
		if p50, p99, ok := rep.gatewayAdded(rs); ok {
			ms := func(d time.Duration) *float64 { v := float64(d.Microseconds()) / 1000; return &v }
			w.AddedP50Ms, w.AddedP99Ms = ms(p50), ms(p99)
		}
		out.Workloads = append(out.Workloads, w)
	}
	enc := json.NewEncoder(cfg.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printBench(cfg *config, rep benchReport) {
	printPages(cfg, rep.pages)
	if len(rep.results) == 0 && len(rep.baselines) == 0 {
		fmt.Fprintf(cfg.stdout, "peak RSS: %d MB\n", bench.PeakRSS()>>20)
		return
	}
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tclients\trate\tops/s\tp50\tp99\tauth p99\tlate\tratio\terrors\tserver µs/op\tclients µs/op\tpostgres µs/op\t")
	base := map[string]float64{}
	for _, b := range rep.baselines {
		base[b.Name] = b.TPS
		fmt.Fprintf(tw, "%s\t%d\t\t%.0f\t\t\t\t\t1.00\t\t\t\t\t\n", b.Name, 0, b.TPS)
	}
	for _, rs := range rep.results {
		fmt.Fprintln(tw, benchRow(rs, base))
	}
	tw.Flush()
	for _, rs := range rep.results {
		if p50, p99, ok := rep.gatewayAdded(rs); ok {
			round := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
			fmt.Fprintf(cfg.stdout, "gateway added latency: p50 %s, p99 %s (through the gateway minus straight to the mock)\n", round(p50), round(p99))
		}
	}
	if rep.inProcess {
		fmt.Fprintln(cfg.stdout, "clients ran in this process: their CPU is in server µs/op")
	}
	fmt.Fprintf(cfg.stdout, "peak RSS: %d MB\n", bench.PeakRSS()>>20)
}

// gatewayAdded is what the gateway added to a call's latency: for the
// gateway workload's runs, their median's p50 and p99 minus those of the
// gateway-direct runs before them.
func (rep benchReport) gatewayAdded(rs benchRuns) (p50, p99 time.Duration, ok bool) {
	if rs.median().Workload != bench.Gateway {
		return 0, 0, false
	}
	for _, d := range rep.results {
		if m := d.median(); m.Workload == bench.GatewayDirect {
			g := rs.median()
			return g.P50 - m.P50, g.P99 - m.P99, true
		}
	}
	return 0, 0, false
}

// benchRow is one workload's line of the table.
func benchRow(rs benchRuns, base map[string]float64) string {
	r := rs.median()
	round := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	rate, late, ratio, auth := "", "", "", ""
	if r.Rate > 0 {
		rate, late = fmt.Sprintf("%.0f", r.Rate), fmt.Sprint(r.Late)
		if r.Dropped > 0 {
			late += fmt.Sprintf(" +%d dropped", r.Dropped)
		}
	}
	if x := ratioOf(base, r); x > 0 {
		ratio = fmt.Sprintf("%.2f", x)
	}
	if len(rs) > 1 {
		lo, hi := rs.spread()
		ratio += fmt.Sprintf(" (%.0f-%.0f/s)", lo, hi)
	}
	if r.Workload == bench.Pairs {
		auth = round(r.AuthP99).String()
	}
	cpu := func(d time.Duration) string {
		if us := perOp(d, r.Ops); us != nil {
			return fmt.Sprintf("%.0f", *us)
		}
		return "-"
	}
	return fmt.Sprintf("%s\t%d\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t", r.Workload, r.Clients, rate, r.PerSecond(),
		round(r.P50), round(r.P99), auth, late, ratio, r.Errors, cpu(r.CPU.Server), cpu(r.CPU.Clients), cpu(r.CPU.Postgres))
}

// consolePageJSON is one console page in --json's output.
type consolePageJSON struct {
	bench.PageResult
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// runConsole serves the console on loopback over the bench's account, signs
// an owner in through a one-time link as a browser would, and measures each
// page.
func runConsole(ctx context.Context, cfg *config, a *app, fx benchFixture, o benchFlags) ([]bench.PageResult, error) {
	if len(fx.f.Customers) < 2 {
		return nil, fmt.Errorf("the %s workload needs at least 2 customers: use --wallets 2 or more", bench.Console)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	c, err := console.New(a.svc, console.Options{BaseURL: base, Profitability: a.prof, Webhooks: a.hooks})
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: c}
	go srv.Serve(ln)
	defer srv.Close()
	_, link, _, err := a.svc.Operators.Invite(ctx, billing.InviteOperatorInput{Account: fx.acct.ID, Role: billing.RoleOwner,
		Email: fmt.Sprintf("bench-%d@bench.example.com", time.Now().UnixNano()), Name: "Bench operator"})
	if err != nil {
		return nil, err
	}
	sess, err := bench.SignInConsole(ctx, base, console.SignInURL(base, link.Token))
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	busy, err := a.svc.GetCustomer(fx.ctx, fx.f.Customers[0])
	if err != nil {
		return nil, err
	}
	pages := bench.ConsolePages(busy.ExternalID, busy.ID, fx.f.Customers[len(fx.f.Customers)/2], time.Now().UTC().Format(time.DateOnly))
	fmt.Fprintf(cfg.stderr, "running %s: %d pages, %d requests each…\n", bench.Console, len(pages), o.pageReqs)
	return sess.MeasurePages(ctx, pages, o.pageReqs)
}

// printPages is the console workload's table.
func printPages(cfg *config, pages []bench.PageResult) {
	if len(pages) == 0 {
		return
	}
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "console page\trequests\tp50\tp99\tmax\tKB\terrors\t")
	round := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	for _, p := range pages {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%.1f\t%d\t\n", p.Name, p.Requests, round(p.P50), round(p.P99), round(p.Max), float64(p.Bytes)/1024, p.Errors)
	}
	tw.Flush()
	for _, p := range pages {
		if p.Error != "" {
			fmt.Fprintf(cfg.stdout, "%s: %s\n", p.Name, p.Error)
		}
	}
}
