package main

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/tollgatehq/tollgate/api"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/webhooks"
)

// app holds what the HTTP server serves.
type app struct {
	cfg  *config
	db   *database
	svc  *billing.Service
	prof *profitability.Service // reads what svc wrote; billing does not know it
	acct billing.Account        // the default account
	// hooks delivers outgoing webhooks; its jobs run where serve starts
	// svc's (StartJobs).
	hooks *webhooks.Service
	// onClose runs when the server stops, before in-flight requests drain
	// (it ends long-lived streams such as MCP's SSE sessions).
	onClose []func()
}

// newApp builds the billing and profitability services over an open, migrated
// database and makes
// sure the default account exists, so a first run needs no set-up.
func newApp(ctx context.Context, cfg *config, db *database) (*app, error) {
	svc := billing.NewService(db.pool, billing.Options{Logger: cfg.log})
	acct, err := svc.EnsureDefaultAccount(ctx)
	if err != nil {
		return nil, err
	}
	prof := profitability.New(db.pool, svc, profitability.Options{})
	hooks := webhooks.New(db.pool, svc, webhooks.Options{Logger: cfg.log}) // registers its jobs with svc
	return &app{cfg: cfg, db: db, svc: svc, prof: prof, acct: acct, hooks: hooks}, nil
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
	if err := a.svc.Close(ctx); err != nil {
		a.cfg.log.Warn("usage batches still running at exit", "err", err)
	}
}

func (a *app) handler() http.Handler {
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
	a.mountMCP(mux)
	// The REST API; TOLLGATE_API_RATE_LIMIT sets its per-key limit ("100/200", "off").
	rateLimit, err := api.ParseRateLimit(os.Getenv("TOLLGATE_API_RATE_LIMIT"))
	if err != nil {
		a.cfg.log.Warn("TOLLGATE_API_RATE_LIMIT ignored; using the default", "err", err, "default", api.DefaultRateLimit().String())
		rateLimit = api.DefaultRateLimit()
	}
	mux.Handle("/v1/", api.New(a.svc, a.prof, api.Options{Logger: a.cfg.log, RateLimit: rateLimit, Webhooks: a.hooks}))
	return mux
}
