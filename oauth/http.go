package oauth

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Handler serves the metadata and the authorization server. Mount it at
// /oauth/, /.well-known/oauth-authorization-server and
// /.well-known/oauth-protected-resource (and below it).
func (s *Service) Handler() http.Handler { return s }

func (s *Service) routes() {
	assets, _ := fs.Sub(assetFiles, "assets") // the embed pattern guarantees the folder
	s.mux.Handle("GET /oauth/assets/", http.StripPrefix("/oauth/assets/", http.FileServerFS(assets)))
	s.mux.Handle("GET /.well-known/oauth-protected-resource", s.api(s.resourceMetadata))
	s.mux.Handle("GET /.well-known/oauth-protected-resource/mcp", s.api(s.resourceMetadata))
	s.mux.Handle("GET /.well-known/oauth-authorization-server", s.api(s.serverMetadata))
	s.mux.Handle("POST /oauth/register", s.api(s.registerClient))
	s.mux.Handle("POST /oauth/token", s.api(s.token))
	s.mux.Handle("POST /oauth/revoke", s.api(s.revoke))
	s.mux.Handle("GET /oauth/authorize", s.page(s.authorize))
	s.mux.Handle("GET /oauth/consent", s.page(s.consentPage))
	s.mux.Handle("POST /oauth/consent", s.page(s.consentDecision))
	s.mux.Handle("GET /oauth/signin", s.page(s.signinPage))
	s.mux.Handle("POST /oauth/signin", s.page(s.signin))
	s.mux.Handle("/", s.page(func(http.ResponseWriter, *http.Request) error {
		return &pageError{status: http.StatusNotFound, title: "Page not found", message: "There is no such page here."}
	}))
}

// ServeHTTP serves a request, recovering panics.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("oauth panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// protocolError is an OAuth error response (RFC 6749 §5.2, RFC 7591 §3.2.2):
// a code clients act on and a description people read.
type protocolError struct {
	status      int // 0: 400
	code        string
	description string
}

func (e *protocolError) Error() string { return e.code + ": " + e.description }

// api adapts the JSON endpoints (metadata, registration, token,
// revocation): CORS for browser-based clients (no cookie is read, so any
// origin may call), no caching, and errors rendered once.
func (s *Service) api(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		err := h(w, r)
		if err == nil {
			return
		}
		var pe *protocolError
		if !errors.As(err, &pe) {
			s.log.Error("oauth internal error", "path", r.URL.Path, "err", err)
			pe = &protocolError{status: http.StatusInternalServerError, code: "server_error", description: "something went wrong on the server; try again in a moment"}
		}
		writeJSON(w, max(pe.status, http.StatusBadRequest), map[string]string{"error": pe.code, "error_description": pe.description})
	})
}

// preflight answers the CORS preflight of the JSON endpoints (an OPTIONS
// request reaches the catch-all route, whose page adapter calls it).
func preflight(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
	hd.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// resourceMetadata is RFC 9728's protected resource metadata of /mcp,
// served at the root and at the path of /mcp: Tollgate has one protected
// resource. Its scopes are those a client may ask for.
func (s *Service) resourceMetadata(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{
		"resource":                 s.resource,
		"authorization_servers":    []string{s.issuer},
		"scopes_supported":         s.SupportedScopes(),
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "Tollgate MCP server",
		"resource_documentation":   "https://github.com/tollgatehq/tollgate/blob/main/docs/MCP.md",
	})
}

// serverMetadata is RFC 8414's authorization server metadata.
func (s *Service) serverMetadata(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                         s.issuer,
		"authorization_endpoint":                         s.issuer + "/oauth/authorize",
		"token_endpoint":                                 s.issuer + "/oauth/token",
		"registration_endpoint":                          s.issuer + "/oauth/register",
		"revocation_endpoint":                            s.issuer + "/oauth/revoke",
		"scopes_supported":                               append(s.SupportedScopes(), scopeOfflineAccess),
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported":          []string{"none"},
		"revocation_endpoint_auth_methods_supported":     []string{"none"},
		"code_challenge_methods_supported":               []string{"S256"},
		"client_id_metadata_document_supported":          true,
		"authorization_response_iss_parameter_supported": true,
		"service_documentation":                          "https://github.com/tollgatehq/tollgate/blob/main/docs/MCP.md",
	})
}

// pageError is an HTML page for a person: a status, a title, a message.
type pageError struct {
	status         int
	title, message string
}

func (e *pageError) Error() string { return e.title }

// contentSecurityPolicy is the portal's: the pages' own stylesheet, no
// script, no frames; formAction adds where a consent form may lead (the
// client's redirect URI), since browsers hold the redirect after a POST to
// form-action too.
func contentSecurityPolicy(formAction string) string {
	fa := "'self'"
	if formAction != "" {
		fa += " " + formAction
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action " + fa + "; frame-ancestors 'none'; base-uri 'none'"
}

// page adapts the HTML endpoints: security headers, and errors rendered as
// a page once; internal errors are logged, never shown.
func (s *Service) page(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			preflight(w)
			return
		}
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy(""))
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		err := h(w, r)
		if err == nil {
			return
		}
		var pe *pageError
		if !errors.As(err, &pe) {
			s.log.Error("oauth internal error", "path", r.URL.Path, "err", err)
			pe = &pageError{status: http.StatusInternalServerError, title: "Something went wrong", message: "Try again in a moment."}
		}
		s.render(w, pe.status, "error", pageData{Title: pe.title, Message: pe.message})
	})
}

// pageData is what every template reads.
type pageData struct {
	Title    string
	Message  string
	TestMode bool
	LiveMode bool
	// the consent page
	Client     string
	ClientHost string
	ClientID   string
	Redirect   string
	Account    string
	AccountID  string
	Who        string
	Write      bool
	Toolsets   []Toolset
	Request    string
	CSRF       string
	AccessTTL  string
	RefreshTTL string
	// the sign-in pages
	Token   string
	Command string
	Expires string
}

func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"consent", "signin", "signed_in", "sign_in_needed", "error"} {
		t, err := template.ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("oauth: parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *Service) render(w http.ResponseWriter, status int, name string, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[name].ExecuteTemplate(w, "layout.html", d); err != nil {
		s.log.Error("render oauth page", "page", name, "err", err)
	}
}

// cspSource is a redirect URI's origin as a CSP source: scheme://host[:port]
// for http(s), scheme: for a native app's; "" when it cannot be written
// safely (the redirect is then blocked, never widened).
var cspSource = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:(//[A-Za-z0-9.\-]+(:[0-9]+)?|//\[[0-9A-Fa-f:.]+\](:[0-9]+)?)?$`)

func formActionFor(redirectURI string) string {
	scheme, rest, ok := strings.Cut(redirectURI, ":")
	if !ok {
		return ""
	}
	scheme = strings.ToLower(scheme)
	src := scheme + ":"
	if scheme == "http" || scheme == "https" {
		host := strings.TrimPrefix(rest, "//")
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		src = scheme + "://" + host
	}
	if !cspSource.MatchString(src) {
		return ""
	}
	return src
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allow takes a token of a per-address limit; false (with Retry-After set)
// when none is left.
func allow(w http.ResponseWriter, r *http.Request, limit interface {
	Allow(string, int32, time.Time) (bool, time.Duration, int)
}) bool {
	ok, wait, _ := limit.Allow(clientIP(r), 0, time.Now())
	if !ok {
		w.Header().Set("Retry-After", fmt.Sprint(max(1, int(wait.Seconds()+0.999))))
	}
	return ok
}
