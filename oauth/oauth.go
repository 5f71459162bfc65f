package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/ratelimit"
)

// Lifetimes. An access token lasts an hour; a refresh token 30 days, and
// each refresh hands out a new one (the old one is spent). A code must be
// exchanged within a minute, a consent given within ten, a sign-in link
// opened within ten; the browser session it opens lasts fifteen.
const (
	DefaultAccessTTL  = time.Hour
	DefaultRefreshTTL = 30 * 24 * time.Hour
	CodeTTL           = time.Minute
	RequestTTL        = 10 * time.Minute
	LinkTTL           = 10 * time.Minute
	SessionTTL        = 15 * time.Minute
)

// Prefixes of the secrets this package hands out. Only an access token is
// ever a bearer credential at /mcp; the others are recognisable in a leak.
const (
	AccessTokenPrefix  = "tg_oat_"
	refreshTokenPrefix = "tg_ort_"
	codePrefix         = "tg_oac_"
	linkPrefix         = "tg_osl_"
	sessionPrefix      = "tg_oss_"
	// registeredClientPrefix starts the client_id of a registered client.
	registeredClientPrefix = "tgc"
	grantPrefix            = "oag"
)

// Toolset is a group of MCP tools a grant may name (a scope toolsets:<name>).
type Toolset struct {
	Name        string
	Description string
}

// Identity is who approves a client on the consent page: a person signed
// in for one account and mode. Who names them on the page ("operator of
// Default account" for a sign-in link; an operator's e-mail for the console).
type Identity struct {
	AccountID string
	Mode      billing.Mode
	Who       string
}

// SignedIn tells who the person behind a browser request is, if anyone.
// The sign-in links of `tollgate mcp authorize-link` are one; the console's
// operator session can be another (Options.SignedIn).
type SignedIn func(r *http.Request) (Identity, bool)

// Options configure the service.
type Options struct {
	// BaseURL is the public base URL (TOLLGATE_PUBLIC_URL): the issuer, the
	// base of every endpoint, and BaseURL + "/mcp" the protected resource.
	BaseURL string
	// Toolsets are the sets a scope may name, and DefaultToolsets those a
	// grant gets when its scope names none (the server's --toolsets).
	Toolsets        []Toolset
	DefaultToolsets []string
	// AllowLoopbackClients lets a client_id metadata document be fetched
	// from a loopback address, over http too (developing a client on this
	// machine; tests). Private, link-local and metadata addresses are
	// refused whatever it says.
	AllowLoopbackClients bool
	// SignedIn is who approves on the consent page besides the sessions of
	// the sign-in links (the console's operator, tried first); nil: the
	// links' sessions alone.
	SignedIn SignedIn
	// AccessTTL and RefreshTTL: 0 means the defaults.
	AccessTTL, RefreshTTL time.Duration
	// Logger receives internal errors (never a secret); nil discards.
	Logger *slog.Logger
}

// Service is the authorization server and the token check of /mcp.
type Service struct {
	pool     *pgxpool.Pool
	billing  *billing.Service
	opts     Options
	log      *slog.Logger
	issuer   string // BaseURL without a trailing slash
	resource string // issuer + "/mcp"
	secure   bool   // cookies are Secure unless the issuer is on loopback
	fetcher  *http.Client
	toolsets map[string]Toolset
	pages    map[string]*template.Template
	mux      *http.ServeMux
	// limits per client address: registrations; token, revocation and
	// authorization requests; sign-ins.
	registrations, tokens, signins *ratelimit.PerKey
	// cache holds authenticated access tokens (string(hash) → tokenEntry)
	// for up to tokenTTL; Listen clears it when any process revokes a grant.
	cache     sync.Map
	cacheSize atomic.Int64
	lastPrune atomic.Int64 // unix seconds
}

// New returns the service over billing's database.
func New(pool *pgxpool.Pool, svc *billing.Service, opts Options) (*Service, error) {
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || (base.Path != "" && base.Path != "/") || base.RawQuery != "" {
		return nil, fmt.Errorf("oauth: the public URL %q must be an absolute http(s) URL with no path", opts.BaseURL)
	}
	if opts.AccessTTL <= 0 {
		opts.AccessTTL = DefaultAccessTTL
	}
	if opts.RefreshTTL <= 0 {
		opts.RefreshTTL = DefaultRefreshTTL
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Service{pool: pool, billing: svc, opts: opts, log: log, issuer: strings.TrimRight(opts.BaseURL, "/"),
		secure: !isLoopbackHost(base.Hostname()), fetcher: newFetcher(opts.AllowLoopbackClients), toolsets: map[string]Toolset{},
		pages: pages, mux: http.NewServeMux(),
		registrations: ratelimit.New(1.0/6, 10), // 10 a minute, a burst of 10
		tokens:        ratelimit.New(10, 40),
		signins:       ratelimit.New(1.0/3, 20),
	}
	s.resource = s.issuer + "/mcp"
	for _, ts := range opts.Toolsets {
		s.toolsets[ts.Name] = ts
	}
	for _, name := range opts.DefaultToolsets {
		if _, ok := s.toolsets[name]; !ok && name != AllToolsets {
			return nil, fmt.Errorf("oauth: default toolset %q is not one of the toolsets", name)
		}
	}
	s.routes()
	return s, nil
}

// Issuer is the authorization server's issuer identifier (the public URL).
func (s *Service) Issuer() string { return s.issuer }

// Resource is the protected resource the tokens are for: the /mcp URL.
func (s *Service) Resource() string { return s.resource }

// ResourceMetadataURL is where the protected resource's metadata is, for
// the WWW-Authenticate challenge of /mcp.
func (s *Service) ResourceMetadataURL() string {
	return s.issuer + "/.well-known/oauth-protected-resource/mcp"
}

func (s *Service) now() time.Time { return s.billing.Now().UTC() }

// secret returns prefix followed by 256 random bits in base32, and the
// SHA-256 under which it is stored.
func secret(prefix string) (string, []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	v := prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return v, hash(v)
}

func hash(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}

// randomID is an unguessable id for a URL (an authorization request).
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// prune deletes what expired more than a day ago, at most once a minute per
// process, after a write that adds such rows.
func (s *Service) prune(ctx context.Context) {
	now := s.now()
	last := s.lastPrune.Load()
	if now.Unix()-last < 60 || !s.lastPrune.CompareAndSwap(last, now.Unix()) {
		return
	}
	before := now.Add(-24 * time.Hour)
	err := errors.Join(
		queries.PruneRequests(ctx, on(s.pool), before),
		queries.PruneSignIns(ctx, on(s.pool), before),
		queries.PruneCodes(ctx, on(s.pool), before),
		queries.PruneTokens(ctx, on(s.pool), before),
	)
	if err != nil {
		s.log.Warn("prune expired OAuth rows; the next write tries again", "err", err)
	}
}
