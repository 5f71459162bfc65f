package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// ConsoleURL makes a console sign-in link's address from its token
// (package console's SignInURL over the server's public URL, wired by cmd).
type ConsoleURL func(token string) string

// OpenConsole returns a sign-in link to the operators' console for a person
// of the caller's account. Which person: the operator with the email given,
// else the account's only owner; it never invites anyone, and the link
// signs no one in until that person opens it (entering their code when they
// have a second factor).
func OpenConsole(d Deps) Tool {
	return newTool(consoleSet, "open_console", "Open the operators' console",
		"Returns a single-use link (15 minutes) that signs a person of this account in to the console in their browser: revenue, cost and margin, "+
			"customers with their wallets, usage and statements, operators and API keys. Pass the operator's email, or none when the account has one owner. "+
			"Show the link to the user only; never post it anywhere: it is their key to the console.",
		additive,
		func(ctx context.Context, in wire.OpenConsoleArgs) (wire.OpenConsoleResult, error) {
			c, err := billing.RequireCaller(ctx)
			if err != nil {
				return wire.OpenConsoleResult{}, err
			}
			if d.ConsoleURL == nil {
				return wire.OpenConsoleResult{}, kernel.Errorf(kernel.EInvalid, "this MCP server cannot make console links; run `tollgate operators link --email <you>` instead")
			}
			email := strings.TrimSpace(in.Email)
			if email == "" {
				if email, err = onlyOwner(ctx, d.Billing, c.AccountID); err != nil {
					return wire.OpenConsoleResult{}, err
				}
			}
			op, link, err := d.Billing.Operators.SignInLink(ctx, c.AccountID, email)
			if err != nil {
				return wire.OpenConsoleResult{}, err
			}
			r := wire.OpenConsoleResult{OperatorSignInLink: wire.FromSignInLink(op, d.ConsoleURL(link.Token), link.ExpiresAt)}
			r.Summary = fmt.Sprintf("Made a console sign-in link for %s (%s); it opens once, within 15 minutes. Show it to the user only.", op.Email, op.Role)
			if op.HasTOTP {
				r.Summary += " They will also enter the code from their authenticator app."
			}
			return r, nil
		})
}

// onlyOwner is the email of the account's one owner; when there is none or
// several, an error that says whom to name.
func onlyOwner(ctx context.Context, svc *billing.Service, account string) (string, error) {
	ops, err := svc.Operators.List(ctx, account)
	if err != nil {
		return "", err
	}
	var owners []string
	for _, o := range ops {
		if o.Role == billing.RoleOwner {
			owners = append(owners, o.Email)
		}
	}
	switch len(owners) {
	case 1:
		return owners[0], nil
	case 0:
		return "", kernel.Errorf(kernel.EInvalid,
			"account %s has no console owner yet; invite one with `tollgate operators invite --account %s --email <address> --role owner` (or POST /v1/operators), then call open_console again", account, account)
	}
	return "", kernel.Invalidf("email", "account %s has %d owners (%s); pass email to say whom to sign in", account, len(owners), strings.Join(owners, ", "))
}
