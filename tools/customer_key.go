package tools

import (
	"context"
	"fmt"

	"github.com/tollgatehq/tollgate/wire"
)

// CreateCustomerKey creates a customer key; its secret is in the answer once,
// as create_webhook_endpoint's signing secret is.
func CreateCustomerKey(d Deps) Tool {
	return newTool(gatewaySet, "create_customer_key", "Create a customer key for the gateway",
		"Creates a key (tg_cust_…) for one customer, accepted only by the metering gateway (REST and MCP refuse it): "+
			"their client calls the LLM through Tollgate with it, billed to their wallet. Optional rate_limit and daily_cap (per UTC day). "+
			"The answer holds the key once: hand it to the customer's app; it is never shown again. "+
			"Pass an idempotency_key so a retry returns this key (without the secret) instead of making a second one.",
		additive,
		func(ctx context.Context, in wire.CreateCustomerKeyArgs) (wire.CustomerKeyResult, error) {
			k, secret, err := d.Billing.Accounts.CreateCustomerKey(ctx, in.ToInput(in.Customer))
			if err != nil {
				return wire.CustomerKeyResult{}, err
			}
			r := wire.CustomerKeyResult{Key: wire.FromCustomerKey(k), Secret: secret, Replayed: k.Replayed}
			if k.Replayed {
				r.Summary = fmt.Sprintf("Customer key %s (%s…) for %s was already created with this idempotency_key; nothing new was made. Its secret was shown only in that first answer: "+
					"if it was lost, revoke this key and create another with a new idempotency_key.", k.ID, k.Prefix, k.CustomerID)
				r.NextSteps = []string{"revoke_customer_key if its secret was lost", "list_customer_keys"}
				return r, nil
			}
			r.Summary = fmt.Sprintf("Created customer key %s (%s…) for %s. The key is shown only now: hand it to the customer's app.", k.ID, k.Prefix, k.CustomerID)
			r.NextSteps = []string{"list_customer_keys"}
			return r, nil
		})
}

// ListCustomerKeys lists a customer's keys.
func ListCustomerKeys(d Deps) Tool {
	return newTool(gatewaySet, "list_customer_keys", "List a customer's keys",
		"Lists a customer's gateway keys by id and prefix (never the key), with rate limit, daily cap, last use and revocation.",
		readOnly,
		func(ctx context.Context, in wire.ListCustomerKeysArgs) (wire.ListCustomerKeysResult, error) {
			keys, err := d.Billing.Accounts.ListCustomerKeys(ctx, in.Customer)
			if err != nil {
				return wire.ListCustomerKeysResult{}, err
			}
			r := wire.ListCustomerKeysResult{Data: wire.Map(keys, wire.FromCustomerKey)}
			active := 0
			for _, k := range keys {
				if k.RevokedAt == nil {
					active++
				}
			}
			r.Summary = fmt.Sprintf("%d customer keys for %s, %d active.", len(keys), in.Customer, active)
			return r, nil
		})
}

// RevokeCustomerKey revokes a customer key.
func RevokeCustomerKey(d Deps) Tool {
	return confirming(newTool(gatewaySet, "revoke_customer_key", "Revoke a customer key",
		"Revokes a customer key by id (ckey_…): every server refuses it within a second. Revoking again changes nothing.",
		overwriting,
		func(ctx context.Context, in wire.RevokeCustomerKeyArgs) (wire.CustomerKeyResult, error) {
			k, err := d.Billing.Accounts.RevokeCustomerKey(ctx, in.ID)
			if err != nil {
				return wire.CustomerKeyResult{}, err
			}
			r := wire.CustomerKeyResult{Key: wire.FromCustomerKey(k)}
			r.Summary = fmt.Sprintf("Revoked customer key %s (%s…) of %s.", k.ID, k.Prefix, k.CustomerID)
			return r, nil
		}), confirmRevokeCustomerKey(d))
}
