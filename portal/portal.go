// Package portal is Tollgate's hosted customer portal: server-rendered pages
// where one customer of a platform sees their balance and usage, tops up and
// sets their own auto top-up. It is a surface of its own beside the REST
// API, with its own authentication (a signed link exchanged for a session
// cookie, see session.go) and its own errors (HTML pages, never JSON).
//
// A session names one customer of one account in one mode; every page reads
// through *billing.Service with that caller and that customer only, and no
// page takes a customer, wallet or account from the request, so nothing
// typed in the address bar reaches another customer.
package portal

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Options configure the portal.
type Options struct {
	// BaseURL is the public base URL the portal is reached at (its links
	// are BaseURL + "/portal/…"); required.
	BaseURL string
	// Secret signs links, cookies and form tokens (TOLLGATE_PORTAL_SECRET);
	// empty: the secret stored in the database, made at first start.
	Secret []byte
	// Logger receives the access log (never tokens) and internal errors.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ExchangesPerMinute limits how many links one client address may open
	// per minute (burst twice that); 0 means 20.
	ExchangesPerMinute int
}

// Server serves the portal under /portal/ and creates its links.
type Server struct {
	svc       *billing.Service
	base      string
	secure    bool // cookies are Secure unless the portal is on loopback
	keys      keys
	log       *slog.Logger
	now       func() time.Time
	pages     map[string]*template.Template
	mux       *http.ServeMux
	exchanges *ipLimiter
}

// New returns the portal over svc. Without opts.Secret it reads (or, at
// first start, makes) the secret stored in the database.
func New(ctx context.Context, svc *billing.Service, opts Options) (*Server, error) {
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("portal: base URL %q must be an absolute http(s) URL", opts.BaseURL)
	}
	secret := opts.Secret
	if len(secret) == 0 {
		if secret, err = svc.Portal.PortalSecret(ctx); err != nil {
			return nil, fmt.Errorf("portal: read the signing secret: %w", err)
		}
	} else if len(secret) < 32 {
		return nil, errors.New("portal: the secret must be at least 32 bytes")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ExchangesPerMinute <= 0 {
		opts.ExchangesPerMinute = 20
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{svc: svc, base: strings.TrimRight(opts.BaseURL, "/"), secure: !isLoopback(base.Hostname()), keys: deriveKeys(secret),
		log: opts.Logger, now: opts.Now, pages: pages, mux: http.NewServeMux(),
		exchanges: newIPLimiter(opts.ExchangesPerMinute, 2*opts.ExchangesPerMinute)}
	s.routes()
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *Server) routes() {
	assets, _ := fs.Sub(assetFiles, "assets") // the embed pattern guarantees the folder
	s.mux.Handle("GET /portal/assets/", http.StripPrefix("/portal/assets/", http.FileServerFS(assets)))
	s.mux.Handle("GET /portal/session", s.handle(s.openSession))
	s.mux.Handle("GET /portal/{$}", s.page(s.overview))
	s.mux.Handle("GET /portal/theme.css", s.handle(s.theme))
	s.mux.Handle("GET /portal/usage", s.page(s.usage))
	s.mux.Handle("GET /portal/usage.csv", s.page(s.usageCSV))
	s.mux.Handle("GET /portal/transactions", s.page(s.transactions))
	s.mux.Handle("GET /portal/top-up", s.page(s.topUpForm))
	s.mux.Handle("POST /portal/top-up", s.form(s.topUp))
	s.mux.Handle("GET /portal/top-up/result", s.page(s.topUpResult))
	s.mux.Handle("GET /portal/auto-top-up", s.page(s.autoTopUpForm))
	s.mux.Handle("POST /portal/auto-top-up", s.form(s.autoTopUp))
	s.mux.Handle("/portal/", s.handle(func(http.ResponseWriter, *http.Request) error {
		return &pageError{status: http.StatusNotFound, title: "Page not found", message: "There is no such page in the billing portal."}
	}))
}

// contentSecurityPolicy allows the portal's own styles, images from https
// (a platform's logo), and forms that post to the portal or lead on to a
// checkout (the test provider's on this server, Stripe's); no script runs.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; " +
	"form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'"

// ServeHTTP serves the portal's pages with its security headers and one
// access log line per request, recovering panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("portal panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			s.renderError(rec, r, &pageError{status: http.StatusInternalServerError, title: "Something went wrong", message: "Try again in a moment."})
		}
		// The path only: a link's token is in its query string.
		s.log.Info("portal request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", s.now().Sub(start).Milliseconds(), "customer", rec.customer)
	}()
	s.mux.ServeHTTP(rec, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status   int
	customer string
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// pageError is an error page: a status, a title and a message for people,
// and an optional link back to the platform.
type pageError struct {
	status         int
	title, message string
	back           string
	// brand is the account's branding, when a genuine token named it.
	brand    *billing.PortalBranding
	testMode bool
}

func (e *pageError) Error() string { return e.title }

// handle adapts a handler that returns an error: the one place errors
// become pages.
func (s *Server) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// request is one request of a session: its caller's context and claims.
type request struct {
	*http.Request
	sess claims
	ctx  context.Context
}

// page serves a handler that needs a session.
func (s *Server) page(h func(http.ResponseWriter, *request) error) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.session(r)
		if err != nil {
			return err
		}
		if rec, ok := w.(*statusRecorder); ok {
			rec.customer = c.Customer
		}
		ctx := billing.WithCaller(r.Context(), billing.Caller{AccountID: c.Account, Mode: c.Mode})
		if err := h(w, &request{Request: r.WithContext(ctx), sess: c, ctx: ctx}); err != nil {
			return withBack(err, c.Return)
		}
		return nil
	})
}

// form serves a POST that needs a session and its CSRF token.
func (s *Server) form(h func(http.ResponseWriter, *request) error) http.Handler {
	return s.page(func(w http.ResponseWriter, r *request) error {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := s.checkCSRF(r.Request, r.sess); err != nil {
			return err
		}
		return h(w, r)
	})
}

func withBack(err error, back string) error {
	var pe *pageError
	if errors.As(err, &pe) && pe.back == "" {
		pe.back = back
	}
	return err
}

// renderError renders err as a page. A billing error shows its status and a
// generic message (its own message names fields of the API); anything else
// is internal, logged once and never shown.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		pe = &pageError{status: http.StatusInternalServerError, title: "Something went wrong", message: "Try again in a moment."}
		switch kernel.ErrorCode(err) {
		case kernel.ENotFound:
			pe.status, pe.title, pe.message = http.StatusNotFound, "Not found", "There is nothing here for your account."
		case kernel.EUnauthorized:
			pe.status, pe.title, pe.message = http.StatusUnauthorized, "Your session has ended", "Open the billing portal again from the app you came from."
		default:
			s.log.Error("portal internal error", "path", r.URL.Path, "err", err)
		}
	}
	b := base{Title: pe.title, Back: pe.back, TestMode: pe.testMode}
	if pe.brand != nil {
		b.Brand = *pe.brand
	}
	s.render(w, pe.status, "error", errorPage{base: b, Message: pe.message})
}

type errorPage struct {
	base
	Message string
}
