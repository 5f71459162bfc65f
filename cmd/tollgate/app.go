package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/api"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/console"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/jobs"
	"github.com/tollgatehq/tollgate/metrics"
	"github.com/tollgatehq/tollgate/oauth"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/payments/stripe"
	"github.com/tollgatehq/tollgate/portal"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/webhooks"
	"github.com/tollgatehq/tollgate/wire"
)

// app holds what the HTTP server serves.
type app struct {
	cfg  *config
	db   *database
	svc  *billing.Service
	prof *profitability.Service // reads what svc wrote; billing does not know it
	acct billing.Account        // the default account
	// pay is the test provider of test mode, whose checkout pages this
	// process serves under /pay/test/; nil outside serve.
	pay *stripe.TestProvider
	// metrics are the process's Prometheus figures (serve).
	metrics *metrics.Metrics
	// portal serves the customer portal under /portal/; nil outside serve.
	portal *portal.Server
	// console serves the operators' console under /console/; nil outside serve.
	console *console.Console
	// hooks delivers outgoing webhooks; its jobs run where serve starts
	// the queue.
	hooks *webhooks.Service
	// jobs is the process's job queue: billing and webhooks insert into
	// it; serve starts it with their work.
	jobs *jobs.Queue
	// oauth is the authorization server of /mcp; nil outside serve.
	oauth *oauth.Service
	// onClose runs when the server stops, before in-flight requests drain
	// (it ends long-lived streams such as MCP's SSE sessions).
	onClose []func()
	// gateway is the metering gateway handler() mounted; drain records
	// the usage it still keeps for a retry.
	gateway *gateway.Handler
}

// newApp builds the billing and profitability services over an open, migrated
// database and makes
// sure the default account exists, so a first run needs no set-up.
// gcPercent is the garbage collector's target when GOGC is not set: twice
// Go's default of 100 halves the collector's work on the request path (about
// 5-8% of the server's CPU per usage event or authorization, measured with
// tollgate bench) for a heap that grows to about 1.3 times as large (peak RSS
// 98 MB → 134 MB under the benchmark's load). GOGC, when set, wins.
const gcPercent = 200

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

func newApp(ctx context.Context, cfg *config, db *database) (*app, error) {
	tuneGC()
	a := &app{cfg: cfg, db: db}
	stripeBase, err := checkStripeAPIBase(cfg.stripeAPIBase)
	if err != nil {
		return nil, err
	}
	if stripeBase != "" {
		cfg.log.Info("Stripe API calls go to --stripe-api-base instead of https://api.stripe.com", "stripe_api_base", stripeBase)
	}
	a.jobs = jobs.New(db.pool, cfg.log)
	opts := billing.Options{Logger: cfg.log, Stripe: stripe.Connector(stripeBase), Jobs: a.jobs}
	if cfg.publicURL != "" {
		pay, err := newTestPayments(cfg, a)
		if err != nil {
			return nil, err
		}
		a.pay, opts.TestPayments = pay, pay
	}
	a.metrics = metrics.New(db.pool, func() int { return a.svc.QueueDepth() })
	opts.Observer = a.metrics
	a.svc = billing.NewService(db.pool, opts)
	acct, err := a.svc.Accounts.EnsureDefaultAccount(ctx)
	if err != nil {
		return nil, err
	}
	a.acct = acct
	a.prof = profitability.New(db.pool, a.svc)
	a.hooks = webhooks.New(db.pool, a.svc, webhooks.Options{Logger: cfg.log, Render: wire.WebhookData(a.svc), Jobs: a.jobs})
	if cfg.publicURL != "" {
		// TOLLGATE_PORTAL_SECRET signs the portal's links and cookies;
		// without it, the secret stored in the database at first start.
		if a.portal, err = portal.New(ctx, a.svc, portal.Options{BaseURL: cfg.publicURL, Logger: cfg.log,
			Secret: []byte(os.Getenv("TOLLGATE_PORTAL_SECRET"))}); err != nil {
			return nil, err
		}
		if a.console, err = console.New(a.svc, console.Options{BaseURL: cfg.publicURL, Profitability: a.prof, Webhooks: a.hooks,
			PortalLinks: a.portalLinks(), Logger: cfg.log}); err != nil {
			return nil, err
		}
		if a.oauth, err = newOAuth(cfg, a, cfg.publicURL); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// portalLinks adapts the portal's sessions to the API and the MCP tools;
// nil when this process does not serve the portal.
func (a *app) portalLinks() func(ctx context.Context, customer, returnURL string) (string, time.Time, error) {
	if a.portal == nil {
		return nil
	}
	return func(ctx context.Context, customer, returnURL string) (string, time.Time, error) {
		s, err := a.portal.CreateSession(ctx, customer, returnURL)
		return s.URL, s.ExpiresAt, err
	}
}

// newTestPayments builds the test provider, whose checkout pages live at
// cfg.publicURL + "/pay/test/" and whose signed events go straight to the
// same inbound path as Stripe's. Processes sharing a database should share
// TOLLGATE_TEST_WEBHOOK_SECRET; without it each makes its own.
func newTestPayments(cfg *config, a *app) (*stripe.TestProvider, error) {
	return stripe.NewTestProvider(stripe.TestConfig{
		BaseURL:       cfg.publicURL,
		WebhookSecret: payments.Secret(os.Getenv("TOLLGATE_TEST_WEBHOOK_SECRET")),
		Logger:        cfg.log,
		Deliver: func(ctx context.Context, payload []byte, h http.Header) error {
			return a.svc.Payments.HandlePaymentWebhook(ctx, payments.ProviderTest, "", "", payload, h)
		},
	})
}

func (a *app) close() {
	for _, f := range a.onClose {
		f()
	}
}

// drain waits, up to 30 seconds, until the usage batches already taken are
// written; call it after the last request was answered.
func (a *app) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if a.gateway != nil {
		a.gateway.Close(ctx)
	}
	if err := a.svc.Close(ctx); err != nil {
		a.cfg.log.Warn("usage batches still running at exit", "err", err)
	}
	if err := a.jobs.Stop(ctx); err != nil {
		a.cfg.log.Warn("background jobs still running at exit", "err", err)
	}
}

func (a *app) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.db.pool.Ping(ctx); err != nil {
			a.cfg.log.Warn("readiness check failed", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	// The metering gateway (docs/GATEWAY.md): OpenAI and Anthropic routes
	// under /gateway/, mounted below; the MCP tools describe it.
	gwOpts, err := gatewayOptions(a.cfg)
	if err != nil {
		return nil, err
	}
	gw := gateway.New(a.svc, gwOpts)
	a.gateway = gw
	if err := a.mountMCP(mux, gatewayDescriber{gw, a.cfg.publicURL}); err != nil {
		return nil, err
	}
	a.mountOAuth(mux)
	if a.pay != nil {
		mux.Handle("/pay/test/", a.pay.Handler())
	}
	// The REST API; TOLLGATE_API_RATE_LIMIT sets its per-key limit ("100/200", "off").
	rateLimit, err := api.ParseRateLimit(os.Getenv("TOLLGATE_API_RATE_LIMIT"))
	if err != nil {
		a.cfg.log.Warn("TOLLGATE_API_RATE_LIMIT ignored; using the default", "err", err, "default", api.DefaultRateLimit().String())
		rateLimit = api.DefaultRateLimit()
	}
	// TOLLGATE_API_HOT_RATE_LIMIT sets the hot path's (authorize, record, batch, void).
	hotLimit, err := api.ParseRateLimitOr(os.Getenv("TOLLGATE_API_HOT_RATE_LIMIT"), api.DefaultHotRateLimit())
	if err != nil {
		a.cfg.log.Warn("TOLLGATE_API_HOT_RATE_LIMIT ignored; using the default", "err", err, "default", api.DefaultHotRateLimit().String())
		hotLimit = api.DefaultHotRateLimit()
	}
	mux.Handle("/v1/", api.New(a.svc, a.prof, api.Options{Logger: a.cfg.log, RateLimit: rateLimit, HotRateLimit: hotLimit,
		Observe: a.metrics.ObserveRequest, PortalLinks: a.portalLinks(), Webhooks: a.hooks, OAuth: a.oauth, ConsoleURL: consoleURL(a.cfg.publicURL)}))
	mux.Handle("/gateway/", gw)
	if token := os.Getenv("TOLLGATE_METRICS_TOKEN"); token != "" && a.cfg.metricsAddr == "" {
		mux.Handle("GET /metrics", a.metrics.Handler(token))
	}
	if a.portal != nil {
		mux.Handle("/portal/", a.portal)
		mux.Handle("GET /portal", http.RedirectHandler("/portal/", http.StatusMovedPermanently))
	}
	if a.console != nil {
		mux.Handle("/console/", a.console)
		mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	}
	return mux, nil
}

// checkStripeAPIBase returns --stripe-api-base without its trailing slash
// ("" for Stripe itself), or an error saying what a valid one is. Since the
// secret key goes there, it must be a plain http(s) base URL: no path
// beyond "/", no query, and no credentials in it (they would be echoed in
// errors; a proxy that needs them takes them some other way).
func checkStripeAPIBase(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		return "", errors.New("--stripe-api-base (TOLLGATE_STRIPE_API_BASE) must not hold a user or password: give the proxy's address only, such as https://stripe-proxy.example.com")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("--stripe-api-base (TOLLGATE_STRIPE_API_BASE) must be the base URL of Stripe's API, such as http://localhost:12111 for stripe-mock or https://stripe-proxy.example.com, with no path or query; got %q", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}
