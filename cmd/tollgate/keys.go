package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
)

func newKeysCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Create, list and revoke API keys"}
	var live, readOnly bool
	var name, account string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API key (test mode unless --live); the key is printed once",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			mode := billing.ModeTest
			if live {
				mode = billing.ModeLive
			}
			acct := account
			if acct == "" {
				acct = a.acct.ID
			}
			scope := billing.ScopeFull
			if readOnly {
				scope = billing.ScopeReadOnly
			}
			k, secret, err := a.svc.Accounts.CreateScopedAPIKey(cmd.Context(), acct, mode, scope, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "%s\n", secret)
			fmt.Fprintf(cfg.stderr, "created %s %s key %s (%s) for account %s; store it now, it is not shown again\n", k.Mode, k.Scope, k.ID, k.Prefix, k.AccountID)
			fmt.Fprint(cfg.stderr, keyHint(k.Mode, serverURL()))
			return nil
		}),
	}
	create.Flags().BoolVar(&live, "live", false, "create a live-mode key")
	create.Flags().BoolVar(&readOnly, "read-only", false, "create a key that reads and never writes, on REST and MCP (scope read_only)")
	create.Flags().StringVar(&name, "name", "", "a label for the key")
	create.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List API keys (prefixes only)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			keys, err := a.svc.Accounts.ListAPIKeys(cmd.Context(), account)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPREFIX\tMODE\tSCOPE\tNAME\tACCOUNT\tLAST USED\tREVOKED")
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Mode, k.Scope, k.Name, k.AccountID, fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
			}
			return tw.Flush()
		}),
	}
	list.Flags().StringVar(&account, "account", "", "only this account's keys")
	var rateLimit, hotRateLimit int32
	limit := &cobra.Command{
		Use:   "limit <key id or prefix>",
		Short: "Set a key's own rate limits (requests a second; 0: the server's default); running servers apply them at once",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			k, err := a.svc.Accounts.SetAPIKeyLimits(cmd.Context(), args[0], rateLimit, hotRateLimit)
			if err != nil {
				return err
			}
			show := func(n int32) string {
				if n == 0 {
					return "the server's default"
				}
				return fmt.Sprintf("%d/s (burst %d)", n, 2*n)
			}
			fmt.Fprintf(cfg.stdout, "%s (%s…): management and MCP %s, hot path %s\n", k.ID, k.Prefix, show(k.RateLimit), show(k.HotRateLimit))
			return nil
		}),
	}
	limit.Flags().Int32Var(&rateLimit, "rate", 0, "requests a second for the management endpoints and MCP (0: the server's default)")
	limit.Flags().Int32Var(&hotRateLimit, "hot-rate", 0, "requests a second for the hot path: authorize, record, batch, void (0: the server's default)")
	revoke := &cobra.Command{
		Use:   "revoke <key id or prefix>",
		Short: "Revoke an API key; it stops working at once, in every running server too",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			k, err := a.svc.Accounts.RevokeAPIKey(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "revoked %s (%s…)\n", k.ID, k.Prefix)
			return nil
		}),
	}
	cmd.AddCommand(create, list, limit, revoke)
	return cmd
}

func newVerifyCmd(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Recompute every balance from the ledger; exit non-zero on any problem",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			r, err := a.svc.Verify(cmd.Context())
			if err != nil {
				return err
			}
			for _, p := range r.Problems {
				fmt.Fprintln(cfg.stdout, "PROBLEM:", p)
			}
			fmt.Fprintln(cfg.stdout, verifySummary(r))
			if len(r.Problems) > 0 {
				return errSilent
			}
			return nil
		}),
	}
}

// withApp runs fn with the database (migrated) and the billing service open,
// closing them after.
func withApp(cfg *config, fn func(cmd *cobra.Command, args []string, a *app) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := openApp(cmd, cfg)
		if err != nil {
			return err
		}
		defer a.db.Close()
		return fn(cmd, args, a)
	}
}

// openApp opens the database (migrating it) and the billing service.
func openApp(cmd *cobra.Command, cfg *config) (*app, error) {
	db, err := openDatabase(cmd.Context(), cfg, true)
	if err != nil {
		return nil, err
	}
	a, err := newApp(cmd.Context(), cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// serverURL is where `tollgate serve` answers, for the hints that show a
// request: TOLLGATE_PUBLIC_URL, else TOLLGATE_ADDR (a wildcard host read
// as localhost), else serve's default address.
func serverURL() string {
	if u := os.Getenv("TOLLGATE_PUBLIC_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	addr := envOr("127.0.0.1:8080", "TOLLGATE_ADDR")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// keyHint says how to use a new key. `tollgate connect --key` writes a
// test key of its own, so it is suggested for test mode only: a live key
// goes to the backend, and into an agent's config only by hand.
func keyHint(mode billing.Mode, base string) string {
	use := "use it:\n  export TOLLGATE_API_KEY=<the key above>\n  curl -s " + base + "/v1/customers -H \"Authorization: Bearer $TOLLGATE_API_KEY\"\n"
	if mode == billing.ModeLive {
		return use + "This live key moves real money: keep it in your backend's secrets. `tollgate connect` gives agents test keys;\n" +
			"put a live key in an agent's MCP config (env TOLLGATE_API_KEY) by hand, and only if it must act in live mode.\n"
	}
	return use + "  tollgate connect cursor --key   # an agent gets its own test key (or: tollgate connect claude --key)\n"
}

// verifySummary is verify's last line, in words that agree with the counts.
func verifySummary(r billing.VerifyReport) string {
	return fmt.Sprintf("checked %s, %s, %s: %s", plural(r.Transactions, "transaction"), plural(r.Lots, "lot"),
		plural(r.Balances, "balance"), plural(len(r.Problems), "problem"))
}

// plural writes n and a noun whose plural takes an s.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
