package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

// DefaultEventType is the event type of the usage the gateway records, unless
// Options.EventType or the account's gateway settings name another.
const DefaultEventType = "llm.tokens"

// DefaultMaxOutputTokens is the output a hold is made for when a request sets
// no cap of its own.
const DefaultMaxOutputTokens = 4096

// HoldTTL is how long a call's hold lasts: long enough for a long streamed
// answer.
const HoldTTL = time.Hour

// CustomerHeader names the customer who pays for a call made with the
// platform's Tollgate key: a Tollgate id (cus_…) or the platform's own
// external_id.
const CustomerHeader = "Tollgate-Customer"

// maxRequest bounds a request body (prompts with images are large).
const maxRequest = 32 << 20

// Upstream is one provider's API as the gateway calls it.
type Upstream struct {
	// BaseURL is the provider's API base, as its SDK takes it:
	// https://api.openai.com/v1, https://api.anthropic.com.
	BaseURL string
	// APIKey is the platform's provider key, sent upstream in the provider's
	// own header; it is never logged, shown or sent to a caller. Empty: the
	// provider's routes answer 404.
	APIKey payments.Secret
}

// Options configure the gateway.
type Options struct {
	// OpenAI and Anthropic are the server's upstreams: those of every
	// account and mode that did not set its own (billing's Gateway).
	OpenAI, Anthropic Upstream
	// EventType is the server's default event type of the recorded usage
	// and of the holds: the one a product's dimensional per-token prices
	// name. An account sets its own per mode (configure_gateway), read per
	// call. Empty: DefaultEventType.
	EventType string
	// DefaultMaxOutputTokens: empty, DefaultMaxOutputTokens.
	DefaultMaxOutputTokens int64
	// CustomerKeyRate is the default rate limit of a customer key
	// (tg_cust_…) in calls a second, bursts twice that, for keys without
	// their own; 0: DefaultCustomerKeyRate.
	CustomerKeyRate float64
	// Client calls the upstreams; nil: a client without an overall timeout
	// (a streamed answer runs as long as it runs).
	Client *http.Client
	Logger *slog.Logger
}

// Handler serves the gateway's routes under /gateway/.
type Handler struct {
	svc     *billing.Service
	opts    Options
	mux     *http.ServeMux
	limiter *keyLimiter // customer keys' rate limits
	retry   *retryQueue // usage the database could not take yet
	// settling tracks the settlements running after their answers ended.
	settling *settlements
}

// New returns the gateway over svc.
func New(svc *billing.Service, opts Options) *Handler {
	if opts.EventType == "" {
		opts.EventType = DefaultEventType
	}
	if opts.DefaultMaxOutputTokens <= 0 {
		opts.DefaultMaxOutputTokens = DefaultMaxOutputTokens
	}
	if opts.CustomerKeyRate <= 0 {
		opts.CustomerKeyRate = DefaultCustomerKeyRate
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.OpenAI.BaseURL = strings.TrimRight(opts.OpenAI.BaseURL, "/")
	opts.Anthropic.BaseURL = strings.TrimRight(opts.Anthropic.BaseURL, "/")
	h := &Handler{svc: svc, opts: opts, mux: http.NewServeMux(), limiter: newKeyLimiter(opts.CustomerKeyRate),
		retry: newRetryQueue(svc.RecordUsage, opts.Logger), settling: newSettlements()}
	for pattern, op := range routes {
		h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, op) })
	}
	h.mux.HandleFunc("/gateway/anthropic/", func(w http.ResponseWriter, r *http.Request) { render(w, Anthropic, noRoute(r)) })
	h.mux.HandleFunc("/gateway/", func(w http.ResponseWriter, r *http.Request) { render(w, OpenAI, noRoute(r)) })
	return h
}

func noRoute(r *http.Request) *failure {
	return &failure{status: http.StatusNotFound, code: "route_not_found",
		message: "the Tollgate gateway has no route " + r.Method + " " + r.URL.Path + "; it serves POST /gateway/openai/v1/chat/completions, /gateway/openai/v1/responses, /gateway/openai/v1/embeddings and /gateway/anthropic/v1/messages"}
}

// Close waits, while ctx allows, for the settlements still running after
// their answers ended (a call answered from then on settles before its
// answer ends), then records what the retry queue still holds, one last
// attempt each while ctx allows, and logs (with its data) every event that
// remains. Call it once the server answers no more calls; it may be called
// more than once.
func (h *Handler) Close(ctx context.Context) {
	if n := h.settling.close(ctx); n > 0 {
		h.opts.Logger.Error("gateway: settlements still running at shutdown; an event they cannot record is logged with its data", "running", n)
	}
	h.retry.close(ctx)
}

// Pending is the number of usage events waiting for a retry.
func (h *Handler) Pending() int { return h.retry.len() }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// upstream is where a call of the caller's account goes for provider p: the
// account's own upstream in its mode when it set one (`tollgate gateway
// connect`), else the server's. account says which.
func (h *Handler) upstream(g billing.GatewaySettings, p Provider) (up Upstream, account bool) {
	if u, ok := g.Upstream(string(p)); ok {
		return Upstream{BaseURL: strings.TrimRight(u.BaseURL, "/"), APIKey: u.APIKey}, true
	}
	if p == Anthropic {
		return h.opts.Anthropic, false
	}
	return h.opts.OpenAI, false
}

// serve runs one call: authorize, proxy, settle. The hold is settled in
// every case but a failure before it was made. A call the upstream did not
// answer with a success is voided before its answer ends (so a retry finds
// the hold released); one it did is settled after its answer ended, off the
// caller's latency (see finish and settle).
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, op operation) {
	p := op.provider
	// A streamed answer outlives the server's write timeout.
	http.NewResponseController(w).SetWriteDeadline(time.Time{})
	ctx, customer, ckey, err := h.payer(r, p)
	if err != nil {
		render(w, p, failureOf(err, h.opts.Logger, "authenticate"))
		return
	}
	settings, err := h.svc.Gateway.Settings(ctx)
	if err != nil {
		render(w, p, failureOf(err, h.opts.Logger, "gateway settings"))
		return
	}
	up, _ := h.upstream(settings, p)
	if up.APIKey == "" {
		c, _ := billing.CallerFrom(ctx)
		render(w, p, &failure{status: http.StatusNotFound, code: "gateway_not_configured",
			message: "the Tollgate gateway has no " + string(p) + " key for this account in " + string(c.Mode) + " mode: the operator runs `tollgate gateway connect --provider " +
				string(p) + " --mode " + string(c.Mode) + "`, or sets TOLLGATE_" + strings.ToUpper(string(p)) + "_API_KEY (or _FILE) for every account of the server"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	if err != nil {
		render(w, p, &failure{status: http.StatusRequestEntityTooLarge, code: "body_too_large", message: "the request body is over 32 MiB or could not be read"})
		return
	}
	c, err := parseCall(op, body, h.opts.DefaultMaxOutputTokens)
	if err != nil {
		render(w, p, failureOf(err, h.opts.Logger, "read request"))
		return
	}
	eventType := h.eventType(settings)
	idem := idempotencyKey(ctx, r.Header.Get("Idempotency-Key"))
	h.settling.await(ctx, idem)
	auth, err := h.authorize(ctx, r.Header.Get("Idempotency-Key"), customer, eventType, c)
	if err != nil {
		render(w, p, failureOf(err, h.opts.Logger, "authorize"))
		return
	}
	settleCtx := context.WithoutCancel(ctx)
	capped, err := h.admit(ctx, ckey, auth)
	if err != nil {
		h.void(settleCtx, auth.ID)
		render(w, p, failureOf(err, h.opts.Logger, "daily cap"))
		return
	}
	resp, err := h.send(ctx, up, r, c)
	if err != nil {
		h.void(settleCtx, auth.ID)
		capped.settle(settleCtx, rating.Decimal{})
		render(w, p, &failure{status: http.StatusBadGateway, code: "upstream_unreachable", message: "the Tollgate gateway could not reach " + string(p) + "; nothing was charged"})
		return
	}
	defer resp.Body.Close()
	var o outcome
	switch {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		relayBody(w, resp, c)
		h.void(settleCtx, auth.ID)
		capped.settle(settleCtx, rating.Decimal{})
		return
	case strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream"):
		o = relayStream(w, resp, c)
	default:
		if o, err = relayBody(w, resp, c); err != nil {
			h.opts.Logger.Warn("gateway: upstream answer cut", "provider", p, "err", err)
		}
	}
	c.body = nil // settled without it; not kept alive meanwhile
	h.finish(idem, func() {
		capped.settle(settleCtx, h.settle(settleCtx, auth, customer, eventType, settings, c, o))
	})
}

// finish runs a call's settlement once its answer has been passed on: in a
// goroutine that Close waits for, so the handler returns and the caller's
// answer ends (its last chunk, the SDK's end of stream) without waiting for
// the commit. The hold, counted until the settlement commits, keeps what the
// call may cost from being spent twice meanwhile. While the gateway closes,
// or with maxSettling running, it runs now instead.
func (h *Handler) finish(idem string, settle func()) {
	done, ok := h.settling.start(idem)
	if !ok {
		settle()
		return
	}
	go func() {
		defer done()
		defer func() {
			// Outside the handler, net/http no longer recovers a panic: one
			// here would end the server and every call in it.
			if v := recover(); v != nil {
				h.opts.Logger.Error("gateway: settlement panicked; the hold expires on its own", "panic", v, "stack", string(debug.Stack()))
			}
		}()
		settle()
	}()
}

// payer authenticates the caller and names the customer who pays: the
// platform's Tollgate key (Authorization: Bearer, or x-api-key, which
// Anthropic's SDKs may send) with the customer in the Tollgate-Customer
// header, or a customer key (tg_cust_…), which carries its customer (the
// header, when sent, must name the same one) and is returned too.
func (h *Handler) payer(r *http.Request, p Provider) (context.Context, string, *billing.CustomerKey, error) {
	key := ""
	if scheme, k, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		key = strings.TrimSpace(k)
	}
	if key == "" {
		key = strings.TrimSpace(r.Header.Get("X-Api-Key"))
	}
	if key == "" {
		return nil, "", nil, kernel.Errorf(kernel.EUnauthorized, "no Tollgate API key: send your tg_test_… or tg_live_… key, or a customer key tg_cust_…, as the SDK's API key (Authorization: Bearer, or x-api-key)")
	}
	customer := strings.TrimSpace(r.Header.Get(CustomerHeader))
	if billing.IsCustomerKey(key) {
		return h.customerKeyPayer(r, key, customer)
	}
	caller, err := h.svc.Accounts.Authenticate(r.Context(), key)
	if err != nil {
		return nil, "", nil, err
	}
	if caller.ReadOnly() {
		return nil, "", nil, &failure{status: http.StatusForbidden, code: "read_only_key",
			message: "the API key " + caller.KeyPrefix + "… is read-only: a gateway call records usage, so it needs a key with scope full"}
	}
	if customer == "" {
		return nil, "", nil, &failure{status: http.StatusBadRequest, code: "missing_customer", param: CustomerHeader,
			message: "name the customer who pays in the Tollgate-Customer header: their external_id or cus_… id"}
	}
	return billing.WithCaller(r.Context(), caller), customer, nil, nil
}

// customerKeyPayer authenticates a customer key and applies its rate limit.
// A Tollgate-Customer header naming anyone but the key's customer is 403.
func (h *Handler) customerKeyPayer(r *http.Request, key, customer string) (context.Context, string, *billing.CustomerKey, error) {
	caller, k, err := h.svc.Accounts.AuthenticateCustomerKey(r.Context(), key)
	if err != nil {
		return nil, "", nil, err
	}
	ctx := billing.WithCaller(r.Context(), caller)
	if customer != "" && customer != k.CustomerID {
		named, err := h.svc.GetCustomer(ctx, customer)
		if err != nil && kernel.ErrorCode(err) != kernel.ENotFound {
			return nil, "", nil, err
		}
		if err != nil || named.ID != k.CustomerID {
			return nil, "", nil, &failure{status: http.StatusForbidden, code: "customer_mismatch", param: CustomerHeader,
				message: "the customer key " + k.Prefix + "… belongs to customer " + k.CustomerID + ": leave out the Tollgate-Customer header or name that customer"}
		}
	}
	if ok, wait := h.limiter.allow(k.ID, k.RateLimit, time.Now()); !ok {
		return nil, "", nil, rateLimited(k, wait)
	}
	return ctx, k.CustomerID, &k, nil
}

// authorize holds the call's estimated cost. The hold's idempotency key is
// the caller's Idempotency-Key when sent, so a retried request does not hold
// twice; a fresh one otherwise. A key whose hold is still active (the same
// call in flight) or already captured (that call was charged) answers 409;
// one whose hold was voided (that attempt failed upstream) holds anew. A
// decline is the 402 failure.
func (h *Handler) authorize(ctx context.Context, key, customer, eventType string, c call) (billing.Authorization, error) {
	in := billing.AuthorizeInput{Customer: customer, EventType: eventType, Data: c.estimate.data(c.op.provider, c.model), TTL: HoldTTL}
	if key == "" {
		in.IdempotencyKey = "gateway:" + rand.Text()
	} else {
		in.IdempotencyKey = "gateway:" + key
	}
	a, err := h.svc.Authorize(ctx, in)
	if err == nil && a.Replayed && a.Status == billing.AuthVoided {
		in.IdempotencyKey += ":" + rand.Text()
		a, err = h.svc.Authorize(ctx, in)
	}
	switch {
	case err != nil:
		return a, err
	case !a.Approved:
		return a, declined(a)
	case a.Replayed && key != "":
		return a, &failure{status: http.StatusConflict, code: "idempotency_key_reused",
			message: "the Idempotency-Key " + key + " belongs to a call that is running or was charged (authorization " + a.ID + ", " + a.Status + "); send a new key for a new call"}
	}
	return a, nil
}

// send calls the upstream with the platform's key in the provider's own
// header, never the caller's, and the caller's content headers.
func (h *Handler) send(ctx context.Context, up Upstream, r *http.Request, c call) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, up.BaseURL+c.op.path, bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"Content-Type", "Accept", "Anthropic-Version", "Anthropic-Beta", "OpenAI-Beta"} {
		if v := r.Header.Values(k); len(v) > 0 {
			req.Header[k] = v
		}
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.op.provider == Anthropic {
		req.Header.Set("X-Api-Key", string(up.APIKey))
		if req.Header.Get("Anthropic-Version") == "" {
			req.Header.Set("Anthropic-Version", "2023-06-01")
		}
	} else {
		req.Header.Set("Authorization", "Bearer "+string(up.APIKey))
	}
	resp, err := h.opts.Client.Do(req)
	if err != nil {
		// The transport's error names the URL, never the key; keep only
		// that it failed.
		h.opts.Logger.Warn("gateway: upstream call failed", "provider", c.op.provider, "err", errors.Unwrap(err))
		return nil, err
	}
	return resp, nil
}

// eventType is the event type of the caller's calls: the one its account set
// for its mode (configure_gateway), else the server's.
func (h *Handler) eventType(g billing.GatewaySettings) string {
	if g.EventType != "" {
		return g.EventType
	}
	return h.opts.EventType
}
