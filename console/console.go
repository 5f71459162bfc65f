package console

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
	"github.com/tollgatehq/tollgate/internal/ratelimit"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/webhooks"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Options configure the console.
type Options struct {
	// BaseURL is the public base URL the console is reached at; required.
	BaseURL string
	// Profitability serves the home page's revenue, cost and margin and the
	// profitability page; required.
	Profitability *profitability.Service
	// Webhooks serves the failed-delivery count and the webhooks page; nil
	// shows neither.
	Webhooks *webhooks.Service
	// PortalLinks makes a customer portal link to hand over (package
	// portal's CreateSession, adapted by cmd); nil offers none.
	PortalLinks func(ctx context.Context, customer, returnURL string) (url string, expiresAt time.Time, err error)
	// Logger receives the access log (never a token) and internal errors.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SignInsPerMinute limits the sign-in attempts (password, code, link)
	// of one client address per minute (burst twice that); 0 means 20.
	SignInsPerMinute int
}

// Console serves the operators' console under /console/.
type Console struct {
	svc     *billing.Service
	prof    *profitability.Service
	hooks   *webhooks.Service
	links   func(ctx context.Context, customer, returnURL string) (string, time.Time, error)
	baseURL string
	secure  bool // cookies are Secure unless the console is on loopback
	log     *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	mux     *http.ServeMux
	signIns *ratelimit.PerKey // sign-in attempts per client address
	grants  Grants            // MCP clients' OAuth grants; nil lists none (see UseGrants)
}

// New returns the console over svc.
func New(svc *billing.Service, opts Options) (*Console, error) {
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("console: base URL %q must be an absolute http(s) URL", opts.BaseURL)
	}
	if opts.Profitability == nil {
		return nil, errors.New("console: a profitability service is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SignInsPerMinute <= 0 {
		opts.SignInsPerMinute = 20
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{svc: svc, prof: opts.Profitability, hooks: opts.Webhooks, links: opts.PortalLinks, baseURL: strings.TrimRight(opts.BaseURL, "/"),
		secure: !isLoopback(base.Hostname()), log: opts.Logger, now: opts.Now, pages: pages, mux: http.NewServeMux(),
		signIns: newSignInLimiter(opts.SignInsPerMinute)}
	c.routes()
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Console) routes() {
	assets, _ := fs.Sub(assetFiles, "assets") // the embed pattern guarantees the folder
	c.mux.Handle("GET /console/assets/", http.StripPrefix("/console/assets/", http.FileServerFS(assets)))
	// Signing in and out.
	c.mux.Handle("GET /console/link", c.handle(c.openLink))
	c.mux.Handle("GET /console/sign-in", c.handle(c.signInForm))
	c.mux.Handle("POST /console/sign-in", c.handle(c.signIn))
	c.mux.Handle("GET /console/sign-in/code", c.handle(c.codeForm))
	c.mux.Handle("POST /console/sign-in/code", c.handle(c.code))
	c.mux.Handle("POST /console/sign-out", c.form(viewer, c.signOut))
	c.mux.Handle("POST /console/switch", c.form(viewer, c.switchTo))
	// Pages.
	c.mux.Handle("GET /console/{$}", c.page(c.home))
	c.mux.Handle("GET /console/customers", c.page(c.customers))
	c.mux.Handle("GET /console/customers/{id}", c.page(c.customer))
	c.mux.Handle("POST /console/customers/{id}/adjustments", c.form(changer, c.adjust))
	c.mux.Handle("POST /console/customers/{id}/portal-link", c.form(viewer, c.portalLink))
	c.mux.Handle("GET /console/usage", c.page(c.usage))
	c.mux.Handle("GET /console/usage.csv", c.page(c.usageCSV))
	c.mux.Handle("GET /console/usage/stream", c.page(c.usageStream))
	c.mux.Handle("GET /console/profitability", c.page(c.profit))
	c.mux.Handle("GET /console/catalog", c.page(c.catalog))
	c.mux.Handle("GET /console/catalog/{code}", c.page(c.product))
	c.mux.Handle("GET /console/webhooks", c.page(c.webhooks))
	c.mux.Handle("POST /console/webhooks/deliveries/{id}/retry", c.form(changer, c.retryDelivery))
	c.mux.Handle("GET /console/payments", c.page(c.payments))
	c.mux.Handle("GET /console/you", c.page(c.you))
	c.mux.Handle("POST /console/you/password", c.form(viewer, c.setPassword))
	c.mux.Handle("POST /console/you/totp", c.form(viewer, c.startTOTP))
	c.mux.Handle("POST /console/you/totp/confirm", c.form(viewer, c.confirmTOTP))
	c.mux.Handle("POST /console/you/totp/disable", c.form(viewer, c.disableTOTP))
	c.mux.Handle("POST /console/you/sessions/{id}/revoke", c.form(viewer, c.revokeOwnSession))
	c.mux.Handle("GET /console/settings", c.page(c.settings))
	c.mux.Handle("POST /console/settings/operators", c.form(manager, c.invite))
	c.mux.Handle("POST /console/settings/operators/{id}/remove", c.form(manager, c.removeOperator))
	c.mux.Handle("POST /console/settings/sessions/{id}/revoke", c.form(manager, c.revokeSession))
	c.mux.Handle("POST /console/settings/keys", c.form(manager, c.createKey))
	c.mux.Handle("POST /console/settings/keys/{id}/revoke", c.form(manager, c.revokeKey))
	c.mux.Handle("POST /console/settings/grants/{id}/revoke", c.form(changer, c.revokeGrant))
	c.mux.Handle("/console/", c.handle(func(http.ResponseWriter, *http.Request) error {
		return &pageError{status: http.StatusNotFound, title: "Page not found", message: "There is no such page in the console."}
	}))
}

// contentSecurityPolicy is the portal's: the console's own styles, images
// from itself or data: (a QR code), forms that post to the console; no
// script runs (but the usage page's own file, see tailPolicy), nothing is
// framed.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// tailPolicy is the usage page's: the same, plus its one script file (the
// live tail) and the event stream it reads. The page works without it.
const tailPolicy = contentSecurityPolicy + "; script-src 'self'; connect-src 'self'"

// ServeHTTP serves the console's pages with its security headers and one
// access log line per request, recovering panics.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := c.now()
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("console panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			c.renderError(rec, r, &pageError{status: http.StatusInternalServerError, title: "Something went wrong", message: "Try again in a moment."})
		}
		// The path only: a sign-in link's token is in its query string.
		c.log.Info("console request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", c.now().Sub(start).Milliseconds(), "operator", rec.operator)
	}()
	c.mux.ServeHTTP(rec, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status   int
	operator string
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets the usage stream reach the browser as it is written.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// pageError is an error page: a status, a title and a message for people.
type pageError struct {
	status         int
	title, message string
}

func (e *pageError) Error() string { return e.title }

// handle adapts a handler that returns an error: the one place errors
// become pages.
func (c *Console) handle(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			c.renderError(w, r, err)
		}
	})
}

// request is one request of a signed-in operator: the session and the
// context that carries its caller.
type request struct {
	*http.Request
	sess  billing.OperatorSession
	token string
	ctx   context.Context
	// alert is shown at the top of the page: what a form just did, or why
	// it was refused.
	alert alert
}

// alert is a message at the top of a page.
type alert struct {
	Kind string // "ok" or "error"
	Text string
	// Secret is shown once in a box to copy (a new API key, a sign-in link).
	Secret string
}

type operatorKey struct{}

// signedIn is the session a request carries in its context.
type signedIn struct {
	sess  billing.OperatorSession
	token string
}

// Operator returns the operator signed in to the console on this request,
// from its session cookie, read from the database: a session that is
// revoked, expired, still owes its second factor, or whose operator left
// the account is none. For other surfaces of the same server (the OAuth
// consent page) that need "who is the signed-in operator".
func (c *Console) Operator(r *http.Request) (billing.OperatorSession, bool) {
	if s, ok := r.Context().Value(operatorKey{}).(signedIn); ok {
		return s.sess, true
	}
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return billing.OperatorSession{}, false
	}
	s, err := c.svc.Operators.Session(r.Context(), ck.Value)
	if err != nil || s.FactorPending {
		return billing.OperatorSession{}, false
	}
	return s, true
}

// page serves a GET that needs a signed-in operator; without a session it
// leads to the sign-in page, and a session that owes its code to the code
// form.
func (c *Console) page(h func(http.ResponseWriter, *request) error) http.Handler {
	return c.handle(func(w http.ResponseWriter, r *http.Request) error {
		req, err := c.session(w, r)
		if err != nil || req == nil {
			return err
		}
		if err := h(w, req); err != nil {
			c.renderError(w, req.Request, err)
		}
		return nil
	})
}

// session reads the request's session; nil, nil when it has answered with
// a redirect.
func (c *Console) session(w http.ResponseWriter, r *http.Request) (*request, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil, c.toSignIn(w, r)
	}
	sess, err := c.svc.Operators.Session(r.Context(), ck.Value)
	if kernel.ErrorCode(err) == kernel.EUnauthorized {
		c.clearCookie(w)
		return nil, c.toSignIn(w, r)
	}
	if err != nil {
		return nil, err
	}
	if rec, ok := w.(*statusRecorder); ok {
		rec.operator = sess.OperatorID
	}
	if sess.FactorPending {
		if r.Method != http.MethodGet {
			return nil, &pageError{status: http.StatusUnauthorized, title: "Enter your code first", message: "Sign-in is not finished: enter the code from your authenticator app."}
		}
		http.Redirect(w, r, "/console/sign-in/code", http.StatusSeeOther)
		return nil, nil
	}
	ctx := context.WithValue(billing.WithCaller(r.Context(), sess.Caller()), operatorKey{}, signedIn{sess, ck.Value})
	return &request{Request: r.WithContext(ctx), sess: sess, token: ck.Value, ctx: ctx}, nil
}

func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return &pageError{status: http.StatusUnauthorized, title: "Your session has ended", message: "Sign in again, then send the form again."}
	}
	http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
	return nil
}

// A permission is what a form needs of the operator's role.
type permission int

const (
	viewer  permission = iota // any signed-in operator (their own settings, sign-out)
	changer                   // owner or admin: money and settings
	manager                   // owner: operators, API keys, the account
)

// form serves a POST that needs a signed-in operator with the permission
// and its CSRF token; it changes nothing otherwise.
func (c *Console) form(need permission, h func(http.ResponseWriter, *request) error) http.Handler {
	return c.handle(func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		req, err := c.session(w, r)
		if err != nil || req == nil {
			return err
		}
		if err := c.allowed(req, need); err != nil {
			c.renderError(w, req.Request, err)
			return nil
		}
		if err := h(w, req); err != nil {
			c.renderError(w, req.Request, err)
		}
		return nil
	})
}

// allowed checks a form's CSRF token, then the operator's role.
func (c *Console) allowed(req *request, need permission) error {
	if err := c.checkCSRF(req); err != nil {
		return err
	}
	role := req.sess.Role
	if (need == changer && !role.CanChange()) || (need == manager && !role.CanManage()) {
		who := "owners and admins"
		if need == manager {
			who = "owners"
		}
		return &pageError{status: http.StatusForbidden, title: "Your role cannot do this",
			message: fmt.Sprintf("You are %s of %s; only %s can do this. Ask an owner to change your role.", article(string(role)), req.sess.AccountName, who)}
	}
	return nil
}

func article(role string) string {
	if strings.HasPrefix(role, "a") || strings.HasPrefix(role, "o") {
		return "an " + role
	}
	return "a " + role
}

// renderError renders err as a page. A domain error shows its own message
// (it says what is wrong); anything else is internal, logged once and never
// shown.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *pageError
	if !errors.As(err, &pe) {
		pe = &pageError{status: http.StatusInternalServerError, title: "Something went wrong", message: "Try again in a moment."}
		switch kernel.ErrorCode(err) {
		case kernel.ENotFound:
			pe.status, pe.title, pe.message = http.StatusNotFound, "Not found", sentence(kernel.ErrorMessage(err))
		case kernel.EInvalid, kernel.EConflict, kernel.EInsufficientFunds:
			pe.status, pe.title, pe.message = http.StatusUnprocessableEntity, "That did not work", sentence(kernel.ErrorMessage(err))
		case kernel.EUnauthorized:
			pe.status, pe.title, pe.message = http.StatusUnauthorized, "Your session has ended", "Sign in again."
		default:
			c.log.Error("console internal error", "path", r.URL.Path, "err", err)
		}
	}
	b := base{Title: pe.title}
	if s, ok := r.Context().Value(operatorKey{}).(signedIn); ok {
		b = c.baseOf(s.sess, s.token, "", pe.title)
	}
	c.render(w, pe.status, "error", errorPage{base: b, Message: pe.message})
}

type errorPage struct {
	base
	Message string
}
