package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/console"
)

// newOperatorsCmd manages the people who sign in to the console.
func newOperatorsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "operators", Short: "Invite, list and remove the people who sign in to the console; their sessions"}
	var account, email, name, role, operator string
	var all bool
	acct := func(a *app) string {
		if account != "" {
			return account
		}
		return a.acct.ID
	}
	accountFlag := func(c *cobra.Command, what string) {
		c.Flags().StringVar(&account, "account", "", what+" (default: the default account)")
	}
	printLink := func(op billing.Operator, l billing.OperatorLink, what string) {
		fmt.Fprintln(cfg.stdout, console.SignInURL(serverURL(), l.Token))
		fmt.Fprintf(cfg.stderr, "%s %s (%s) of account %s. The link above signs them in to the console once, within %d minutes (until %s);\n"+
			"give it to them privately. `tollgate operators link --email %s` makes another.\n",
			what, op.Email, op.Role, op.AccountID, int(billing.OperatorLinkTTL/time.Minute), l.ExpiresAt.UTC().Format("15:04 UTC"), op.Email)
	}
	invite := &cobra.Command{
		Use:   "invite --email <address> --role owner|admin|viewer",
		Short: "Make someone an operator of an account; prints their one-time sign-in link",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			op, l, _, err := a.svc.Operators.Invite(cmd.Context(), billing.InviteOperatorInput{Account: acct(a), Email: email, Name: name, Role: billing.Role(role)})
			if err != nil {
				return err
			}
			printLink(op, l, "invited")
			return nil
		}),
	}
	accountFlag(invite, "the account they operate")
	invite.Flags().StringVar(&email, "email", "", "their email address (required)")
	invite.Flags().StringVar(&role, "role", "", "owner (everything), admin (money and settings, not operators or keys) or viewer (reads only) (required)")
	invite.Flags().StringVar(&name, "name", "", "their name, as the console shows it")
	_ = invite.MarkFlagRequired("email")
	_ = invite.MarkFlagRequired("role")
	link := &cobra.Command{
		Use:   "link --email <address>",
		Short: "Print a new one-time sign-in link for an operator (a magic link: no password needed)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			op, l, err := a.svc.Operators.SignInLink(cmd.Context(), acct(a), email)
			if err != nil {
				return err
			}
			printLink(op, l, "a sign-in link for")
			return nil
		}),
	}
	accountFlag(link, "the account the link opens")
	link.Flags().StringVar(&email, "email", "", "the operator's email address or id (op_…) (required)")
	_ = link.MarkFlagRequired("email")
	list := &cobra.Command{
		Use:   "list",
		Short: "List an account's operators",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			ops, err := a.svc.Operators.List(cmd.Context(), acct(a))
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tPASSWORD\tTOTP")
			for _, o := range ops {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Email, o.Name, o.Role, yesNo(o.HasPassword), yesNo(o.HasTOTP))
			}
			return tw.Flush()
		}),
	}
	accountFlag(list, "the account")
	setRole := &cobra.Command{
		Use:   "role <email or id> owner|admin|viewer",
		Short: "Change an operator's role (an account keeps at least one owner)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			op, err := a.svc.Operators.SetRole(cmd.Context(), acct(a), args[0], billing.Role(args[1]))
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "%s is now %s of account %s\n", op.Email, op.Role, op.AccountID)
			return nil
		}),
	}
	accountFlag(setRole, "the account")
	remove := &cobra.Command{
		Use:   "remove <email or id>",
		Short: "Take an operator out of an account; their sessions in it end at once",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			op, err := a.svc.Operators.Remove(cmd.Context(), acct(a), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "removed %s from account %s\n", op.Email, op.AccountID)
			return nil
		}),
	}
	accountFlag(remove, "the account")
	sessions := &cobra.Command{
		Use:   "sessions",
		Short: "List console sessions, newest first (open ones unless --all)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(cmd *cobra.Command, _ []string, a *app) error {
			in := billing.ListSessionsInput{Account: account, All: all}
			if operator != "" {
				op, err := a.svc.Operators.Get(cmd.Context(), acct(a), operator)
				if err != nil {
					return err
				}
				in.Operator = op.ID
			}
			list, err := a.svc.Operators.Sessions(cmd.Context(), in)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cfg.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tOPERATOR\tACCOUNT\tMODE\tBY\tSTARTED\tLAST SEEN\tENDS\tREVOKED")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Email, s.AccountID, s.Mode, s.Method,
					fmtTime(&s.CreatedAt), fmtTime(&s.LastSeenAt), fmtTime(&s.ExpiresAt), fmtTime(s.RevokedAt))
			}
			return tw.Flush()
		}),
	}
	sessions.Flags().StringVar(&account, "account", "", "only sessions of this account's operators")
	sessions.Flags().StringVar(&operator, "operator", "", "only this operator's sessions (email or id; with --account, or of the default account)")
	sessions.Flags().BoolVar(&all, "all", false, "include ended and revoked sessions")
	revoke := &cobra.Command{
		Use:   "revoke-session <session id>",
		Short: "End a console session at once, on every running server",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(cmd *cobra.Command, args []string, a *app) error {
			if err := a.svc.Operators.RevokeSession(cmd.Context(), args[0], ""); err != nil {
				return err
			}
			fmt.Fprintf(cfg.stdout, "revoked %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(invite, link, list, setRole, remove, sessions, revoke)
	return cmd
}

// consoleURL makes console sign-in links on a server's public URL, for the
// MCP tools and the REST API.
func consoleURL(base string) func(token string) string {
	return func(token string) string { return console.SignInURL(base, token) }
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
