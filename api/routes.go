package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/wire"
)

// handlerFunc is an endpoint: it writes a success response or returns an
// error for fail to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// route is one endpoint and its documentation; the router and the OpenAPI
// document are both built from the table, and a test holds the committed
// document to it.
type route struct {
	pattern string // ServeMux pattern: "METHOD /path/{param}"
	handle  handlerFunc
	public  bool // no API key needed
	// query marks a POST that changes nothing (a simulation, a report): a
	// read_only key may call it. Every other POST is a write, refused to
	// read_only keys with 403.
	query     bool
	bodyLimit int64 // 0: Options.BodyLimit
	doc       doc
}

// doc describes a route for the OpenAPI document.
type doc struct {
	id, tag, summary, text string
	in                     reflect.Type // request body, nil for none
	optionalBody           bool         // the body may be omitted
	out                    reflect.Type // response body (the item type when list is set)
	html                   bool         // the response is an HTML page, not JSON (errors stay JSON)
	list                   bool         // the response is a list envelope of out
	created                bool         // 201 for a new resource, 200 for an existing one or a replay
	ok                     string       // with created: what a 200 means, when not an existing resource or a replay
	query                  []param
	errors                 []int // statuses besides 400, 401, 413, 429 and 500
}

// param is a documented query parameter.
type param struct {
	name, typ, desc string // typ: string, integer, boolean, date-time or decimal
}

func typ[T any]() reflect.Type { return reflect.TypeFor[T]() }

var (
	pLimit  = param{"limit", "integer", "Items per page, 1-100; default 20"}
	pAfter  = param{"starting_after", "string", "The next_cursor of the previous page"}
	pCursor = param{"cursor", "string", "Same as starting_after"}
)

func page(ps ...param) []param { return append(ps, pLimit, pAfter, pCursor) }

// table lists every route of the API.
func (s *server) table() []route {
	const (
		nf   = http.StatusNotFound
		cf   = http.StatusConflict
		inv  = http.StatusUnprocessableEntity
		paid = http.StatusPaymentRequired
		unav = http.StatusServiceUnavailable
	)
	return []route{
		{pattern: "GET /v1/openapi.json", handle: s.openAPI, public: true, doc: doc{id: "getOpenAPI", tag: "Meta",
			summary: "This OpenAPI document", text: "Needs no API key."}},

		{pattern: "GET /v1/assets", handle: s.listAssets, doc: doc{id: "listAssets", tag: "Assets",
			summary: "List assets", text: "Currencies first, then custom assets with their exchange rates. Not paginated (has_more is always false).",
			out: typ[wire.AssetWithRates](), list: true}},
		{pattern: "POST /v1/assets", handle: s.createAsset, doc: doc{id: "createAsset", tag: "Assets",
			summary: "Create a custom asset", text: "201 when created; 200 with the existing asset when an identical one exists; 409 when the code exists with other settings.",
			in: typ[wire.CreateAssetRequest](), out: typ[wire.Asset](), created: true, errors: []int{cf, inv}}},
		{pattern: "GET /v1/assets/{code}", handle: s.getAsset, doc: doc{id: "getAsset", tag: "Assets",
			summary: "Get an asset with its rates", out: typ[wire.AssetWithRates](), errors: []int{nf}}},
		{pattern: "GET /v1/assets/{code}/rates", handle: s.listAssetRates, doc: doc{id: "listAssetRates", tag: "Assets",
			summary: "List an asset's exchange rates", text: "Newest first. Not paginated.", out: typ[wire.AssetRate](), list: true, errors: []int{nf}}},
		{pattern: "POST /v1/assets/{code}/rates", handle: s.addAssetRate, doc: doc{id: "addAssetRate", tag: "Assets",
			summary: "Add a dated exchange rate", text: "Rates are never edited: a rate with a later effective_at takes over from then on.",
			in: typ[wire.AddAssetRateRequest](), out: typ[wire.AssetRate](), created: true, errors: []int{nf, cf, inv}}},
		{pattern: "GET /v1/assets/{code}/quote", handle: s.quote, doc: doc{id: "quoteAsset", tag: "Assets",
			summary: "Convert between an asset and a currency", text: "Give exactly one of asset_amount and currency_amount.",
			out: typ[wire.Quote](), errors: []int{nf, inv}, query: []param{
				{"currency", "string", "ISO currency; default the currency of the asset's latest rate"},
				{"asset_amount", "decimal", "What do this many units cost?"},
				{"currency_amount", "decimal", "What does this much money buy?"},
				{"at", "date-time", "Use the rate in force at this time; default now"},
			}}},

		{pattern: "GET /v1/products", handle: s.listProducts, doc: doc{id: "listProducts", tag: "Products",
			summary: "List products", text: "Newest first, without their versions.", out: typ[wire.Product](), list: true, errors: []int{inv},
			query: page(param{"include_archived", "boolean", "Include archived products"})}},
		{pattern: "POST /v1/products", handle: s.createProduct, doc: doc{id: "createProduct", tag: "Products",
			summary: "Create a product with its first version", text: "201 when created; 200 with the existing product when the same code has the same definition; 409 when it has another.",
			in: typ[wire.CreateProductRequest](), out: typ[wire.Product](), created: true, errors: []int{nf, cf, inv}}},
		{pattern: "GET /v1/products/{id}", handle: s.getProduct, doc: doc{id: "getProduct", tag: "Products",
			summary: "Get a product by id or code, with its versions", out: typ[wire.Product](), errors: []int{nf}}},
		{pattern: "POST /v1/products/{id}/versions", handle: s.createVersion, doc: doc{id: "createProductVersion", tag: "Products",
			summary: "Publish a new version", text: "Versions are immutable; the new one becomes the default for new subscriptions unless keep_default is set.",
			in: typ[wire.CreateVersionRequest](), out: typ[wire.ProductVersion](), created: true, errors: []int{nf, cf, inv}}},
		{pattern: "POST /v1/products/{id}/archive", handle: s.archiveProduct, doc: doc{id: "archiveProduct", tag: "Products",
			summary: "Archive a product", text: "It takes no new subscriptions; existing ones keep working. Archiving again is a no-op. The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.Product](), errors: []int{nf}}},
		{pattern: "POST /v1/products/{id}/simulate", handle: s.simulate, query: true, doc: doc{id: "simulateUsage", tag: "Products",
			summary: "Price a hypothetical event", text: "Nothing is recorded and no wallet is touched.",
			in: typ[wire.SimulateRequest](), out: typ[wire.Simulation](), errors: []int{nf, inv}}},

		{pattern: "GET /v1/vendors", handle: s.listVendors, doc: doc{id: "listVendors", tag: "Vendors",
			summary: "List vendors", text: "By code. Not paginated.", out: typ[wire.Vendor](), list: true}},
		{pattern: "POST /v1/vendors", handle: s.createVendor, doc: doc{id: "createVendor", tag: "Vendors",
			summary: "Register a cost provider", text: "201 when created; 200 with the existing vendor for a known code.",
			in: typ[wire.CreateVendorRequest](), out: typ[wire.Vendor](), created: true, errors: []int{inv}}},

		{pattern: "GET /v1/customers", handle: s.listCustomers, doc: doc{id: "listCustomers", tag: "Customers",
			summary: "List customers", text: "Newest first.", out: typ[wire.Customer](), list: true, errors: []int{inv},
			query: page(param{"email", "string", "Only customers with this email address"},
				param{"created_after", "date-time", "Only customers created at or after this time"},
				param{"created_before", "date-time", "Only customers created before this time"})}},
		{pattern: "POST /v1/customers", handle: s.createCustomer, doc: doc{id: "createCustomer", tag: "Customers",
			summary: "Create a customer with its default wallet", text: "Idempotent on external_id: 201 when created, 200 with the existing customer (unchanged) when the external_id exists.",
			in: typ[wire.CreateCustomerRequest](), out: typ[wire.Customer](), created: true, errors: []int{inv}}},
		{pattern: "GET /v1/customers/{id}", handle: s.getCustomer, doc: doc{id: "getCustomer", tag: "Customers",
			summary: "Get a customer by id or external_id, with its subscriptions", text: "Each subscription with its status and next renewal, those in force first.",
			out: typ[wire.CustomerDetail](), errors: []int{nf}}},
		{pattern: "POST /v1/customers/{id}", handle: s.updateCustomer, doc: doc{id: "updateCustomer", tag: "Customers",
			summary: "Update a customer", text: "Changes the fields present; metadata is replaced as a whole.",
			in: typ[wire.UpdateCustomerRequest](), out: typ[wire.Customer](), errors: []int{nf, inv}}},
		{pattern: "GET /v1/customers/{id}/subscriptions", handle: s.listSubscriptions, doc: doc{id: "listSubscriptions", tag: "Customers",
			summary: "List a customer's subscriptions", text: "Those in force first. Not paginated.", out: typ[wire.Subscription](), list: true, errors: []int{nf}}},
		{pattern: "POST /v1/customers/{id}/subscriptions", handle: s.subscribe, doc: doc{id: "subscribe", tag: "Customers",
			summary: "Subscribe a customer to a product version", text: "Subscribing again to the same version returns the subscription in force; another version ends it now and starts the new one. For a plan (a version with a recurring price) the first period's fee is charged at once from the wallet (default the default wallet) and the allowance granted, or trial_days starts a free trial; a wallet that cannot pay the first fee is 402 and nothing changes.",
			in: typ[wire.SubscribeRequest](), out: typ[wire.Subscription](), errors: []int{paid, nf, inv}}},
		{pattern: "GET /v1/subscriptions/{id}", handle: s.getSubscription, doc: doc{id: "getSubscription", tag: "Plans",
			summary: "Get a subscription with its billing periods", text: "Its status (trialing, active, past_due, suspended, canceled), current period, next renewal, grace end, and for a plan every period with its fee.",
			out: typ[wire.SubscriptionDetail](), errors: []int{nf}}},
		{pattern: "POST /v1/subscriptions/{id}/change", handle: s.changeSubscription, doc: doc{id: "changeSubscription", tag: "Plans",
			summary: "Upgrade or downgrade a plan, now (prorated) or at period end", text: "Now: the unused part of the old fee is credited and the same part of the new fee charged (only the difference moves; 402 when the wallet cannot pay it), the old allowance's unused value expires and the new allowance's share is granted; the renewal date stays and the answer is a new subscription (the old one ends). at_period_end: the next renewal charges the new fee. The version in force cancels a scheduled change. 422 for a past_due or suspended plan (a top-up pays it first), an ended or usage-only subscription, or a version with another interval or asset.",
			in: typ[wire.ChangeSubscriptionRequest](), out: typ[wire.Subscription](), errors: []int{paid, nf, inv}}},
		{pattern: "POST /v1/subscriptions/{id}/cancel", handle: s.cancelSubscription, doc: doc{id: "cancelSubscription", tag: "Plans",
			summary: "Cancel a plan now or at period end", text: "Now: it ends with no refund (the period was paid in advance; its allowance stays until the period's end). at_period_end: it is not renewed. 422 for an ended or usage-only subscription. The body may be omitted (cancel now).",
			in: typ[wire.CancelSubscriptionRequest](), optionalBody: true, out: typ[wire.Subscription](), errors: []int{nf, inv}}},
		{pattern: "GET /v1/customers/{id}/statements", handle: s.getStatement, doc: doc{id: "getStatement", tag: "Plans",
			summary: "A customer's monthly statement", text: "For one wallet, asset and UTC calendar month, from the ledger: opening balance, the month's movements by kind, allowance used, usage by product, closing balance; opening plus the lines equals the closing exactly.",
			out: typ[wire.Statement](), errors: []int{nf, inv}, query: statementParams}},
		{pattern: "POST /v1/test_clocks", handle: s.createTestClock, doc: doc{id: "createTestClock", tag: "Test clocks",
			summary: "Create a test clock (test mode)", text: "A frozen time: customers created with test_clock live on it. Idempotent under idempotency_key (or the Idempotency-Key header): 201 when created, 200 with the same clock on a retry, 409 for the key with another payload.",
			in: typ[wire.CreateTestClockRequest](), out: typ[wire.TestClock](), created: true, errors: []int{cf, inv}}},
		{pattern: "GET /v1/test_clocks", handle: s.listTestClocks, doc: doc{id: "listTestClocks", tag: "Test clocks",
			summary: "List test clocks", text: "Newest first.", out: typ[wire.TestClock](), list: true, errors: []int{inv}, query: page()}},
		{pattern: "GET /v1/test_clocks/{id}", handle: s.getTestClock, doc: doc{id: "getTestClock", tag: "Test clocks",
			summary: "Get a test clock", text: "Its frozen time, and its status: advancing while the work that fell due runs, then ready.",
			out: typ[wire.TestClock](), errors: []int{nf}}},
		{pattern: "POST /v1/test_clocks/{id}/advance", handle: s.advanceTestClock, doc: doc{id: "advanceTestClock", tag: "Test clocks",
			summary: "Advance a test clock", text: "Moves the clock forward (at most two intervals of its customers' longest plan; two years without plans) and runs, in time order and once, what falls due for its customers: renewals with allowances, lot expiries, past_due → suspended. Answers at once with status advancing; read the clock until it is ready. Asking again for the same time changes nothing; 409 while it advances elsewhere.",
			in: typ[wire.AdvanceTestClockRequest](), out: typ[wire.TestClock](), errors: []int{nf, cf, inv}}},
		{pattern: "GET /v1/customers/{id}/statements.html", handle: s.getStatementHTML, doc: doc{id: "getStatementPage", tag: "Plans",
			summary: "The same statement as a printable HTML page", text: "The statement of GET /v1/customers/{id}/statements as a page for people (amounts rounded for reading where needed, marked ≈; print styles for A4). Needs the API key like every route, so an app fetches it and shows or prints it; errors answer in JSON.",
			html: true, errors: []int{nf, inv}, query: statementParams}},
		{pattern: "POST /v1/customers/{id}/keys", handle: s.createCustomerKey, doc: doc{id: "createCustomerKey", tag: "Customer keys",
			summary: "Create a customer key for the metering gateway", text: "A key (tg_cust_…) scoped to this customer, accepted only on /gateway/… (the REST API and MCP answer it 403), with its own rate limit and an optional spend cap per UTC day. The secret is in this answer only. The body may be omitted. Idempotent under idempotency_key (or the Idempotency-Key header): 201 when created, 200 with the same key and replayed true but no secret on a retry, 409 for the key with another payload.",
			in: typ[wire.CreateCustomerKeyRequest](), optionalBody: true, out: typ[wire.CreatedCustomerKey](), created: true, errors: []int{nf, inv, cf}}},
		{pattern: "GET /v1/customers/{id}/keys", handle: s.listCustomerKeys, doc: doc{id: "listCustomerKeys", tag: "Customer keys",
			summary: "List a customer's keys", text: "Revoked ones included, oldest first, without their secrets. Not paginated.", out: typ[wire.CustomerKey](), list: true, errors: []int{nf}}},
		{pattern: "POST /v1/customer_keys/{id}/revoke", handle: s.revokeCustomerKey, doc: doc{id: "revokeCustomerKey", tag: "Customer keys",
			summary: "Revoke a customer key", text: "Every running server refuses it within a second. Revoking again keeps the first time. The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.CustomerKey](), errors: []int{nf}}},
		{pattern: "GET /v1/oauth/grants", handle: s.listOAuthGrants, doc: doc{id: "listOAuthGrants", tag: "OAuth grants",
			summary: "List the OAuth grants of MCP clients", text: "What people approved for MCP clients that signed in to /mcp with OAuth, on the key's account and mode; newest first, only those in force unless include_ended.",
			out: typ[wire.OAuthGrant](), list: true, errors: []int{nf, inv}, query: page(param{"include_ended", "boolean", "Include revoked and expired grants"})}},
		{pattern: "POST /v1/oauth/grants/{id}/revoke", handle: s.revokeOAuthGrant, doc: doc{id: "revokeOAuthGrant", tag: "OAuth grants",
			summary: "Revoke an OAuth grant", text: "Its access and refresh tokens stop working at once on every server. Revoking a revoked grant returns it unchanged. The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.OAuthGrant](), errors: []int{nf}}},

		{pattern: "GET /v1/customers/{id}/wallets", handle: s.listWallets, doc: doc{id: "listWallets", tag: "Wallets",
			summary: "List a customer's wallets with balances", text: "The default wallet first. Not paginated.", out: typ[wire.Wallet](), list: true, errors: []int{nf}}},
		{pattern: "POST /v1/customers/{id}/wallets", handle: s.createWallet, doc: doc{id: "createWallet", tag: "Wallets",
			summary: "Create a further named wallet", text: "201 when created; 200 with the existing wallet of that name.",
			in: typ[wire.CreateWalletRequest](), out: typ[wire.Wallet](), created: true, errors: []int{nf, inv}}},
		{pattern: "GET /v1/customers/{id}/wallets/{wallet}", handle: s.getWallet, doc: doc{id: "getWallet", tag: "Wallets",
			summary: "Get a wallet's balances and lots", text: "wallet is a wallet id or name (default for the default wallet).",
			out: typ[wire.Wallet](), errors: []int{nf, inv}}},
		{pattern: "GET /v1/customers/{id}/wallets/{wallet}/transactions", handle: s.listTransactions, doc: doc{id: "listTransactions", tag: "Wallets",
			summary: "List a wallet's ledger transactions", text: "Newest first.", out: typ[wire.Transaction](), list: true, errors: []int{nf, inv},
			query: page(param{"kind", "string", "Only this kind: gift, top_up, charge, refund, correction, usage, expiry…"},
				param{"created_after", "date-time", "Only transactions at or after this time"},
				param{"created_before", "date-time", "Only transactions before this time"})}},
		{pattern: "POST /v1/customers/{id}/wallets/{wallet}/credit_limit", handle: s.setCreditLimit, doc: doc{id: "setCreditLimit", tag: "Wallets",
			summary: "Set a wallet's credit limit in an asset", text: "How far below zero charges may take the balance; authorizations never draw on it.",
			in: typ[wire.SetCreditLimitRequest](), out: typ[wire.Balance](), errors: []int{nf, inv}}},

		{pattern: "POST /v1/adjustments", handle: s.createAdjustment, doc: doc{id: "createAdjustment", tag: "Adjustments",
			summary: "Credit or debit a wallet by hand", text: "gift, top_up, charge, refund or correction. Idempotent on transaction_id (default: the Idempotency-Key header): 201 when applied, 200 for a replay. A charge beyond the available balance plus credit limit is 402.",
			in: typ[wire.CreateAdjustmentRequest](), out: typ[wire.Adjustment](), created: true, errors: []int{paid, nf, cf, inv}}},

		{pattern: "POST /v1/authorizations", handle: s.authorize, doc: doc{id: "createAuthorization", tag: "Authorizations",
			summary: "Authorize: hold the cost of what is about to happen", text: "201 with approved true when the amount is held. A decline is a decision, not an error: 200 with approved false, decline_reason, required, available and shortfall (the fields authorize_usage answers over MCP). A replay of idempotency_key (default: the Idempotency-Key header) is 200. ttl_seconds 0 or absent holds for 900 s; below 0 or above 86400 is 422.",
			in: typ[wire.AuthorizeRequest](), out: typ[wire.Authorization](), created: true, ok: "A decline (approved false), or a replay of idempotency_key: nothing held", errors: []int{nf, cf, inv}}},
		{pattern: "GET /v1/authorizations/{id}", handle: s.getAuthorization, doc: doc{id: "getAuthorization", tag: "Authorizations",
			summary: "Get an authorization", out: typ[wire.Authorization](), errors: []int{nf}}},
		{pattern: "POST /v1/authorizations/{id}/void", handle: s.voidAuthorization, doc: doc{id: "voidAuthorization", tag: "Authorizations",
			summary: "Release a hold", text: "Voiding a voided or expired hold is a no-op; a captured one is 409; a declined one 422. The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.Authorization](), errors: []int{nf, cf, inv}}},

		{pattern: "POST /v1/top_ups", handle: s.createTopUp, doc: doc{id: "createTopUp", tag: "Top-ups",
			summary: "Start a top-up: the customer pays at checkout_url", text: "Opens the payment provider's checkout (Stripe Checkout, or in test mode without a Stripe connection the built-in test provider's page) for amount in currency, crediting credit of asset as a paid lot once the provider confirms the payment. Idempotent on idempotency_key (default: the Idempotency-Key header): 201 when started, 200 with the same top-up and checkout for a replay. 422 for an amount below the provider's minimum or a currency without a rate; 404 when the account takes no payments in this mode; 503 when the provider cannot be reached (retry with the same key).",
			in: typ[wire.CreateTopUpRequest](), out: typ[wire.TopUp](), created: true, errors: []int{nf, cf, inv, unav}}},
		{pattern: "GET /v1/top_ups/{id}", handle: s.getTopUp, doc: doc{id: "getTopUp", tag: "Top-ups",
			summary: "Get a top-up and its status", out: typ[wire.TopUp](), errors: []int{nf}}},
		{pattern: "POST /v1/top_ups/{id}/refund", handle: s.refundTopUp, doc: doc{id: "refundTopUp", tag: "Top-ups",
			summary: "Refund all or part of a succeeded top-up", text: "Through the payment provider, never more than was paid less earlier refunds nor more than the credit its lot still holds (credit spent is not refunded); the lot is debited in the ledger once per idempotency_key (default: the Idempotency-Key header). The body may be omitted only when the Idempotency-Key header is sent.",
			in: typ[wire.RefundTopUpRequest](), optionalBody: true, out: typ[wire.TopUp](), errors: []int{nf, cf, inv, unav}}},
		{pattern: "GET /v1/customers/{id}/top_ups", handle: s.listTopUps, doc: doc{id: "listTopUps", tag: "Top-ups",
			summary: "List a customer's top-ups", text: "Newest first, at most limit. Not paginated (has_more is always false).", out: typ[wire.TopUp](), list: true, errors: []int{nf},
			query: []param{pLimit}}},
		{pattern: "GET /v1/customers/{id}/wallets/{wallet}/auto_top_up", handle: s.getAutoTopUp, doc: doc{id: "getAutoTopUp", tag: "Top-ups",
			summary: "Get a wallet's auto top-up in an asset", out: typ[wire.AutoTopUp](), errors: []int{nf},
			query: []param{{"asset", "string", "Asset code of the balance (required)"}}}},
		{pattern: "POST /v1/customers/{id}/wallets/{wallet}/auto_top_up", handle: s.configureAutoTopUp, doc: doc{id: "configureAutoTopUp", tag: "Top-ups",
			summary: "Set or turn off a wallet's auto top-up in an asset", text: "When a debit, hold or charge takes the available balance below threshold, amount is charged to the card the customer saved by paying a top-up, once per crossing. Turning it on needs that saved card (422 otherwise) and clears earlier failures; after 3 declines in a row it turns itself off with disabled_reason.",
			in: typ[wire.ConfigureAutoTopUpRequest](), out: typ[wire.AutoTopUp](), errors: []int{nf, inv}}},
		{pattern: "POST /v1/webhooks/stripe/{account}/{mode}", handle: s.stripeWebhook, public: true, doc: doc{id: "stripeWebhook", tag: "Webhooks",
			summary: "Receive Stripe's events (set this URL on the Stripe webhook endpoint)", text: "Needs no API key: the Stripe-Signature header over the raw body, checked with the signing secret given to `tollgate payments connect`, authenticates it. 200 when applied or already applied (each event counts once); 400 for a wrong or stale signature, and nothing changes; 404 when the account has no Stripe connection in this mode.",
			out: typ[wire.PaymentWebhookAck](), errors: []int{http.StatusBadRequest, nf}}},

		{pattern: "GET /v1/events", handle: s.listEvents, doc: doc{id: "listEvents", tag: "Events",
			summary: "List usage events with their fees", text: "Most recently recorded first.", out: typ[wire.Event](), list: true, errors: []int{nf, inv},
			query: page(param{"customer", "string", "Only this customer's events (id or external_id)"},
				param{"event_type", "string", "Only events of this type"},
				param{"occurred_after", "date-time", "Only events that occurred at or after this time"},
				param{"occurred_before", "date-time", "Only events that occurred before this time"})}},
		{pattern: "POST /v1/events", handle: s.recordEvent, doc: doc{id: "recordEvent", tag: "Events",
			summary: "Record a usage event", text: "Prices it, debits the wallet and settles its authorization in one step. Idempotent on id: 201 when recorded, 200 for a replay (nothing charged again), 409 for the same id with another payload.",
			in: typ[wire.RecordEventRequest](), out: typ[wire.Event](), created: true, errors: []int{nf, cf, inv}}},
		{pattern: "POST /v1/events/batch", handle: s.recordBatch, bodyLimit: -1, doc: doc{id: "recordEvents", tag: "Events",
			summary: "Record up to 1000 usage events", text: "Each event is recorded on its own: one bad event fails alone. 200 with one result per event, in order.",
			in: typ[wire.RecordBatchRequest](), out: typ[wire.BatchResult](), list: true, errors: []int{inv}}},
		{pattern: "GET /v1/events/{id}", handle: s.getEvent, doc: doc{id: "getEvent", tag: "Events",
			summary: "Get a usage event with its fees", out: typ[wire.Event](), errors: []int{nf}}},

		{pattern: "GET /v1/profitability", handle: s.getProfitability, doc: doc{id: "getProfitability", tag: "Profitability",
			summary: "Revenue, cost and margin per group", text: "Over whole UTC days, in the account's reporting currency. Rows are sorted and paged (next_cursor); totals cover every page. A cost never sent is unknown, not 0: margin covers the events with known cost, cost_coverage says how many.",
			out: typ[wire.ProfitabilityReport](), errors: []int{nf, inv}, query: profitabilityParams}},
		{pattern: "POST /v1/profitability/repricing", handle: s.simulateRepricing, query: true, doc: doc{id: "simulateRepricing", tag: "Profitability",
			summary: "What-if: a product's real events at proposed prices", text: "Applies a published version or draft prices to the product's events of a period and reports, per group, actual beside proposed revenue and margin. Nothing changes. With the version in use it reproduces actual revenue.",
			in: typ[wire.RepricingRequest](), out: typ[wire.RepricingReport](), errors: []int{nf, inv}}},
		{pattern: "GET /v1/profitability/dimensions", handle: s.getProfitabilityDimensions, doc: doc{id: "getProfitabilityDimensions", tag: "Profitability",
			summary: "List the data keys profitability groups by", text: "Those of the catalog's dimensional prices and those set with POST.", out: typ[wire.ProfitabilityDimensions]()}},
		{pattern: "POST /v1/profitability/dimensions", handle: s.setProfitabilityDimensions, doc: doc{id: "setProfitabilityDimensions", tag: "Profitability",
			summary: "Set the further data keys profitability groups by", text: "Replaces the keys set before ([] clears them) and returns the full set. Billing is not affected; the next profitability query re-reads every event once.",
			in: typ[wire.SetProfitabilityDimensionsRequest](), out: typ[wire.ProfitabilityDimensions](), errors: []int{inv}}},

		{pattern: "POST /v1/portal_sessions", handle: s.createPortalSession, doc: doc{id: "createPortalSession", tag: "Portal",
			summary: "Create a link to the customer portal", text: "A link for one customer, to be opened within 10 minutes; it opens a session of at most an hour where the customer sees their balance, usage and transactions, tops up and sets auto top-up. Make one each time the customer clicks Manage billing.",
			in: typ[wire.CreatePortalSessionRequest](), out: typ[wire.PortalSession](), created: true, errors: []int{nf, inv}}},
		{pattern: "GET /v1/portal_branding", handle: s.getPortalBranding, doc: doc{id: "getPortalBranding", tag: "Portal",
			summary: "Get the portal's branding and limits", text: "In the key's mode; the defaults when none were set.", out: typ[wire.PortalBranding]()}},
		{pattern: "POST /v1/portal_branding", handle: s.setPortalBranding, doc: doc{id: "setPortalBranding", tag: "Portal",
			summary: "Set the portal's branding and limits", text: "Only the fields sent change; returns them all.",
			in: typ[wire.SetPortalBrandingRequest](), out: typ[wire.PortalBranding](), errors: []int{nf, inv}}},

		{pattern: "GET /v1/account", handle: s.getAccount, doc: doc{id: "getAccount", tag: "Account",
			summary: "Get the key's account", text: "The platform the key belongs to; accounts are created with `tollgate accounts create`.", out: typ[wire.Account]()}},
		{pattern: "POST /v1/account", handle: s.renameAccount, doc: doc{id: "renameAccount", tag: "Account",
			summary: "Rename the key's account", in: typ[wire.RenameAccountRequest](), out: typ[wire.Account](), errors: []int{inv}}},
		{pattern: "GET /v1/operators", handle: s.listOperators, doc: doc{id: "listOperators", tag: "Account",
			summary: "List the account's console operators", text: "By email. Not paginated.", out: typ[wire.Operator](), list: true}},
		{pattern: "POST /v1/operators", handle: s.inviteOperator, doc: doc{id: "inviteOperator", tag: "Account",
			summary: "Invite an operator to the console", text: "Makes the person with this email an operator of the account with the role and returns their single-use sign-in link (15 minutes; no email is sent: give it to them privately). 201 when they join the account; 200 with a new link when they are an operator with that role already; 409 when they have another role. A full-scope key can do this: guard it as you would the console.",
			in: typ[wire.InviteOperatorRequest](), out: typ[wire.OperatorSignInLink](), created: true, ok: "they were an operator with that role already; a new link", errors: []int{nf, cf, inv}}},
		{pattern: "POST /v1/operators/{id}/remove", handle: s.removeOperator, doc: doc{id: "removeOperator", tag: "Account",
			summary: "Take an operator out of the account", text: "By operator id or email; their console sessions in the account end at once. The last owner cannot be removed (409). The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.Operator](), errors: []int{nf, cf}}},
		{pattern: "POST /v1/operators/{id}/sign_in_links", handle: s.createSignInLink, doc: doc{id: "createOperatorSignInLink", tag: "Account",
			summary: "Make a sign-in link for an operator", text: "By operator id or email: a single-use link to the console (15 minutes), a magic link that needs no password (an operator with a second factor still enters a code). The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.OperatorSignInLink](), created: true, errors: []int{nf}}},
		{pattern: "POST /v1/webhook_endpoints", handle: s.createWebhookEndpoint, doc: doc{id: "createWebhookEndpoint", tag: "Webhooks",
			summary: "Create a webhook endpoint", text: "201 with the endpoint and its signing secret (whsec_…), shown this once. Live mode needs a public https URL; test mode may use http and loopback.",
			in: typ[wire.CreateWebhookEndpointRequest](), out: typ[wire.WebhookEndpoint](), created: true, errors: []int{nf, inv}}},
		{pattern: "GET /v1/webhook_endpoints", handle: s.listWebhookEndpoints, doc: doc{id: "listWebhookEndpoints", tag: "Webhooks",
			summary: "List webhook endpoints", text: "Oldest first; at most 20, not paginated. Secrets show their last 4 characters only.",
			out: typ[wire.WebhookEndpoint](), list: true, errors: []int{nf}}},
		{pattern: "GET /v1/webhook_endpoints/{id}", handle: s.getWebhookEndpoint, doc: doc{id: "getWebhookEndpoint", tag: "Webhooks",
			summary: "Get a webhook endpoint", out: typ[wire.WebhookEndpoint](), errors: []int{nf}}},
		{pattern: "POST /v1/webhook_endpoints/{id}", handle: s.updateWebhookEndpoint, doc: doc{id: "updateWebhookEndpoint", tag: "Webhooks",
			summary: "Update, disable, enable a webhook endpoint or rotate its secret", text: "Fields left out stay. rotate_secret: the new secret is in this answer only; the old one signs too for 24 hours.",
			in: typ[wire.UpdateWebhookEndpointRequest](), out: typ[wire.WebhookEndpoint](), errors: []int{nf, inv}}},
		{pattern: "POST /v1/webhook_endpoints/{id}/test", handle: s.sendTestWebhook, doc: doc{id: "sendTestWebhook", tag: "Webhooks",
			summary: "Send a webhook.test event", text: "To this endpoint only, whatever its event types. The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.WebhookDelivery](), created: true, errors: []int{nf, inv}}},
		{pattern: "GET /v1/webhook_endpoints/{id}/deliveries", handle: s.listWebhookDeliveries, doc: doc{id: "listWebhookDeliveries", tag: "Webhooks",
			summary: "List an endpoint's deliveries with every attempt", text: "Newest first.", out: typ[wire.WebhookDelivery](), list: true, errors: []int{nf, inv},
			query: page(param{"status", "string", "Only pending, succeeded or failed deliveries"})}},
		{pattern: "POST /v1/webhook_deliveries/{id}/retry", handle: s.retryWebhookDelivery, doc: doc{id: "retryWebhookDelivery", tag: "Webhooks",
			summary: "Send a delivery again", text: "Now, with the same webhook-id and a fresh retry schedule. The endpoint must be enabled. The body may be omitted.",
			in: typ[struct{}](), optionalBody: true, out: typ[wire.WebhookDelivery](), errors: []int{nf, inv}}},
		{pattern: "GET /v1/customers/{id}/wallets/{wallet}/thresholds", handle: s.listBalanceThresholds, doc: doc{id: "listBalanceThresholds", tag: "Webhooks",
			summary: "List a wallet's balance thresholds in an asset", text: "Highest first, each with whether it is armed and when it was last crossed.",
			out: typ[wire.BalanceThreshold](), list: true, errors: []int{nf},
			query: []param{{"asset", "string", "Asset code of the balance (required)"}}}},
		{pattern: "POST /v1/customers/{id}/wallets/{wallet}/thresholds", handle: s.setBalanceThresholds, doc: doc{id: "setBalanceThresholds", tag: "Webhooks",
			summary: "Set a wallet's balance thresholds in an asset", text: "Replaces those set before ([] removes them). balance.threshold_crossed is sent when the available balance goes below one; it fires again only after the balance was back at or above rearm_at.",
			in: typ[wire.SetBalanceThresholdsRequest](), out: typ[wire.BalanceThreshold](), list: true, errors: []int{nf, inv}}},
	}
}

// writes reports whether the route changes anything: every method but GET,
// except the POST routes marked query.
func (rt route) writes() bool {
	method, _, _ := strings.Cut(rt.pattern, " ")
	return method != http.MethodGet && !rt.query
}

// readOnlyKey is the 403 a read_only key gets from a route that writes.
func readOnlyKey(c billing.Caller) *apiError {
	return &apiError{status: http.StatusForbidden, typ: typePermission, code: codeReadOnlyKey,
		message: "the API key " + c.KeyPrefix + "… is read-only (scope read_only): it can read but not change anything; use a key with scope full (`tollgate keys create` without --read-only) for this request"}
}

// endpoint wraps a route's handler with what every route needs.
func (s *server) endpoint(rt route) http.Handler {
	limit := s.opts.BodyLimit
	if rt.bodyLimit < 0 {
		limit = s.opts.BatchBodyLimit
	}
	params := pathParams(rt.pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		info.route = rt.pattern
		if !rt.public {
			c, err := s.authenticate(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			info.keyPrefix = c.KeyPrefix
			r = r.WithContext(billing.WithCaller(r.Context(), c))
			if err := s.limit(w, rt.pattern, c); err != nil {
				s.fail(w, r, err)
				return
			}
			if c.ReadOnly() && rt.writes() {
				s.fail(w, r, readOnlyKey(c))
				return
			}
		}
		if err := checkParams(r, params); err != nil {
			s.fail(w, r, err)
			return
		}
		if r.Method != http.MethodPost {
			s.run(w, r, rt.handle)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			s.fail(w, r, bodyReadError(err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		info.body = parseBody(body)
		if keys, ok := r.Header["Idempotency-Key"]; ok && !rt.public {
			s.idempotent(w, r, strings.Join(keys, ","), info.body, rt.handle)
			return
		}
		s.run(w, r, rt.handle)
	})
}

func (s *server) run(w http.ResponseWriter, r *http.Request, h handlerFunc) {
	if err := h(w, r); err != nil {
		s.fail(w, r, err)
	}
}

// authenticate resolves the bearer key to its caller.
func (s *server) authenticate(r *http.Request) (billing.Caller, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return billing.Caller{}, &apiError{status: http.StatusUnauthorized, typ: typeAuthentication, code: kernel.EUnauthorized,
			message: "no API key: send Authorization: Bearer <key> (create one with `tollgate keys create`)"}
	}
	scheme, key, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return billing.Caller{}, &apiError{status: http.StatusUnauthorized, typ: typeAuthentication, code: kernel.EUnauthorized,
			message: "the Authorization header must be Bearer <key>"}
	}
	if billing.IsCustomerKey(strings.TrimSpace(key)) {
		return billing.Caller{}, &apiError{status: http.StatusForbidden, typ: typePermission, code: codeCustomerKey,
			message: billing.CustomerKeyOnlyOnGateway}
	}
	return s.svc.Accounts.Authenticate(r.Context(), strings.TrimSpace(key))
}

// codeCustomerKey is the 403 of a customer key (tg_cust_…) sent to the REST
// API: it works only on the metering gateway.
const codeCustomerKey = "customer_key_not_allowed"

// mode is the caller's mode, for the livemode field of responses.
func mode(ctx context.Context) billing.Mode {
	c, _ := billing.CallerFrom(ctx)
	return c.Mode
}
