package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// PortalLinks makes a link to the customer portal for one customer of the
// caller (package portal's Server.CreateSession, adapted by cmd). Nil where
// this process does not serve the portal (MCP over stdio).
type PortalLinks func(ctx context.Context, customer, returnURL string) (url string, expiresAt time.Time, err error)

// CreatePortalSession makes a link that opens the hosted billing portal for
// one customer.
func CreatePortalSession(d Deps) Tool {
	return newTool(portalSet, "create_portal_session", "Create a customer portal link",
		"Returns a link to the hosted billing portal for one customer: their balance, usage, transactions, top-ups and auto top-up, "+
			"branded with set_portal_branding. The link must be opened within 10 minutes and opens a session of at most an hour; "+
			"create one each time the customer clicks \"Manage billing\". Never post it anywhere public: it is the customer's key to their billing.",
		additive,
		func(ctx context.Context, in wire.CreatePortalSessionRequest) (wire.CreatePortalSessionResult, error) {
			if d.PortalLinks == nil {
				return wire.CreatePortalSessionResult{}, kernel.Errorf(kernel.EInvalid,
					"this MCP server does not serve the portal (MCP over stdio); call create_portal_session on the MCP endpoint of `tollgate serve`, or POST /v1/portal_sessions")
			}
			url, exp, err := d.PortalLinks(ctx, in.Customer, in.ReturnURL)
			if err != nil {
				return wire.CreatePortalSessionResult{}, err
			}
			c, _ := billing.CallerFrom(ctx)
			return wire.CreatePortalSessionResult{
				PortalSession: wire.PortalSession{Object: "portal_session", URL: url, ExpiresAt: exp, Livemode: c.Mode == billing.ModeLive},
				Guidance:      wire.Guidance{Summary: fmt.Sprintf("Made a portal link for customer %s; open it before %s.", in.Customer, exp.Format(time.RFC3339))},
			}, nil
		})
}

// SetPortalBranding sets how the portal looks and what it lets customers pay.
func SetPortalBranding(d Deps) Tool {
	return newTool(portalSet, "set_portal_branding", "Set the customer portal's branding",
		"Sets the hosted billing portal's display name, logo URL, accent colour and support email, and the top-up limits customers "+
			"choose within (presets, minimum, maximum, highest monthly auto top-up cap), in the current mode. Only the fields given change.",
		overwriting,
		func(ctx context.Context, in wire.SetPortalBrandingRequest) (wire.SetPortalBrandingResult, error) {
			p, err := d.Billing.Portal.SetPortalBranding(ctx, in.ToInput())
			if err != nil {
				return wire.SetPortalBrandingResult{}, err
			}
			c, _ := billing.CallerFrom(ctx)
			return wire.SetPortalBrandingResult{Branding: wire.FromPortalBranding(p, c.Mode),
				Guidance: wire.Guidance{Summary: "Saved the portal's branding and limits.", NextSteps: []string{"create_portal_session for a test customer to see it"}}}, nil
		})
}
