package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/oauth"
)

// withOAuth is withApp with the authorization server on the public URL
// (--public-url, TOLLGATE_PUBLIC_URL, else TOLLGATE_ADDR): the links it
// prints must lead to the running server.
func withOAuth(cfg *config, publicURL *string, fn func(cmd *cobra.Command, args []string, a *app, o *oauth.Service) error) func(*cobra.Command, []string) error {
	return withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
		base := *publicURL
		if base == "" {
			base = serverURL()
		}
		o, err := newOAuth(cfg, a, base)
		if err != nil {
			return err
		}
		return fn(cmd, args, a, o)
	})
}

// newAuthorizeLinkCmd is `tollgate mcp authorize-link`: the interim sign-in
// for consent, until operators sign in to the console.
func newAuthorizeLinkCmd(cfg *config) *cobra.Command {
	var account, mode, publicURL string
	cmd := &cobra.Command{
		Use:   "authorize-link",
		Short: "Print a one-time link that signs you in to approve an MCP client's OAuth request",
		Long: `Print a link that signs a person in, in their browser, to approve (or deny)
MCP clients that connect to this server's /mcp with OAuth, for one account and
mode. The link works once, within 10 minutes; the sign-in lasts 15 minutes.
Open it in the browser where the client's approval page opens (before or
after the client starts connecting). Whoever opens it can approve clients on
that account: give it to no one else.`,
		Args: cobra.NoArgs,
		RunE: withOAuth(cfg, &publicURL, func(cmd *cobra.Command, _ []string, a *app, o *oauth.Service) error {
			acct := account
			if acct == "" {
				acct = a.acct.ID
			}
			link, err := o.CreateSignInLink(cmd.Context(), acct, billing.Mode(mode))
			if err != nil {
				return err
			}
			fmt.Fprintln(cfg.stdout, link.URL)
			fmt.Fprintf(cfg.stderr, "open it within 10 minutes (before %s), once, in the browser where the MCP client's approval page opens; it signs in for account %s in %s mode\n",
				link.ExpiresAt.Format(time.RFC3339), acct, mode)
			return nil
		}),
	}
	cmd.Flags().StringVar(&account, "account", "", "account id (default: the default account)")
	cmd.Flags().StringVar(&mode, "mode", "test", "test or live: the data the approved clients work on")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "the server's public URL, as serve's --public-url (default: TOLLGATE_PUBLIC_URL, else http://TOLLGATE_ADDR)")
	return cmd
}

// newGrantsCmd is `tollgate mcp grants list|revoke`.
func newGrantsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "grants", Short: "List and revoke the OAuth grants of MCP clients"}
	var account, mode, publicURL string
	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List OAuth grants, newest first (in force only, unless --all)",
		Args:  cobra.NoArgs,
		RunE: withOAuth(cfg, &publicURL, func(cmd *cobra.Command, _ []string, a *app, o *oauth.Service) error {
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCLIENT\tACCOUNT\tMODE\tSCOPE\tCREATED\tLAST USED\tSTATUS")
			in := oauth.ListGrantsInput{Limit: 100, IncludeEnded: all}
			for {
				gs, next, err := o.ListAccountGrants(cmd.Context(), account, billing.Mode(mode), in)
				if err != nil {
					return err
				}
				for _, g := range gs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", g.ID, g.ClientName, g.AccountID, g.Mode, g.Scope,
						g.CreatedAt.Format(time.RFC3339), fmtTime(g.LastUsedAt), grantStatus(g, a.svc.Now()))
				}
				if next == "" {
					break
				}
				in.After = next
			}
			return tw.Flush()
		}),
	}
	list.Flags().StringVar(&account, "account", "", "only this account's grants")
	list.Flags().StringVar(&mode, "mode", "", "only test or live grants")
	list.Flags().BoolVar(&all, "all", false, "revoked and expired grants too")
	revoke := &cobra.Command{
		Use:   "revoke <grant id>",
		Short: "Revoke an OAuth grant: its tokens stop working at once in every running server",
		Args:  cobra.ExactArgs(1),
		RunE: withOAuth(cfg, &publicURL, func(cmd *cobra.Command, args []string, a *app, o *oauth.Service) error {
			g, err := o.RevokeAnyGrant(cmd.Context(), strings.TrimSpace(args[0]))
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "revoked %s (%s, account %s, %s mode): its tokens stop working now in every running server\n", g.ID, g.ClientName, g.AccountID, g.Mode)
			return nil
		}),
	}
	cmd.AddCommand(list, revoke)
	return cmd
}

func grantStatus(g oauth.Grant, now time.Time) string {
	switch {
	case g.RevokedAt != nil:
		return "revoked " + g.RevokedAt.Format(time.RFC3339) + " (" + g.RevokedReason + ")"
	case !g.Active(now):
		return "expired " + g.ExpiresAt.Format(time.RFC3339)
	}
	return "active until " + g.ExpiresAt.Format(time.RFC3339)
}
