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
	"github.com/tollgatehq/tollgate/pgembed"
)

func newBenchCmd(cfg *config) *cobra.Command {
	var (
		duration  time.Duration
		clients   int
		wallets   int
		workloads string
		baseline  bool
		via       string
		preload   int
		profile   string
		asJSON    bool
		runs      int
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the billing hot path (and pgbench baselines) against a database",
		Long: `Seed funded customers in a new account, then run each workload for --duration with
--clients concurrent clients: record (usage over all wallets), record-hot (every client
on one customer) and auth+record (authorize, then record with the authorization).
Where pgbench is installed, its single-row UPDATE baselines run first against the same
server. Prints one table and exits non-zero if verify finds anything afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, err := openApp(cmd, cfg)
			if err != nil {
				return err
			}
			defer a.db.Close()
			acct, err := a.svc.CreateAccount(ctx, "bench "+time.Now().UTC().Format(time.RFC3339))
			if err != nil {
				return err
			}
			bctx := billing.WithCaller(ctx, billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
			fmt.Fprintf(cfg.stderr, "seeding %d funded customers in account %s…\n", wallets, acct.ID)
			f, err := bench.Seed(bctx, a.svc, wallets, clients, "c")
			if err != nil {
				return err
			}
			if preload > 0 {
				fmt.Fprintf(cfg.stderr, "preloading %d past events…\n", preload)
				cus, err := a.svc.GetCustomer(bctx, f.Customers[0])
				if err != nil {
					return err
				}
				if err := bench.Preload(ctx, a.db.pool, acct.ID, cus.ID, cus.DefaultWalletID, preload); err != nil {
					return err
				}
			}
			var baselines []bench.Baseline
			if baseline {
				url := cfg.databaseURL
				if url == "" {
					url = a.db.embedded.URL()
				}
				bin, _ := pgembed.FindBinDir()
				fmt.Fprintln(cfg.stderr, "running pgbench baselines…")
				if baselines, err = bench.PgBench(ctx, a.db.pool, url, bin, wallets, clients, duration); err != nil {
					return err
				}
			}
			var drv bench.Driver = bench.ServiceDriver{Svc: a.svc, Ctx: bctx}
			if via == "http" {
				// The REST API on a loopback listener, as a backend would call it.
				_, key, err := a.svc.CreateAPIKey(ctx, acct.ID, billing.ModeTest, "bench")
				if err != nil {
					return err
				}
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					return err
				}
				srv := &http.Server{Handler: api.New(a.svc, a.prof, api.Options{})}
				go srv.Serve(ln)
				defer srv.Close()
				drv = bench.HTTPDriver{BaseURL: "http://" + ln.Addr().String(), Key: key, Client: bench.NewHTTPClient(clients)}
			}
			if profile != "" {
				f, err := os.Create(profile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			var results []benchRuns
			for _, w := range strings.Split(workloads, ",") {
				w = strings.TrimSpace(w)
				var rs benchRuns
				for i := range max(runs, 1) {
					fmt.Fprintf(cfg.stderr, "running %s for %s (run %d of %d)…\n", w, duration, i+1, max(runs, 1))
					rs = append(rs, bench.Run(bctx, drv, f, w, clients, duration, fmt.Sprintf("%s-%d", w, time.Now().UnixNano())))
				}
				results = append(results, rs)
			}
			rep, err := a.svc.Verify(context.WithoutCancel(ctx))
			if err != nil {
				return err
			}
			if asJSON {
				return printBenchJSON(cfg, baselines, results, len(rep.Problems), via, wallets)
			}
			printBench(cfg, baselines, results)
			fmt.Fprintf(cfg.stdout, "verify: %d transactions, %d lots, %d balances, %d problems\n", rep.Transactions, rep.Lots, rep.Balances, len(rep.Problems))
			if len(rep.Problems) > 0 {
				return errSilent
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&duration, "duration", 10*time.Second, "how long each workload runs")
	f.IntVar(&clients, "clients", 16, "concurrent clients")
	f.IntVar(&wallets, "wallets", 10000, "funded customers to spread load over")
	f.StringVar(&workloads, "workloads", "record,record-batch,record-hot,auth+record", "comma-separated workloads")
	f.BoolVar(&baseline, "pgbench", true, "run pgbench baselines first when pgbench is installed")
	f.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the workloads to this file")
	f.IntVar(&preload, "preload-events", 0, "write this many synthetic past events first (e.g. 10000000) to measure a large database")
	f.StringVar(&via, "via", "http", "drive the REST API on loopback (http) or the billing service in process (service)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object with each workload's figures and ratios")
	f.IntVar(&runs, "runs", 1, "run each workload this many times and report the median and the spread")
	return cmd
}

// benchRuns are the runs of one workload.
type benchRuns []bench.Result

// median is the run with the median throughput.
func (rs benchRuns) median() bench.Result {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b bench.Result) int { return cmp.Compare(a.PerSecond(), b.PerSecond()) })
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

// ratioOf is r's throughput over its pgbench reference, 0 without one.
func ratioOf(base map[string]float64, r bench.Result) float64 {
	ref := base["pgbench UPDATE random row"]
	if r.Workload == bench.Hot {
		ref = base["pgbench UPDATE one row"]
	}
	if ref <= 0 {
		return 0
	}
	return r.PerSecond() / ref
}

func printBenchJSON(cfg *config, baselines []bench.Baseline, results []benchRuns, problems int, via string, wallets int) error {
	type workload struct {
		Name      string  `json:"name"`
		Clients   int     `json:"clients"`
		Runs      int     `json:"runs"`
		OpsPerSec float64 `json:"ops_per_second"`
		Min       float64 `json:"min_ops_per_second"`
		Max       float64 `json:"max_ops_per_second"`
		P50Ms     float64 `json:"p50_ms"`
		P99Ms     float64 `json:"p99_ms"`
		AuthP99Ms float64 `json:"auth_p99_ms,omitempty"`
		Ratio     float64 `json:"ratio_to_pgbench,omitempty"`
		Errors    int64   `json:"errors"`
	}
	out := struct {
		Machine   map[string]any     `json:"machine"`
		Via       string             `json:"via"`
		Wallets   int                `json:"wallets"`
		Baselines map[string]float64 `json:"pgbench_tps"`
		Workloads []workload         `json:"workloads"`
		PeakRSSMB int64              `json:"peak_rss_mb"`
		Verify    int                `json:"verify_problems"`
	}{Machine: map[string]any{"cpus": runtime.NumCPU(), "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH},
		Via: via, Wallets: wallets, Baselines: map[string]float64{}, PeakRSSMB: int64(bench.PeakRSS() >> 20), Verify: problems}
	for _, b := range baselines {
		out.Baselines[b.Name] = b.TPS
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, rs := range results {
		m := rs.median()
		lo, hi := rs.spread()
		out.Workloads = append(out.Workloads, workload{Name: m.Workload, Clients: m.Clients, Runs: len(rs), OpsPerSec: m.PerSecond(), Min: lo, Max: hi,
			P50Ms: ms(m.P50), P99Ms: ms(m.P99), AuthP99Ms: ms(m.AuthP99), Ratio: ratioOf(out.Baselines, m), Errors: m.Errors})
	}
	enc := json.NewEncoder(cfg.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if problems > 0 {
		return errSilent
	}
	return nil
}

func printBench(cfg *config, baselines []bench.Baseline, runs []benchRuns) {
	tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tclients\tops/s\tp50\tp99\tauth p99\tratio\terrors\t")
	base := map[string]float64{}
	for _, b := range baselines {
		base[b.Name] = b.TPS
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t\t\t\t1.00\t\t\n", b.Name, 0, b.TPS)
	}
	for _, rs := range runs {
		r := rs.median()
		ratio := ""
		if x := ratioOf(base, r); x > 0 {
			ratio = fmt.Sprintf("%.2f", x)
		}
		if len(rs) > 1 {
			lo, hi := rs.spread()
			ratio += fmt.Sprintf(" (%.0f-%.0f/s)", lo, hi)
		}
		auth := ""
		if r.Workload == bench.Pairs {
			auth = r.AuthP99.Round(10 * time.Microsecond).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t\n", r.Workload, r.Clients, r.PerSecond(),
			r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), auth, ratio, r.Errors)
	}
	tw.Flush()
	fmt.Fprintf(cfg.stdout, "peak RSS: %d MB\n", bench.PeakRSS()>>20)
}
