package mcp

import (
	"context"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// The reference documents an agent reads on demand, so that tool
// descriptions and schemas need not carry them on every tools/list.
const (
	PricingModelsURI = "tollgate://docs/pricing-models"
	BurnOrderURI     = "tollgate://docs/burn-order"
	MoneyRulesURI    = "tollgate://docs/money-rules"
	PlansURI         = "tollgate://docs/plans"

	// The metering helper of each SDK, for an agent adding it to a codebase.
	IntegrateTypeScriptURI = "tollgate://docs/integrate/typescript"
	IntegratePythonURI     = "tollgate://docs/integrate/python"
	IntegrateGoURI         = "tollgate://docs/integrate/go"
)

type doc struct {
	uri, name, title, description, text string
}

var docs = []doc{
	{PricingModelsURI, "pricing-models", "Pricing models", "Which fields each price model takes (create_product_price, create_product_version, simulate_repricing).", pricingModels},
	{BurnOrderURI, "burn-order", "Burn order", "Which lot of a wallet a charge uses first, and what holds and credit limits do.", burnOrder},
	{MoneyRulesURI, "money-rules", "Money rules", "Amounts, precision, rounding and idempotency ids.", moneyRules},
	{PlansURI, "plans", "Plans", "Recurring prices, allowances, trials, renewal, proration and cancellation (create_product_price, subscribe_customer, change_subscription, cancel_subscription); test clocks to watch a plan renew.", plans},
	{IntegrateTypeScriptURI, "integrate-typescript", "Meter AI calls in TypeScript", "Add @tollgate/sdk's meter helper around the app's OpenAI, Anthropic or AI SDK calls: hold, event id, decline, void, streams, the token product.", IntegrationGuide + integrateTypeScript},
	{IntegratePythonURI, "integrate-python", "Meter AI calls in Python", "Add the tollgate package's meter context manager around the app's OpenAI or Anthropic calls: hold, event id, decline, void, streams, the token product.", IntegrationGuide + integratePython},
	{IntegrateGoURI, "integrate-go", "Meter AI calls in Go", "Add the Go client's Meter around the app's model calls: hold, event id, decline, void, streams, the token product.", IntegrationGuide + integrateGo},
}

// resources returns the reference documents as MCP resources.
func resources() []mcpserver.ServerResource {
	var out []mcpserver.ServerResource
	for _, d := range docs {
		out = append(out, mcpserver.ServerResource{
			Resource: mcpgo.NewResource(d.uri, d.name, mcpgo.WithResourceDescription(d.description), mcpgo.WithMIMEType("text/markdown")),
			Handler: func(context.Context, mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: d.uri, MIMEType: "text/markdown", Text: d.text}}, nil
			},
		})
	}
	return out
}

const pricingModels = `# Pricing models

A product version holds 1 to 50 prices; every usage event of the product's event_type is charged by every price of the customer's version. Each price has a model, an asset (the currency or custom unit it charges in) and an optional name shown in fee breakdowns. Fees are exact: they may have more decimal places than the asset and are never rounded to it.

| model | fields | charge per event |
|---|---|---|
| per_unit | unit_amount | unit_amount |
| per_volume | field, block_size, block_amount | data[field] / block_size × block_amount, prorated (1000000 and 1.25 = 1.25 per million tokens) |
| package | field, block_size, block_amount | block_amount per started block of block_size units |
| dimensional | dimensions, rates; optional field and block_size | the most specific rate whose values match the event's data[dimension] ("*" matches any value); with field, × data[field] / block_size |
| tiered | tier_mode, tiers; optional field | tiers ascending by up_to over the customer's usage in the calendar month (UTC), the last tier without up_to. graduated: each unit at the tier it falls in; volume: all of the event's units at the tier the month's total reaches. Without field an event counts 1 |
| cost_plus | markup_percent and/or markup_fixed; optional vendor | the cost the event reports (costs in record_usage, of that vendor or all) × (1 + markup_percent/100) + markup_fixed |
| recurring | interval (day, week, month, year), amount | nothing per event: a plan fee, charged from the wallet in advance each interval (tollgate://docs/plans) |

Every price field is optional in the schema, but a model requires its own: unit_amount for per_unit; field, block_size (above 0; 1000000 prices per million) and block_amount for per_volume and package; dimensions and rates (values per dimension, "*" for any, and amount) for dimensional; tier_mode and tiers (up_to, unit_amount, flat_amount charged once when usage enters a graduated tier) for tiered; markup_percent (20 for cost × 1.2) or markup_fixed, and optionally vendor (create_vendor; omitted: all the event's costs), for cost_plus; interval and amount (above 0) for recurring. Fields of another model are refused. Published prices are never edited: publish a new version (create_product_version, the whole price list) and move customers with subscribe_customer. Check the fees with simulate_usage after every change.
`

const burnOrder = `# Burn order

A wallet holds, per asset, lots: value with a purpose (paid: top-ups; promotion: gifts; bundled: from a plan), an optional expiry and a priority. A charge takes from the open, unexpired lots in this order:

1. lowest priority first;
2. then the soonest expiry (lots that never expire last);
3. then promotion, then bundled, then paid;
4. then the oldest.

Expired lots are closed and never charged. Available = total - held. An authorization (authorize_usage) holds an amount against available balance and never draws on the credit limit; record_usage with its authorization_id captures the hold and releases the rest. A charge may take the balance below zero only as far as the wallet's credit limit in that asset (set_credit_limit); beyond it the charge is refused with insufficient funds. A refund or correction credits a new lot.
`

const moneyRules = `# Money rules

- Amounts are exact decimals written as strings: "12.50", "0.000125". A JSON number is read exactly too, but never compute or round amounts yourself: quote_asset converts between an asset and a currency, simulate_usage prices an event.
- Each asset has a precision (decimal places; USD 2). Balances are shown at that precision; fees and rates are kept exact.
- Every money movement takes an id you choose: transaction_id (create_adjustment), idempotency_key (authorize_usage, create_top_up, refund_top_up), the event id (record_usage). Make it meaningful and unique; reuse it only to retry the same call. A replay returns the first result and moves nothing again; the same id with a different payload is refused.
- Adjustment kinds: gift (free credit, a promotion lot), top_up (money the customer paid you, a paid lot), charge (a debit), refund (returns the value of paid lots: a debit), correction (a signed fix). A top_up in a currency and a refund move money: whole units of the asset's precision. A top_up records paid_amount and paid_currency (the revenue the units stand for; required for a custom asset, default the amount for a currency); a refund takes lot_id (default the paid lots, newest first); expires_at and priority (lower is spent first) apply to credits; a positive correction creates a promotion lot unless purpose says otherwise.
- Test and live data are separate: whoami says which mode this connection writes to. Confirm every change with the user first, and say so when in live mode.
`

const plans = `# Plans

A plan is a product version with a recurring price (the fee: interval and amount), usually usage prices beside it, and a recurring entitlement as its allowance. "$20 a month, 1,000 credits included, then $0.01 per credit" is: a recurring price of 20.00 USD per month, a per_unit price of 0.01 USD, and an entitlement {kind: recurring, asset: USD, amount: 10.00, interval: month}.

- Entitlements: kind recurring (granted every interval) or one_off (granted once); purpose bundled (the default) or promotion; lifetime_days 0 means a one_off never expires and a recurring grant lasts its interval. A recurring grant is a bundled lot that expires at the period's end and is used before paid value (tollgate://docs/burn-order).
- subscribe_customer charges the first period's fee at once from the wallet (default the default wallet), in advance, and grants the allowance; the plan then renews each period on its own. A wallet that cannot pay fails with insufficient_funds and nothing changes. trial_days (0-730) starts with a free trial instead: allowance included, first fee at its end. Subscribing to the version the customer is already on changes nothing (existed: true); another version replaces it from now on. A customer whose first event has an event_type only one product has is subscribed automatically.
- A renewal that cannot be paid makes the plan past_due until its grace period ends, then suspended: authorize_usage declines with subscription_suspended, and a top-up pays the fee and resumes the plan.
- change_subscription moves a plan to another version of the same product with the same interval and fee asset. at_period_end: the next renewal charges the new fee and grants the new allowance. Otherwise now, prorated by the time left: the unused part of the old fee is credited, the same part of the new fee charged (only the difference moves), the old allowance's unused value expires and the new allowance's share is granted; the renewal date stays, and a new subscription id starts. Passing the version in force changes nothing and cancels a scheduled change. A past_due or suspended plan must be paid first.
- cancel_subscription at_period_end: the plan runs to the end of the paid period and is not renewed. Otherwise it ends now, with no refund (the period was paid in advance; its allowance stays until the period's end). A refund is a separate create_adjustment.
- get_statement reads a UTC calendar month of one wallet and asset from the ledger: opening balance, movements by kind (top-ups, gifts, plan fees, allowance granted, prorations, usage, charges, refunds, corrections, expiries), allowance used, usage by product, closing balance; opening plus the lines equals the closing exactly. The REST API serves it as a printable page too.
- Test clocks (test mode) let the user watch a plan renew: create_test_clock, then create_customer with test_clock (that customer's events, holds, lots and plans run on the clock's time), subscribe, and advance_test_clock to a later frozen_time (at most two intervals of the longest plan). It runs what falls due on the way, in time order: renewals and their allowance, expiries, past_due then suspended. get_test_clock until its status is ready, then read get_subscription, get_wallet and get_statement.
`

// IntegrationGuide is how to meter a costly call in any language: what the
// integrate resources start with, and what `tollgate connect` writes into a
// project's agent rules.
const IntegrationGuide = `# Metering AI calls with Tollgate

Wrap each costly call (model answer, image, transcription) in the SDK's meter helper, on the server only, with TOLLGATE_API_KEY (and TOLLGATE_URL) from the environment. It is authorize → run → record, and void on failure. Rules:

1. **Hold before the work.** Meter where the request handler is about to call the provider, never after: the helper authorizes an estimate (the most the call may use, such as {model, input_tokens: 4000, output_tokens: 1000}) before the provider is called.
2. **The event id is the request's idempotency key.** Pass the incoming request's idempotency key (or request id) as the meter's idempotency key: it names the hold and becomes the usage event's id, so a retried request holds and charges once. Never a new random id per attempt, never a timestamp.
3. **Decline.** A declined hold raises DeclinedError before the provider is called: answer the end user 402 with decline_reason, shortfall and asset (and a top-up link); do not call the provider.
4. **Void on failure.** When the work throws, the helper voids the hold (nothing is charged) and re-raises; do not catch the error inside the metered function to record anyway.
5. **Streams.** Record when the stream ends, from its usage: OpenAI needs stream_options.include_usage (the helpers ask for it), Anthropic sends message_start and message_delta. Keep reading the stream inside the meter.
6. **Token data.** The usage readers record model and provider (dimensions) and input_tokens, cached_input_tokens (cache reads, not part of input_tokens), cache_write_tokens, output_tokens, reasoning_tokens (part of output_tokens: never price it again) and total_tokens.
7. **Product.** One product for the event type the code reports, with one dimensional price per token field: field <token field>, block_size "1000000" (price per million), dimensions ["model"], a rate per model and a "*" rate for any other model. Create it with create_product_price after the user confirms the prices; check with simulate_usage.
8. **No code: the gateway.** An app that calls OpenAI or Anthropic through their SDKs can skip the helper: set the SDK's base URL to <Tollgate URL>/gateway/openai/v1 (or /gateway/anthropic) and its API key to the Tollgate key, and name the paying customer in the Tollgate-Customer header, or give the customer's own app a customer key (create_customer_key) instead. Each call is held, streamed through, recorded and settled under the gateway's event type: get_gateway shows it and the base URLs, configure_gateway sets it; price it with the product of rule 7. Use the helper for other providers and other costly work.

Test in test mode (tg_test_ key): one request must show an event with fees (get_event), the wallet lower by exactly those fees (get_wallet), and a customer without balance must get the 402.
`

const integrateTypeScript = `
## TypeScript: @tollgate/sdk

` + "```" + `js
import { Tollgate, DeclinedError, meteredOpenAI } from "@tollgate/sdk";
const tollgate = new Tollgate(); // TOLLGATE_URL, TOLLGATE_API_KEY

try {
  const answer = await tollgate.meter(
    { customer: user.id, eventType: "llm.tokens", idempotencyKey: req.headers["idempotency-key"] ?? requestId,
      estimate: { model: "gpt-4o-mini", input_tokens: 4000, output_tokens: 1000 } },
    (hold) => meteredOpenAI(openai, hold).chat.completions.create({ model: "gpt-4o-mini", messages }));
  res.json(answer);
} catch (err) {
  if (err instanceof DeclinedError) return res.status(402).json({ reason: err.authorization.decline_reason, shortfall: err.authorization.shortfall });
  throw err;
}
` + "```" + `

meteredOpenAI (chat.completions, responses), meteredAnthropic (messages) and the AI SDK middleware read the usage, streamed too (the event is recorded when the stream ends). Other work reports its own usage with hold.add({...}).
`

const integratePython = `
## Python: the tollgate package (standard library only)

` + "```" + `python
import tollgate
tg = tollgate.Tollgate()  # TOLLGATE_URL, TOLLGATE_API_KEY

def chat(user_id, request_id, prompt):
    try:
        with tg.meter(user_id, "llm.tokens", estimate=tollgate.token_usage("gpt-4o-mini", 4000, 1000),
                      idempotency_key=request_id) as m:
            answer = m.openai(llm.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]))
    except tollgate.DeclinedError as e:
        return 402, {"error": e.decline_reason, "shortfall": str(e.shortfall), "asset": e.asset}
    return 200, {"reply": answer.choices[0].message.content}
` + "```" + `

m.openai / m.anthropic read a response; m.openai_stream / m.anthropic_stream wrap a stream (read it inside the with block). asyncio: tollgate.AsyncTollgate and async with. tollgate.token_prices builds the per-token prices.
`

const integrateGo = `
## Go: github.com/tollgatehq/tollgate/client (standard library only)

` + "```" + `go
tg := client.New(client.Options{}) // TOLLGATE_URL, TOLLGATE_API_KEY

ev, err := tg.Meter(ctx, client.MeterInput{Customer: userID, EventType: "llm.tokens", IdempotencyKey: requestID,
	Estimate: map[string]any{"model": "gpt-4o-mini", "input_tokens": 4000, "output_tokens": 1000}},
	func(ctx context.Context, h *client.Hold) (client.Usage, error) {
		body, err := callOpenAI(ctx, prompt) // the provider's response JSON
		if err != nil {
			return client.Usage{}, err // the hold is voided
		}
		reply = parseReply(body)
		return client.OpenAIUsage(body, "gpt-4o-mini")
	})
var declined *client.DeclinedError
if errors.As(err, &declined) {
	a := declined.Authorization // 402 with a.DeclineReason, a.Shortfall, a.Asset
}
` + "```" + `

client.OpenAIUsage reads a chat completion, a Responses response or a stream's last chunk (ask stream_options.include_usage); client.AnthropicUsage(model, events...) a message or a stream's message_start and message_delta events; with openai-go or anthropic-sdk-go pass the value's RawJSON(). A panic in the work voids the hold too; a failed record returns *client.RecordError whose Hold.Record retries and charges once.
`
