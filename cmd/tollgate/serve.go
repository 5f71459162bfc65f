package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/tollgatehq/tollgate/jobs"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/tracing"
)

func newServeCmd(cfg *config) *cobra.Command {
	var publicURL string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (health checks, MCP, REST API)",
		Long: `Run Tollgate's HTTP server.

With no --database-url, Tollgate starts (or joins) its embedded PostgreSQL in
--data-dir; pending migrations are applied at start under an advisory lock.
SIGINT or SIGTERM stops accepting connections and lets in-flight requests finish.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.publicURL = publicURL
			return serve(cmd.Context(), cfg)
		},
	}
	cmd.Flags().StringVar(&cfg.addr, "addr", envOr("127.0.0.1:8080", "TOLLGATE_ADDR"), "address to listen on (env TOLLGATE_ADDR)")
	cmd.Flags().StringVar(&publicURL, "public-url", envOr("", "TOLLGATE_PUBLIC_URL"),
		"base URL customers reach this server at, for the test provider's checkout pages (env TOLLGATE_PUBLIC_URL; default http://<listen address>)")
	cmd.Flags().StringVar(&cfg.metricsAddr, "metrics-addr", envOr("", "TOLLGATE_METRICS_ADDR"),
		"address of a separate listener for Prometheus /metrics (env TOLLGATE_METRICS_ADDR); empty serves /metrics on --addr only with TOLLGATE_METRICS_TOKEN")
	cmd.Flags().BoolVar(&cfg.oauthLoopbackClients, "oauth-allow-loopback-clients", envOr("", "TOLLGATE_OAUTH_ALLOW_LOOPBACK_CLIENTS") == "true",
		"let an MCP client's OAuth client_id be a metadata document on a loopback address, over http too, for developing a client on this machine (env TOLLGATE_OAUTH_ALLOW_LOOPBACK_CLIENTS=true)")
	cfg.mcp.register(cmd.Flags())
	cfg.mcp.registerHTTP(cmd.Flags())
	return cmd
}

func serve(ctx context.Context, cfg *config) error {
	db, err := openDatabase(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	defer ln.Close()
	if cfg.publicURL == "" {
		cfg.publicURL = "http://" + ln.Addr().String()
	}
	app, err := newApp(ctx, cfg, db)
	if err != nil {
		return err
	}
	handler, err := app.handler()
	if err != nil {
		return err
	}
	// OpenTelemetry tracing, on only with the standard OTEL_* variables.
	stopTracing, err := tracing.Start(ctx)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer stopTracing(context.WithoutCancel(ctx))
	handler = tracing.Handler(handler)
	// Background work: billing's (key revocations, auto top-ups handed to
	// the queue) and the job queue with billing's and webhooks' jobs
	// (charges, renewals, expiries, test clocks, deliveries); app.drain
	// stops them.
	app.svc.Start(ctx)
	if err := app.jobs.Start(ctx, jobs.Billing(app.svc), app.hooks.Jobs()); err != nil {
		return fmt.Errorf("start background jobs: %w", err)
	}
	// Webhook events fanned out as their outbox rows commit, not at the next poll.
	go app.hooks.Listen(ctx)
	// OAuth grants revoked anywhere stop working here at once.
	go app.oauth.Listen(ctx)
	if cfg.metricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s for metrics: %w", cfg.metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", app.metrics.Handler(os.Getenv("TOLLGATE_METRICS_TOKEN")))
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		cfg.log.Info("metrics listening", "addr", mln.Addr().String())
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	cfg.log.Info("tollgate listening", "addr", ln.Addr().String(), "public_url", cfg.publicURL, "version", buildVersion())
	if keys, err := app.svc.Accounts.ListAPIKeys(ctx, ""); err == nil && len(keys) == 0 {
		fmt.Fprintf(cfg.stderr, `
Tollgate is running. Next:
  1. create an API key:     tollgate keys create
  2. connect your agent:    tollgate connect cursor   (or: tollgate connect claude)
  3. check it:              curl -s http://%s/v1/customers -H "Authorization: Bearer <key>"
  4. see it:                tollgate operators invite --email you@example.com --role owner   (a link to the console)
Docs: README.md and docs/ in https://github.com/tollgatehq/tollgate

`, ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	cfg.log.Info("shutting down; letting in-flight requests finish")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	app.close()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	app.drain()
	return nil
}
