package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// newAccountsCmd manages accounts: the platforms one Tollgate hosts, each
// with its own keys, customers, branding, payments and webhooks.
func newAccountsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "accounts", Short: "Create, list and rename accounts (the platforms this Tollgate hosts)"}
	create := &cobra.Command{
		Use:   "create <name>",
		Short: "Create an account with the built-in currencies; prints its id",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			acct, err := a.svc.Accounts.CreateAccount(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cfg.stdout, acct.ID)
			fmt.Fprintf(cfg.stderr, "created account %s (%s). Next:\n  tollgate operators invite --account %s --email you@example.com --role owner   # a sign-in link to its console\n  tollgate keys create --account %s                                           # an API key for its backend\n",
				acct.ID, acct.Name, acct.ID, acct.ID)
			return nil
		}),
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts, oldest first",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			accts, err := a.svc.Accounts.ListAccounts(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tDEFAULT\tCREATED")
			for _, ac := range accts {
				def := ""
				if ac.IsDefault {
					def = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ac.ID, ac.Name, def, fmtTime(&ac.CreatedAt))
			}
			return tw.Flush()
		}),
	}
	rename := &cobra.Command{
		Use:   "rename <account id> <name>",
		Short: "Rename an account",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			acct, err := a.svc.Accounts.RenameAccount(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "renamed %s to %s\n", acct.ID, acct.Name)
			return nil
		}),
	}
	cmd.AddCommand(create, list, rename)
	return cmd
}
