package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// newCustomerKeysCmd manages customer keys (tg_cust_…): keys scoped to one
// customer, accepted only by the metering gateway.
func newCustomerKeysCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "customer-keys", Short: "Create, list and revoke customer keys (tg_cust_…) for the metering gateway"}
	var live bool
	var account, customer string
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
	scope := func(c *cobra.Command) {
		c.Flags().BoolVar(&live, "live", false, "live mode (default test)")
		c.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	}
	var name, dailyCap, capAsset, idemKey string
	var rate int32
	create := &cobra.Command{
		Use:   "create --customer <id or external_id>",
		Short: "Create a customer key; the key is printed once",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			in := billing.CreateCustomerKeyInput{Customer: customer, Name: name, RateLimit: rate, DailyCapAsset: capAsset, IdempotencyKey: idemKey}
			if dailyCap != "" {
				d, err := decimal.NewFromString(dailyCap)
				if err != nil {
					return kernel.Invalidf("daily_cap", "--daily-cap %q is not a decimal amount such as 5.00", dailyCap)
				}
				in.DailyCap = &d
			}
			ctx := billing.WithCaller(cmd.Context(), caller(a))
			k, secret, err := a.svc.Accounts.CreateCustomerKey(ctx, in)
			if err != nil {
				return err
			}
			if k.Replayed {
				fmt.Fprintf(cfg.stderr, "customer key %s (%s…) for customer %s was already created with --idempotency-key %s; nothing new was made.\n"+
					"Its secret was printed only then: if it was lost, revoke it (tollgate customer-keys revoke %s) and create another with a new --idempotency-key.\n",
					k.ID, k.Prefix, k.CustomerID, idemKey, k.ID)
				return nil
			}
			fmt.Fprintf(cfg.stdout, "%s\n", secret)
			limit := "no daily cap"
			if k.DailyCap != nil {
				limit = "a daily cap of " + k.DailyCap.String() + " " + k.DailyCapAsset
			}
			fmt.Fprintf(cfg.stderr, "created %s customer key %s (%s…) for customer %s, with %s; store it now, it is not shown again.\n"+
				"It works only on the gateway: give it to the customer's client as its OpenAI or Anthropic SDK key, with the base URL <tollgate>/gateway/openai/v1 or <tollgate>/gateway/anthropic.\n",
				k.Mode, k.ID, k.Prefix, k.CustomerID, limit)
			return nil
		}),
	}
	scope(create)
	create.Flags().StringVar(&customer, "customer", "", "the customer who pays: cus_… id or external_id (required)")
	create.Flags().StringVar(&name, "name", "", "a label for the key")
	create.Flags().StringVar(&dailyCap, "daily-cap", "", "the most the key may spend per UTC day, such as 5.00 (default: no cap)")
	create.Flags().StringVar(&capAsset, "daily-cap-asset", "", "the cap's asset, that of the gateway's holds (default: the account's reporting currency)")
	create.Flags().Int32Var(&rate, "rate", 0, "gateway calls a second, bursts twice that (0: the server's default)")
	create.Flags().StringVar(&idemKey, "idempotency-key", "", "your unique id for this key: run again with it, and the key it made is found (its secret is not printed again) instead of a second one made")
	_ = create.MarkFlagRequired("customer")
	list := &cobra.Command{
		Use:   "list --customer <id or external_id>",
		Short: "List a customer's keys (prefixes only)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			keys, err := a.svc.Accounts.ListCustomerKeys(billing.WithCaller(cmd.Context(), caller(a)), customer)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPREFIX\tCUSTOMER\tNAME\tRATE\tDAILY CAP\tLAST USED\tREVOKED")
			for _, k := range keys {
				limit := "-"
				if k.DailyCap != nil {
					limit = k.DailyCap.String() + " " + k.DailyCapAsset
				}
				fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%d\t%s\t%s\t%s\n", k.ID, k.Prefix, k.CustomerID, k.Name, k.RateLimit, limit, fmtTime(k.LastUsedAt), fmtTime(k.RevokedAt))
			}
			return tw.Flush()
		}),
	}
	scope(list)
	list.Flags().StringVar(&customer, "customer", "", "the customer: cus_… id or external_id (required)")
	_ = list.MarkFlagRequired("customer")
	revoke := &cobra.Command{
		Use:   "revoke <customer key id>",
		Short: "Revoke a customer key; every running server refuses it within a second",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			k, err := a.svc.Accounts.RevokeCustomerKey(billing.WithCaller(cmd.Context(), caller(a)), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "revoked %s (%s…)\n", k.ID, k.Prefix)
			return nil
		}),
	}
	scope(revoke)
	cmd.AddCommand(create, list, revoke)
	return cmd
}
