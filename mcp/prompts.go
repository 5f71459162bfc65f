package mcp

import (
	"context"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// prompt is a guided workflow: a text with optional arguments filled in.
type prompt struct {
	name, title, description string
	args                     []promptArg
	render                   func(args map[string]string) string
}

type promptArg struct {
	name, description string
}

// prompts returns the guided workflows. They name only what this version has;
// an agent is told to check tools/list and to say what is missing rather than
// improvise.
func prompts() []mcpserver.ServerPrompt {
	var out []mcpserver.ServerPrompt
	for _, p := range []prompt{billingSetup, billingVerification, billingIntegration, integrateBilling, paymentsSetup, planSetup, lowBalanceWebhooks} {
		opts := []mcpgo.PromptOption{mcpgo.WithPromptTitle(p.title), mcpgo.WithPromptDescription(p.description)}
		for _, a := range p.args {
			opts = append(opts, mcpgo.WithArgument(a.name, mcpgo.ArgumentDescription(a.description)))
		}
		out = append(out, mcpserver.ServerPrompt{
			Prompt: mcpgo.NewPrompt(p.name, opts...),
			Handler: func(_ context.Context, req mcpgo.GetPromptRequest) (*mcpgo.GetPromptResult, error) {
				args := map[string]string{}
				for k, v := range req.Params.Arguments {
					args[k] = strings.TrimSpace(v)
				}
				return mcpgo.NewGetPromptResult(p.description, []mcpgo.PromptMessage{
					mcpgo.NewPromptMessage(mcpgo.RoleUser, mcpgo.NewTextContent(p.render(args))),
				}), nil
			},
		})
	}
	return out
}

// or returns v, or def when v is empty.
func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

const missingTools = `If a tool named below is not in your tool list, this Tollgate version does not have it yet: say so and skip that step; do not imitate it with other tools.`

var billingSetup = prompt{
	name:        "billing_setup",
	title:       "Set up billing",
	description: "Model how the product charges (units, prices, credits) with the user and configure it in Tollgate, step by step, confirming each change.",
	args: []promptArg{
		{"product", "What the product sells and what costs you money, e.g. \"image generation; we pay per GPU second\" (optional)"},
	},
	render: func(a map[string]string) string {
		return fmt.Sprintf(`Set up billing in Tollgate for this product: %s.

Work through these steps in order. Do not skip the confirmations.

1. Read the current state. Call whoami and tell me the account and mode; if it is live mode, ask me whether to continue. Call list_assets and list_customers and summarise what already exists.
2. Understand the model. Ask me, one short question at a time, only what you cannot infer:
   - which actions cost money to serve (model calls, images, GPU time, storage) and what each costs us;
   - what customers buy: money (USD balance) or a unit of our own such as credits, and what 1 unit is worth;
   - how they pay: prepaid top-ups, a monthly plan with included credits, or both; any free credits at sign-up and when they expire.
3. Propose the configuration as tables and wait for my yes:
   - assets: code, name, precision (decimal places), rate to our currency;
   - products: code, event_type our app will report, price model (per_unit, per_volume for tokens, package, dimensional by model, tiered, cost_plus over a vendor's cost) and the price in the chosen asset;
   - credits: sign-up or included credits, amount, expiry (granted with create_adjustment kind gift).
   Check the margin of each price against the cost I gave you and point out any price below cost.
4. Configure, one confirmed table at a time: create_asset then add_asset_rate for each custom unit, and quote_asset to show me what $10 buys; create_vendor for each provider a cost_plus price marks up; create_product_price for each product (it publishes the first version with its prices).
5. Simulate. For each product run simulate_usage with a typical event, a large one and a zero-quantity one, and show me the fees in a table next to our cost.

Done when: you show me one final table with every asset (with its rate and a quote_asset result) and every product (code, version, price) plus the simulate_usage fees, and I confirm they are what I expect. Prices are never edited afterwards: a change is a new product version.

%s`, or(a["product"], "(ask me what it sells and what it costs us to serve)"), missingTools)
	},
}

var billingVerification = prompt{
	name:        "billing_verification",
	title:       "Verify billing end to end",
	description: "Prove the configuration with a throw-away test customer: fund it, run usage through it, and check every balance and fee against the expected numbers.",
	args: []promptArg{
		{"asset", "Asset to fund the test customer in, e.g. USD or credits (optional; default: the asset the products are priced in)"},
		{"amount", "Amount to fund it with, e.g. \"10.00\" (optional; default 10)"},
	},
	render: func(a map[string]string) string {
		return fmt.Sprintf(`Verify Tollgate's billing end to end with a test customer. Asset: %s. Funding amount: %s.

1. Call whoami. This must run in test mode: if it is live mode, stop and tell me to use a test key (tg_test_…).
2. Read the configuration: list_assets, list_products and get_product. Write down which product and price the test will exercise and compute, by hand, the fee one event should cost; check it with simulate_usage.
3. Create the test customer with create_customer, external_id "verify-" followed by today's date and time (e.g. verify-20261101-1430), so reruns never collide, with subscriptions naming the product.
4. Fund it: create_adjustment kind top_up (or gift for a custom unit without a payment), transaction_id "<external_id>-fund", the amount above. Then get_wallet: the available balance must equal the amount exactly.
5. Use it: authorize_usage for one typical event (idempotency_key "<external_id>-auth-1"); it must be approved. Then record_usage with event id "<external_id>-evt-1", the same data and the authorization_id, then get_event: the fees must equal your hand calculation and the settlement must show the hold captured.
6. Check the balance: get_wallet again. Available must equal funding minus the fees exactly, and held must be 0 once the authorization is captured. list_transactions shows one transaction per movement.
7. Check idempotency: repeat the funding create_adjustment with the same transaction_id and payload: it must say replayed: true and the balance must not change. Repeat it with the same transaction_id and a different amount: it must be refused with a conflict. Do the same with record_usage: the same event again is replayed with the original fees; the same id with other data is refused.
8. Check a decline: authorize_usage with an amount above the available balance (a new idempotency_key) must come back approved: false with the shortfall, and hold nothing.

Done when: you show me a table with one row per check (step, expected, actual, pass/fail) and every row passes. If a row fails, stop there and show me the tool result that differs.

%s`, or(a["asset"], "the asset the products are priced in"), or(a["amount"], "10"), missingTools)
	},
}

var billingIntegration = prompt{
	name:        "billing_integration",
	title:       "Wire billing into the app",
	description: "Change the app's backend so it creates customers at sign-up, authorizes before costly work, records usage after it, and shows balances.",
	args: []promptArg{
		{"stack", "The app's backend language and framework, e.g. \"Next.js API routes\" or \"FastAPI\" (optional; read the code to find it)"},
	},
	render: func(a map[string]string) string {
		return fmt.Sprintf(`Wire Tollgate into this app's backend (%s). Read the code first; propose the changes as a plan (files and functions) and wait for my yes before editing.

The app talks to Tollgate's REST API (the same operations as these MCP tools) with a server-side API key in the environment (TOLLGATE_API_KEY; a tg_test_ key until launch). Never put the key in browser code.

1. Sign-up: when a user is created, create the Tollgate customer with the app's user id as external_id (create_customer is idempotent on it, so calling it again on login is safe). Grant sign-up credits there if the plan has them, with a transaction_id derived from the user id.
2. Before each costly action (model call, image, job): authorize the estimated cost for the customer (authorize_usage). If it is declined, do not run the action: show the user the reason and the shortfall with a link to top up, and return early.
3. After the action: record the actual usage (record_usage) with an event id that is unique per action (the request id) and the authorization_id, so a retry never bills twice. If the action failed, void the authorization instead (void_authorization).
4. Show the balance: where the app shows account or usage info, read the customer's wallet (get_wallet) and display the available balance in the asset's units, as the exact string Tollgate returns (sub-cent amounts such as "0.0035" are real).
5. Tests: add a test that runs one billable request in test mode end to end.

Done when: in test mode, one real request through the app produces an event that get_event shows with its fee, get_wallet shows the balance lowered by exactly that fee, and a customer with too little balance gets the top-up message instead of the action. Show me those three results.

%s`, or(a["stack"], "find its stack from the code"), missingTools)
	},
}

var integrateBilling = prompt{
	name:        "integrate_billing",
	title:       "Meter the app's AI calls",
	description: "Add the SDK's metering helper (TypeScript, Python or Go) around each costly model call in the app's backend: hold before, record the tokens after, void on failure, 402 on decline.",
	args: []promptArg{
		{"language", "typescript, python or go (optional; read the code to find it)"},
		{"event_type", "The event type to report, e.g. llm.tokens (optional; default: the token product's, from list_products)"},
	},
	render: func(a map[string]string) string {
		lang := strings.ToLower(a["language"])
		guide := "the resource for the backend's language: " + IntegrateTypeScriptURI + ", " + IntegratePythonURI + " or " + IntegrateGoURI
		switch lang {
		case "typescript", "ts", "javascript", "js", "node":
			guide = "the resource " + IntegrateTypeScriptURI
		case "python", "py":
			guide = "the resource " + IntegratePythonURI
		case "go", "golang":
			guide = "the resource " + IntegrateGoURI
		}
		return fmt.Sprintf(`Add Tollgate's metering helper to this app's backend (%s), for the event type %s.

1. Read %s. Call whoami (test mode until launch) and list_products: find the product whose event_type the code will report and check it has one dimensional price per token field (field input_tokens, cached_input_tokens, cache_write_tokens, output_tokens; block_size 1000000; dimensions [model] with a "*" rate). If it is missing, propose it as a table and create it with create_product_price once I say yes, then simulate_usage.
2. Find every costly call in the code (OpenAI, Anthropic, AI SDK, other providers) and the request handler around it. Show me a plan: file, function, the estimate, and where the request's idempotency key (or request id) comes from. Wait for my yes before editing.
3. Install the SDK and wrap each call in meter: the hold before the provider call, the request's idempotency key as the meter's key (it becomes the event id), the usage reader for that provider (streams included), a 402 with decline_reason and shortfall on a decline, and no catch inside the metered function (the helper voids the hold and re-raises). The key stays on the server (TOLLGATE_API_KEY).
4. Add a test that runs one metered request in test mode against Tollgate.

Done when: in test mode one real request through the app shows an event with its fees (get_event), the customer's wallet lower by exactly those fees (get_wallet), and a customer without balance gets the 402 without the provider being called. Show me the three results.

%s`, or(a["language"], "find its language from the code"), or(a["event_type"], "of the token product (list_products)"), guide, missingTools)
	},
}

var paymentsSetup = prompt{
	name:        "payments_setup",
	title:       "Take payments: a test top-up, then Stripe",
	description: "Top up a customer's wallet by card in test mode with the built-in test provider, then connect Stripe on the server and set up auto top-up.",
	args:        []promptArg{{"customer", "The customer to top up, by external_id (optional; default: a new test customer)"}},
	render: func(a map[string]string) string {
		return fmt.Sprintf(`Set up payments in Tollgate for customer %s.

1. Call whoami: this runs in test mode first. If it is live mode, stop and ask me for a test key.
2. create_top_up of 20.00 USD for the customer (idempotency_key "<customer>-topup-1", success_url and cancel_url of my app; ask me for them). Show me the checkout_url and ask me to pay it with the test card 4242 4242 4242 4242 (4000 0000 0000 0002 is declined).
3. After I paid: get_top_up must say succeeded and get_wallet must show a paid lot of 20.00 USD. The card is now saved.
4. configure_auto_top_up: ask me the threshold and the amount (and a monthly cap), enabled true. Confirm them in a table first.
5. Live payments need Stripe: the operator runs, on the server, "tollgate payments connect --mode live" with the Stripe secret key and webhook signing secret in files or the environment. Never ask me to paste a secret into this chat, and never pass one to a tool.

Done when: the top-up succeeded, the wallet shows the paid lot, and auto top-up is configured as I confirmed.

%s`, or(a["customer"], "a new test customer (create_customer, external_id \"pay-test-\" + today's date)"), missingTools)
	},
}

var planSetup = prompt{
	name:        "plan_setup",
	title:       "Sell a plan with an included allowance",
	description: "A recurring fee with an allowance that renews each period and pay-as-you-go overage, e.g. $20 a month with 1,000 credits included, then $0.01 a credit.",
	args:        []promptArg{{"plan", "The plan in words, e.g. \"$20 a month, 1,000 credits included, then $0.01 per credit\""}},
	render: func(a map[string]string) string {
		return fmt.Sprintf(`Set up this plan in Tollgate: %s.

1. Read the resource tollgate://docs/plans and tollgate://docs/pricing-models, then call whoami and list_products.
2. Design one product: a recurring price (the fee, interval), an entitlement granting the allowance each interval (purpose bundled), and the usage price for overage. Show it to me as a table and wait for my yes.
3. create_product_price with those prices and entitlements; simulate_usage for one event to check the overage price.
4. Subscribe a test customer (subscribe_customer; fund the wallet first with create_adjustment, since the first fee is charged at once), record some usage, and read get_statement for this month: plan fee, allowance granted and used, usage, closing balance.

Done when: the statement reads right and you show it to me.

%s`, or(a["plan"], "a monthly plan with an included allowance and overage"), missingTools)
	},
}

var lowBalanceWebhooks = prompt{
	name:        "low_balance_webhooks",
	title:       "Hear about low balances",
	description: "Send signed webhooks to the app when a customer's balance crosses a threshold, runs out or recovers.",
	args:        []promptArg{{"url", "The app's webhook URL (https in live mode)"}},
	render: func(a map[string]string) string {
		return fmt.Sprintf(`Send Tollgate's webhooks to %s.

1. create_webhook_endpoint for that URL with the event types balance.threshold_crossed, balance.depleted, balance.recovered, top_up.failed and auto_top_up.disabled. The signing secret (whsec_…) is shown once: tell me to store it in my app's secrets now; do not repeat it later.
2. Ask me the thresholds per asset (e.g. 5.00 USD and 1.00 USD), then set_balance_thresholds on the customers' wallets I name.
3. send_test_webhook, then list_webhook_deliveries: the test delivery must be succeeded. If it failed, show me the attempt's status and response.
4. Show me how my app verifies a delivery (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).

Done when: the test delivery succeeded and the thresholds are set.

%s`, or(a["url"], "my app's webhook URL (ask me)"), missingTools)
	},
}
