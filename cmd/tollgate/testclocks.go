package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
)

// newTestClocksCmd is `tollgate test-clocks`: create, list, read and
// advance the test clocks of an account's test mode.
func newTestClocksCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "test-clocks", Short: "Test clocks: a frozen time test-mode customers live on, advanced to watch plans renew"}
	var account, name, frozen string
	caller := func(ctx context.Context, a *app) context.Context {
		ctx, _ = paymentsCaller(ctx, a, account, billing.ModeTest)
		return ctx
	}
	create := &cobra.Command{
		Use:   "create <idempotency key>",
		Short: "Create a test clock (at --frozen-time, default now); creating again with the key returns the same clock",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			in := billing.CreateTestClockInput{IdempotencyKey: args[0], Name: name}
			if frozen != "" {
				t, err := time.Parse(time.RFC3339, frozen)
				if err != nil {
					return fmt.Errorf("--frozen-time must be an RFC 3339 time such as 2027-01-01T00:00:00Z; got %q", frozen)
				}
				in.FrozenTime = t
			}
			clk, _, err := a.svc.Plans.CreateTestClock(caller(cmd.Context(), a), in)
			if err != nil {
				return err
			}
			fmt.Fprintln(cfg.stdout, clk.ID)
			fmt.Fprintf(cfg.stderr, "test clock %s at %s; create customers on it with \"test_clock\": %q (REST or MCP)\n", clk.ID, clk.FrozenTime.Format(time.RFC3339), clk.ID)
			return nil
		}),
	}
	create.Flags().StringVar(&name, "name", "", "a label for the clock")
	create.Flags().StringVar(&frozen, "frozen-time", "", "the clock's start, RFC 3339 (default now)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List test clocks, newest first",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			p, err := a.svc.Plans.ListTestClocks(caller(cmd.Context(), a), 100, "")
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tFROZEN TIME\tSTATUS")
			for _, c := range p.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Name, c.FrozenTime.Format(time.RFC3339), c.Status)
			}
			return tw.Flush()
		}),
	}
	var wait time.Duration
	advance := &cobra.Command{
		Use:   "advance <clock id> <time>",
		Short: "Advance a test clock to an RFC 3339 time and wait until what fell due has run (a running `tollgate serve` runs it)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			to, err := time.Parse(time.RFC3339, args[1])
			if err != nil {
				return fmt.Errorf("the time must be RFC 3339, such as 2027-02-01T00:00:00Z; got %q", args[1])
			}
			ctx := caller(cmd.Context(), a)
			clk, err := a.svc.Plans.AdvanceTestClock(ctx, args[0], to)
			if err != nil {
				return err
			}
			deadline := time.Now().Add(wait)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for clk.Status == billing.TestClockAdvancing && time.Now().Before(deadline) {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-tick.C:
				}
				if clk, err = a.svc.Plans.GetTestClock(ctx, args[0]); err != nil {
					return err
				}
			}
			if clk.Status == billing.TestClockAdvancing {
				fmt.Fprintf(cfg.stdout, "%s advancing, at %s\n", clk.ID, clk.FrozenTime.Format(time.RFC3339))
				return fmt.Errorf("test clock %s is still advancing after %s: its work runs as a job in `tollgate serve` on this database; start one, or read it later with `tollgate test-clocks list`", clk.ID, wait)
			}
			fmt.Fprintf(cfg.stdout, "%s ready at %s\n", clk.ID, clk.FrozenTime.Format(time.RFC3339))
			return nil
		}),
	}
	advance.Flags().DurationVar(&wait, "wait", time.Minute, "how long to wait for the clock to be ready")
	cmd.PersistentFlags().StringVar(&account, "account", "", "account id (default: the default account); test mode")
	cmd.AddCommand(create, list, advance)
	return cmd
}
