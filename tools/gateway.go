package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// Gateway describes the metering gateway this process serves, for the
// caller's account and mode (main adapts the gateway package's Handler, so
// tools do not import it). Nil where the process serves none (MCP over
// stdio).
type Gateway interface {
	Describe(ctx context.Context) (wire.Gateway, error)
}

// GetGateway says what the gateway serves for the caller.
func GetGateway(d Deps) Tool {
	return newTool(gatewaySet, "get_gateway", "Show the metering gateway",
		"Shows the metering gateway for this account and mode: each provider (OpenAI, Anthropic) configured or not, with its upstream, "+
			"whose it is (the account's own or the server's) and its key redacted to the last 4 characters; the base URL an app sets instead "+
			"of the provider's; the event type the gateway holds and records usage under; and the product shape that prices it "+
			"(a dimensional price by model per token field).",
		readOnly,
		func(ctx context.Context, _ wire.GetGatewayArgs) (wire.GatewayResult, error) {
			g, err := describeGateway(ctx, d)
			if err != nil {
				return wire.GatewayResult{}, err
			}
			return wire.GatewayResult{Gateway: g, Guidance: gatewayGuidance(g, "")}, nil
		})
}

// ConfigureGateway sets the account's gateway event type in the caller's mode.
func ConfigureGateway(d Deps) Tool {
	return newTool(gatewaySet, "configure_gateway", "Configure the metering gateway",
		"Sets, for this account and mode, the event type the gateway holds and records LLM usage under (the one your per-token "+
			"product prices), and/or the cost table: what each provider charges per million tokens of each model, so every call "+
			"carries its provider cost and get_profitability shows the gateway's margin. Setting the same values again changes "+
			"nothing; every server applies them within a second. "+
			"It never takes provider keys: the operator sets the OpenAI and Anthropic keys and base URLs per account and mode with "+
			"`tollgate gateway connect`, or for the whole server in its environment (TOLLGATE_OPENAI_API_KEY, TOLLGATE_ANTHROPIC_API_KEY).",
		overwriting,
		func(ctx context.Context, in wire.ConfigureGatewayArgs) (wire.GatewayResult, error) {
			if in.EventType == "" && in.Costs == nil {
				return wire.GatewayResult{}, kernel.Invalidf("event_type", "give event_type, costs or both: nothing else is configured here")
			}
			var did []string
			if in.EventType != "" {
				if _, err := d.Billing.Gateway.SetEventType(ctx, strings.TrimSpace(in.EventType)); err != nil {
					return wire.GatewayResult{}, err
				}
				did = append(did, "Set the gateway's event type to "+strings.TrimSpace(in.EventType)+".")
			}
			if in.Costs != nil {
				if _, err := d.Billing.Gateway.SetModelCosts(ctx, wire.Map(*in.Costs, wire.GatewayCost.ToModelCost)); err != nil {
					return wire.GatewayResult{}, err
				}
				did = append(did, fmt.Sprintf("Set the cost table: %s.", plural(len(*in.Costs), "row")))
			}
			g, err := describeGateway(ctx, d)
			if err != nil {
				return wire.GatewayResult{}, err
			}
			return wire.GatewayResult{Gateway: g, Guidance: gatewayGuidance(g, strings.Join(did, " ")+" ")}, nil
		})
}

// describeGateway is the gateway's description, or where this process serves
// none, what billing knows: the account's event type.
func describeGateway(ctx context.Context, d Deps) (wire.Gateway, error) {
	if d.Gateway != nil {
		return d.Gateway.Describe(ctx)
	}
	s, err := d.Billing.Gateway.Settings(ctx)
	if err != nil {
		return wire.Gateway{}, err
	}
	c, _ := billing.CallerFrom(ctx)
	g := wire.Gateway{Providers: []wire.GatewayProvider{}, EventType: s.EventType, EventTypeSource: "account", Costs: wire.Map(s.Costs, wire.FromModelCost),
		Livemode: c.Mode == billing.ModeLive}
	if s.EventType == "" {
		g.EventTypeSource = "server"
	}
	return g, nil
}

func gatewayGuidance(g wire.Gateway, prefix string) wire.Guidance {
	if !g.Served {
		et := "the server's default (TOLLGATE_GATEWAY_EVENT_TYPE, else llm.tokens)"
		if g.EventType != "" {
			et = g.EventType
		}
		return wire.Guidance{Summary: prefix + "This MCP server (stdio) does not serve the gateway; the account's gateway event type is " + et +
			". Call get_gateway on the MCP endpoint of `tollgate serve` to see its providers and base URLs."}
	}
	var on, off []string
	for _, p := range g.Providers {
		if p.Configured {
			on = append(on, fmt.Sprintf("%s at %s (the %s's key %s)", p.Provider, p.BaseURL, p.Source, p.Key))
		} else {
			off = append(off, p.Provider)
		}
	}
	s := prefix + fmt.Sprintf("The gateway records usage as %s (%s).", g.EventType, g.EventTypeSource)
	if len(on) > 0 {
		s += " Serving " + strings.Join(on, " and ") + "."
	}
	if len(off) > 0 {
		s += " Not configured: " + strings.Join(off, ", ") + " (the operator runs `tollgate gateway connect --provider <name>` for this account and mode, or sets its key in the server's environment)."
	}
	next := []string{"list_products", "create_product_version", "create_customer_key"}
	if len(g.Costs) == 0 {
		s += " No cost table: the gateway's calls carry no provider cost, so profitability shows their revenue but not their margin."
		next = append(next, "configure_gateway with costs: each provider's price per million tokens of each model")
	} else {
		s += fmt.Sprintf(" Cost table: %s; each call carries its provider cost (get_profitability shows the margin).", plural(len(g.Costs), "row"))
	}
	return wire.Guidance{Summary: s, NextSteps: next}
}
