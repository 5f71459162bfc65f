package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// Whoami says which account and mode the connection is scoped to.
func Whoami(d Deps) Tool {
	return newTool(accountSet, "whoami", "Who am I connected as",
		"Shows the account, the mode (test or live) every call uses, and the API key's prefix and scope. Call it first, and before changes in live mode.",
		readOnly,
		func(ctx context.Context, _ wire.WhoamiArgs) (wire.WhoamiResult, error) {
			c, ok := billing.CallerFrom(ctx)
			if !ok {
				return wire.WhoamiResult{}, kernel.Errorf(kernel.EUnauthorized, "not connected to an account: set TOLLGATE_API_KEY for `tollgate mcp`, or send Authorization: Bearer <key> over HTTP")
			}
			key := "the local default account (no API key)"
			if c.KeyPrefix != "" {
				key = "API key " + c.KeyPrefix + "…"
			}
			scope := billing.ScopeFull
			if c.ReadOnly() {
				scope = billing.ScopeReadOnly
			}
			r := wire.WhoamiResult{AccountID: c.AccountID, Mode: string(c.Mode), Livemode: c.Mode == billing.ModeLive, KeyPrefix: c.KeyPrefix, Scope: string(scope)}
			r.Summary = fmt.Sprintf("Connected to account %s in %s mode with %s (scope %s).", c.AccountID, c.Mode, key, scope)
			if c.ReadOnly() {
				r.Summary += " The key is read-only: write tools are refused."
			}
			if r.Livemode {
				r.Summary += " Live mode: changes affect real customers' balances; confirm each one with the user."
			}
			r.NextSteps = []string{"list_assets to see the currencies and custom units", "list_customers to see who exists"}
			return r, nil
		})
}
