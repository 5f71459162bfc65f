package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// newConfirmationsCmd is `tollgate mcp confirmations`: what an agent's MCP
// calls must have a person confirm before money moves (docs/MCP.md,
// "Confirmation before money moves").
func newConfirmationsCmd(cfg *config) *cobra.Command {
	var account string
	var live bool
	// caller scopes the command to the account (default: the default one)
	// and mode.
	caller := func(a *app) billing.Caller {
		c := billing.Caller{AccountID: account, Mode: billing.ModeTest}
		if c.AccountID == "" {
			c.AccountID = a.acct.ID
		}
		if live {
			c.Mode = billing.ModeLive
		}
		return c
	}
	cmd := &cobra.Command{
		Use:   "confirmations",
		Short: "Show which MCP calls wait for a person's yes: thresholds per asset and automation keys",
		Long: `An MCP call that refunds, gifts or corrects more than the account's threshold
in its asset (0 unless set: every one), cancels a plan now, revokes a customer
key or turns auto top-up off runs only after the person confirms it: their
client asks them, or the call answers with a confirmation token the agent
must bring back. Thresholds are per account, mode and asset; an automation
key (a backend's agent, no person to ask) is never asked.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			c := caller(a)
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "account %s, %s mode: a refund, gift or correction asks above\n", c.AccountID, c.Mode)
			ts, err := a.svc.Confirmations.Thresholds(billing.WithCaller(cmd.Context(), c))
			if err != nil {
				return err
			}
			for _, t := range ts {
				fmt.Fprintf(tw, "  %s\t%s\n", t.Asset, t.Above)
			}
			fmt.Fprintf(tw, "  any other asset\t0 (every one asks)\n")
			keys, err := a.svc.Confirmations.ExemptKeys(cmd.Context(), c.AccountID)
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "automation keys (never asked): %d\n", len(keys))
			for _, k := range keys {
				fmt.Fprintf(tw, "  %s\t%s…\t%s\t%s\n", k.ID, k.Prefix, k.Mode, k.Name)
			}
			return tw.Flush()
		}),
	}
	cmd.PersistentFlags().StringVar(&account, "account", "", "account id (default: the default account)")
	cmd.PersistentFlags().BoolVar(&live, "live", false, "live mode (default: test mode)")

	var asset, above string
	threshold := &cobra.Command{
		Use:   "threshold --asset USD --above 50",
		Short: "Let refunds, gifts and corrections up to an amount in one asset go through without asking (0: ask for every one)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			amount, err := rating.ParseAmount(above)
			if err != nil {
				return fmt.Errorf("--above: %w", err)
			}
			c := caller(a)
			t, err := a.svc.Confirmations.SetThreshold(billing.WithCaller(cmd.Context(), c), asset, amount)
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "%s mode, %s: refunds, gifts and corrections above %s %s ask the person first\n", c.Mode, t.Asset, t.Above, t.Asset)
			return nil
		}),
	}
	threshold.Flags().StringVar(&asset, "asset", "", "asset code (USD, credits, …)")
	threshold.Flags().StringVar(&above, "above", "", "the amount above which the person is asked, in the asset")
	_ = threshold.MarkFlagRequired("asset")
	_ = threshold.MarkFlagRequired("above")

	var off bool
	automation := &cobra.Command{
		Use:   "automation <key id or prefix>",
		Short: "Make an API key an automation key, whose MCP calls are never asked about (--off: asked again)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			k, err := a.svc.Confirmations.ExemptKey(cmd.Context(), args[0], !off)
			if err != nil {
				return err
			}
			if off {
				fmt.Fprintf(cfg.stdout, "%s (%s…): its MCP calls that move money ask the person again\n", k.ID, k.Prefix)
			} else {
				fmt.Fprintf(cfg.stdout, "%s (%s…) is an automation key: its MCP calls that move money are never asked about\n", k.ID, k.Prefix)
			}
			return nil
		}),
	}
	automation.Flags().BoolVar(&off, "off", false, "ask this key's calls again")
	cmd.AddCommand(threshold, automation)
	return cmd
}
