package main

import (
	"context"
	"net/http"
	"time"
)

// app holds what the HTTP server serves.
type app struct {
	cfg *config
	db  *database
}

func newApp(ctx context.Context, cfg *config, db *database) (*app, error) {
	return &app{cfg: cfg, db: db}, nil
}

func (a *app) close() {}

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
	return mux
}
