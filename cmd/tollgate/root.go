package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/pgembed"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// config is what every command that touches the database shares.
type config struct {
	databaseURL string
	dataDir     string
	addr        string
	publicURL   string // serve: the base URL customers reach; empty outside serve
	metricsAddr string // serve: where /metrics listens; empty: on addr when TOLLGATE_METRICS_TOKEN is set, else off
	// stripeAPIBase replaces https://api.stripe.com: stripe-mock, or a
	// corporate proxy in front of Stripe; empty: Stripe.
	stripeAPIBase string
	// oauthLoopbackClients lets OAuth client metadata documents live on
	// loopback (serve --oauth-allow-loopback-clients).
	oauthLoopbackClients bool
	mcp                  mcpFlags
	stdout               io.Writer
	stderr               io.Writer
	log                  *slog.Logger
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	cfg := &config{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "tollgate",
		Short:         "Open-source, real-time billing for AI products, set up by prompt over MCP",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			cfg.log = slog.New(slog.NewTextHandler(cfg.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&cfg.databaseURL, "database-url", envOr("", "TOLLGATE_DATABASE_URL", "DATABASE_URL"),
		"PostgreSQL URL (env TOLLGATE_DATABASE_URL, or DATABASE_URL); empty runs the embedded database in --data-dir")
	pf.StringVar(&cfg.dataDir, "data-dir", envOr(defaultDataDir(), "TOLLGATE_DATA_DIR"),
		"where the embedded database lives (env TOLLGATE_DATA_DIR)")
	pf.StringVar(&cfg.stripeAPIBase, "stripe-api-base", envOr("", "TOLLGATE_STRIPE_API_BASE"),
		"base URL of Stripe's API, for stripe-mock or a proxy in front of Stripe (env TOLLGATE_STRIPE_API_BASE); empty: https://api.stripe.com")

	root.AddCommand(
		newServeCmd(cfg),
		newMCPCmd(cfg),
		newMigrateCmd(cfg),
		newDBCmd(cfg),
		newKeysCmd(cfg),
		newAccountsCmd(cfg),
		newOperatorsCmd(cfg),
		newCustomerKeysCmd(cfg),
		newGatewayCmd(cfg),
		newConnectCmd(cfg),
		newPaymentsCmd(cfg),
		newVerifyCmd(cfg),
		newTestClocksCmd(cfg),
		newBenchCmd(cfg),
		newVersionCmd(cfg),
	)
	root.SetErrPrefix("tollgate:")
	wrapErrors(root, stderr)
	return root
}

// wrapErrors prints a command's error once, without usage or a stack.
func wrapErrors(root *cobra.Command, stderr io.Writer) {
	for _, c := range root.Commands() {
		wrapErrors(c, stderr) // a command that runs may have commands too (mcp grants)
		if c.RunE == nil {
			continue
		}
		run := c.RunE
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			if err != nil && !errors.Is(err, errSilent) {
				fmt.Fprintln(stderr, "tollgate:", err)
			}
			return err
		}
	}
}

// errSilent is returned by commands that already printed what went wrong.
var errSilent = errors.New("failed")

func envOr(def string, names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return def
}

// defaultDataDir is ~/.local/share/tollgate (XDG), or /var/lib/tollgate for root,
// whose home directory the unprivileged database user cannot reach.
func defaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/tollgate"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "tollgate")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "tollgate")
	}
	return filepath.Join(os.TempDir(), "tollgate")
}

// database is an open pool plus whatever must happen when it is closed.
type database struct {
	pool     *pgxpool.Pool
	embedded *pgembed.Cluster
}

func (d *database) Close() {
	d.pool.Close()
	if d.embedded != nil {
		d.embedded.Close()
	}
}

// openDatabase connects to --database-url, or starts (or joins) the embedded
// cluster. migrate applies pending migrations under an advisory lock.
func openDatabase(ctx context.Context, cfg *config, migrate bool) (*database, error) {
	d := &database{}
	dsn := cfg.databaseURL
	if dsn == "" {
		c, err := pgembed.Start(ctx, pgembed.Options{Dir: cfg.dataDir, Logger: cfg.log})
		if errors.Is(err, pgembed.ErrUnsupported) {
			return nil, err // already says what to do; a prefix would repeat it
		}
		if err != nil {
			return nil, fmt.Errorf("embedded database: %w", err)
		}
		d.embedded = c
		dsn = c.URL()
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		d.Close0()
		return nil, fmt.Errorf("database URL %s is not valid: %s", redactURL(dsn), safeParseError(err))
	}
	billing.ConfigurePool(pc)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err == nil {
		pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = pool.Ping(pingCtx)
		cancel()
		if err != nil {
			pool.Close()
		}
	}
	if err != nil {
		d.Close0()
		return nil, fmt.Errorf("cannot reach the database at %s: %s", redactURL(dsn), redactErr(err, dsn))
	}
	d.pool = pool
	if migrate {
		if err := billing.Migrate(ctx, pool, jobs.Migrate); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

// Close0 releases the embedded cluster when no pool was opened.
func (d *database) Close0() {
	if d.embedded != nil {
		d.embedded.Close()
	}
}

// redactURL hides the password of a database URL.
func redactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparseable URL)"
		}
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func redactErr(err error, dsn string) string {
	msg := err.Error()
	if u, perr := url.Parse(dsn); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

func safeParseError(err error) string {
	// pgx quotes the whole connection string in parse errors; keep only the reason.
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return "cannot parse"
}

func newVersionCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Tollgate's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cfg.stdout, "tollgate", buildVersion())
			return nil
		},
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
