package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
)

// CreateWebhookEndpoint adds an endpoint; its secret is shown once.
func CreateWebhookEndpoint(d Deps) Tool {
	return newTool(webhooksSet, "create_webhook_endpoint", "Create a webhook endpoint",
		"Adds a URL that receives Tollgate's events (balance thresholds, depletion, declined authorizations, top-ups), signed to the Standard Webhooks spec. "+
			"The answer holds the signing secret (whsec_…) once: tell the user to store it now; it is never shown again. "+
			"Live mode needs a public https URL; test mode may use http://localhost. Pass an idempotency_key so a retry cannot make a second endpoint. Then call send_test_webhook.",
		additive,
		func(ctx context.Context, in wire.CreateWebhookEndpointRequest) (wire.WebhookEndpointResult, error) {
			e, err := d.Webhooks.CreateEndpoint(ctx, webhooks.CreateEndpointInput{URL: in.URL, Description: in.Description, EventTypes: in.EventTypes, IdempotencyKey: in.IdempotencyKey})
			if err != nil {
				return wire.WebhookEndpointResult{}, err
			}
			r := wire.WebhookEndpointResult{Endpoint: wire.FromWebhookEndpoint(e)}
			r.Summary = fmt.Sprintf("Created webhook endpoint %s for %s. Its signing secret is shown only now: store it.", e.ID, e.URL)
			if e.Replayed {
				r.Summary = fmt.Sprintf("Webhook endpoint %s for %s was already created with this idempotency_key; nothing new was made.", e.ID, e.URL)
				if e.Secret == "" {
					r.Summary += " Its secret was rotated since and is not shown again: rotate it (update_webhook_endpoint) if it was lost."
				}
			}
			r.NextSteps = []string{"send_test_webhook"}
			return r, nil
		})
}

// ListWebhookEndpoints lists the endpoints of this mode.
func ListWebhookEndpoints(d Deps) Tool {
	return newTool(webhooksSet, "list_webhook_endpoints", "List webhook endpoints",
		"Lists the webhook endpoints of this mode with their event types, whether they are enabled (and why not), and the last 4 characters of their secret.",
		readOnly,
		func(ctx context.Context, _ wire.ListWebhookEndpointsArgs) (wire.ListWebhookEndpointsResult, error) {
			es, err := d.Webhooks.ListEndpoints(ctx)
			if err != nil {
				return wire.ListWebhookEndpointsResult{}, err
			}
			r := wire.ListWebhookEndpointsResult{Data: wire.Map(es, wire.FromWebhookEndpoint)}
			disabled := 0
			for _, e := range es {
				if !e.Enabled {
					disabled++
				}
			}
			r.Summary = fmt.Sprintf("%d webhook endpoints, %d disabled.", len(es), disabled)
			return r, nil
		})
}

// UpdateWebhookEndpoint changes, disables, re-enables an endpoint or
// rotates its secret.
func UpdateWebhookEndpoint(d Deps) Tool {
	return newTool(webhooksSet, "update_webhook_endpoint", "Update a webhook endpoint",
		"Changes an endpoint's URL, description or event types, disables or re-enables it, or rotates its secret (rotate_secret: the new secret is shown once; "+
			"the old one keeps signing for 24 hours). Confirm with the user before calling.",
		overwriting,
		func(ctx context.Context, in wire.UpdateWebhookEndpointArgs) (wire.WebhookEndpointResult, error) {
			e, err := d.Webhooks.UpdateEndpoint(ctx, webhooks.UpdateEndpointInput{ID: in.EndpointID, URL: in.URL, Description: in.Description,
				EventTypes: in.EventTypes, Enabled: in.Enabled, RotateSecret: in.RotateSecret})
			if err != nil {
				return wire.WebhookEndpointResult{}, err
			}
			r := wire.WebhookEndpointResult{Endpoint: wire.FromWebhookEndpoint(e)}
			r.Summary = fmt.Sprintf("Updated webhook endpoint %s (enabled: %t).", e.ID, e.Enabled)
			if e.Secret != "" {
				r.Summary += " The new signing secret is shown only now: store it."
			}
			return r, nil
		})
}

// SendTestWebhook sends a webhook.test event to an endpoint.
func SendTestWebhook(d Deps) Tool {
	return newTool(webhooksSet, "send_test_webhook", "Send a test webhook",
		"Sends a signed webhook.test event to one endpoint, whatever its event types. Check the result with list_webhook_deliveries.",
		additive,
		func(ctx context.Context, in wire.SendTestWebhookArgs) (wire.WebhookDeliveryResult, error) {
			d, err := d.Webhooks.SendTestEvent(ctx, in.EndpointID)
			if err != nil {
				return wire.WebhookDeliveryResult{}, err
			}
			r := wire.WebhookDeliveryResult{Delivery: wire.FromWebhookDelivery(d)}
			r.Summary = fmt.Sprintf("Queued test event %s to endpoint %s.", d.EventID, d.EndpointID)
			r.NextSteps = []string{"list_webhook_deliveries"}
			return r, nil
		})
}

// ListWebhookDeliveries lists an endpoint's deliveries with their attempts.
func ListWebhookDeliveries(d Deps) Tool {
	return newTool(webhooksSet, "list_webhook_deliveries", "List webhook deliveries",
		"Lists an endpoint's deliveries, newest first, each with every attempt (HTTP status, latency, the start of the answer). Use it to see why an endpoint fails.",
		readOnly,
		func(ctx context.Context, in wire.ListWebhookDeliveriesArgs) (wire.ListWebhookDeliveriesResult, error) {
			ds, next, err := d.Webhooks.ListDeliveries(ctx, webhooks.ListDeliveriesInput{EndpointID: in.EndpointID, Status: in.Status, After: in.Cursor, Limit: in.Limit})
			if err != nil {
				return wire.ListWebhookDeliveriesResult{}, err
			}
			r := wire.ListWebhookDeliveriesResult{Data: wire.Map(ds, wire.FromWebhookDelivery), HasMore: next != "", NextCursor: wire.Cursor(next)}
			count := map[string]int{}
			for _, d := range ds {
				count[d.Status]++
			}
			parts := []string{}
			for _, st := range []string{webhooks.DeliverySucceeded, webhooks.DeliveryPending, webhooks.DeliveryFailed} {
				parts = append(parts, fmt.Sprintf("%d %s", count[st], st))
			}
			r.Summary = fmt.Sprintf("%d deliveries: %s.", len(ds), strings.Join(parts, ", "))
			return r, nil
		})
}

// RetryWebhookDelivery sends a delivery again.
func RetryWebhookDelivery(d Deps) Tool {
	return newTool(webhooksSet, "retry_webhook_delivery", "Retry a webhook delivery",
		"Sends a delivery again now with the same event id (receivers drop duplicates by webhook-id), starting a fresh retry schedule. The endpoint must be enabled.",
		additive,
		func(ctx context.Context, in wire.RetryWebhookDeliveryArgs) (wire.WebhookDeliveryResult, error) {
			d, err := d.Webhooks.RetryDelivery(ctx, in.DeliveryID)
			if err != nil {
				return wire.WebhookDeliveryResult{}, err
			}
			r := wire.WebhookDeliveryResult{Delivery: wire.FromWebhookDelivery(d)}
			r.Summary = fmt.Sprintf("Queued delivery %s (event %s) again.", d.ID, d.EventID)
			return r, nil
		})
}

// SetBalanceThresholds sets the thresholds whose crossing is a webhook.
func SetBalanceThresholds(d Deps) Tool {
	return newTool(webhooksSet, "set_balance_thresholds", "Set balance thresholds",
		"Replaces a wallet's thresholds in one asset: when the available balance goes below one, a balance.threshold_crossed webhook is sent, once; "+
			"it fires again only after the balance was back at or above its rearm_at (default threshold + 10%). [] removes them.",
		overwriting,
		func(ctx context.Context, in wire.SetBalanceThresholdsArgs) (wire.SetBalanceThresholdsResult, error) {
			ts, err := d.Billing.SetBalanceThresholds(ctx, thresholdsInput(in.Customer, in.Wallet, in.SetBalanceThresholdsRequest))
			if err != nil {
				return wire.SetBalanceThresholdsResult{}, err
			}
			r := wire.SetBalanceThresholdsResult{Thresholds: wire.Map(ts, wire.FromBalanceThreshold), Livemode: livemode(ctx)}
			levels := make([]string, len(ts))
			for i, t := range ts {
				levels[i] = rating.Display(t.Threshold, t.Precision)
			}
			r.Summary = fmt.Sprintf("%s thresholds: %s.", in.Asset, strings.Join(levels, ", "))
			return r, nil
		})
}

func thresholdsInput(customer, wallet string, in wire.SetBalanceThresholdsRequest) billing.SetBalanceThresholdsInput {
	out := billing.SetBalanceThresholdsInput{Customer: customer, Wallet: wallet, Asset: in.Asset}
	for _, t := range in.Thresholds {
		ti := billing.ThresholdInput{Threshold: t.Threshold.Decimal}
		if t.RearmAt != nil {
			d := t.RearmAt.Decimal
			ti.RearmAt = &d
		}
		out.Thresholds = append(out.Thresholds, ti)
	}
	return out
}
