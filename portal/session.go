package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// Lifetimes: a link must be opened within LinkTTL; the session it opens
// lasts SessionTTL.
const (
	LinkTTL    = 10 * time.Minute
	SessionTTL = time.Hour
)

// cookieName holds the session. __Host- would pin it to one host and path
// but requires Secure, which a loopback server cannot set.
const cookieName = "tollgate_portal"

// claims are what a link or a session cookie says, signed. A link and a
// session use different keys, so one can never stand for the other.
type claims struct {
	Account  string       `json:"a"`
	Mode     billing.Mode `json:"m"`
	Customer string       `json:"c"` // the customer's id
	Return   string       `json:"r"` // the platform's return_url
	Expires  int64        `json:"e"` // unix seconds
	Nonce    string       `json:"n"` // the session's id: CSRF tokens are bound to it
}

// keys are the HMAC keys derived from the server secret, one per use.
type keys struct{ link, cookie, csrf []byte }

func deriveKeys(secret []byte) keys {
	d := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("tollgate portal " + label))
		return m.Sum(nil)
	}
	return keys{link: d("link"), cookie: d("cookie"), csrf: d("csrf")}
}

func sign(key []byte, c claims) string {
	b, _ := json.Marshal(c) // strings and an int always marshal
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac(key, payload))
}

func mac(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// Why a token was refused; the page shown differs, the data shown is none.
type tokenProblem int

const (
	tokenOK tokenProblem = iota
	tokenInvalid
	tokenExpired
)

// verify checks a token's signature first and only then reads its claims.
func verify(key []byte, token string, now time.Time) (claims, tokenProblem) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 {
		return claims{}, tokenInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, payload)) {
		return claims{}, tokenInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var c claims
	if err != nil || json.Unmarshal(b, &c) != nil || c.Account == "" || c.Customer == "" || c.Nonce == "" {
		return claims{}, tokenInvalid
	}
	if !now.Before(time.Unix(c.Expires, 0)) {
		return c, tokenExpired
	}
	return c, tokenOK
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// Session is a link to the portal for one customer.
type Session struct {
	URL       string
	ExpiresAt time.Time // open the link before then
}

// CreateSession returns a link that opens the portal for one customer of
// the caller's account, in the caller's mode, to be opened within LinkTTL.
// returnURL is where "Back" leads. Returns EInvalid, ENotFound.
func (s *Server) CreateSession(ctx context.Context, customer, returnURL string) (Session, error) {
	c, err := billing.RequireCaller(ctx)
	if err != nil {
		return Session{}, err
	}
	if err := checkReturnURL(returnURL); err != nil {
		return Session{}, err
	}
	if strings.TrimSpace(customer) == "" {
		return Session{}, kernel.Invalidf("customer", "customer is required: the id or external_id of the customer who opens the portal")
	}
	cus, err := s.svc.GetCustomer(ctx, customer)
	if err != nil {
		return Session{}, err
	}
	exp := s.now().Add(LinkTTL).Truncate(time.Second)
	token := sign(s.keys.link, claims{Account: c.AccountID, Mode: c.Mode, Customer: cus.ID, Return: returnURL, Expires: exp.Unix(), Nonce: nonce()})
	return Session{URL: s.base + "/portal/session?token=" + url.QueryEscape(token), ExpiresAt: exp.UTC()}, nil
}

func checkReturnURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || len(u) > 2000 {
		return kernel.Invalidf("return_url", "return_url must be an absolute http(s) URL of your app, where the portal's Back link leads, such as \"https://app.example.com/settings\"")
	}
	return nil
}

// openSession exchanges a link's token for a session cookie and sends the
// browser to the overview, so the token leaves the address bar and
// history. A link opens once (UsePortalLink): a second open, from another
// browser, gets a page that says the link was used; the browser that holds
// the session it opened is simply sent to the portal. A refused token gets
// a page that explains, with a way back.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request) error {
	if !s.exchanges.allow(clientIP(r)) {
		w.Header().Set("Retry-After", "60")
		return &pageError{status: http.StatusTooManyRequests, title: "Too many attempts", message: "Too many portal links were opened from your network. Wait a minute and try again."}
	}
	c, problem := verify(s.keys.link, r.URL.Query().Get("token"), s.now())
	switch problem {
	case tokenExpired:
		return s.branded(r, c, &pageError{status: http.StatusGone, title: "This link has expired",
			message: "Links to the billing portal work for 10 minutes. Go back and open the portal again.", back: c.Return})
	case tokenInvalid:
		return &pageError{status: http.StatusForbidden, title: "This link is not valid",
			message: "The link was changed or was not made for this server. Go back to the app you came from and open the portal again."}
	}
	first, err := s.svc.Portal.UsePortalLink(r.Context(), c.Nonce, time.Unix(c.Expires, 0))
	if err != nil {
		return err
	}
	if !first {
		if s.hasSessionOf(r, c) { // the browser the link opened in, opening it again
			http.Redirect(w, r, "/portal/", http.StatusSeeOther)
			return nil
		}
		return s.branded(r, c, &pageError{status: http.StatusGone, title: "This link was already used",
			message: "A link to the billing portal opens once, in one browser. Go back to the app and open the billing portal again: it makes a new link.",
			back:    c.Return})
	}
	sess := claims{Account: c.Account, Mode: c.Mode, Customer: c.Customer, Return: c.Return, Nonce: nonce(),
		Expires: s.now().Add(SessionTTL).Unix()}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: sign(s.keys.cookie, sess), Path: "/portal", MaxAge: int(SessionTTL / time.Second),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
	return nil
}

// hasSessionOf says whether the request carries a live session for the
// customer a link names: the browser that opened the link first.
func (s *Server) hasSessionOf(r *http.Request, link claims) bool {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return false
	}
	c, problem := verify(s.keys.cookie, ck.Value, s.now())
	return problem == tokenOK && c.Account == link.Account && c.Mode == link.Mode && c.Customer == link.Customer
}

// branded dresses the page of a genuine but expired token in its account's
// branding; it shows no customer data.
func (s *Server) branded(r *http.Request, c claims, pe *pageError) *pageError {
	ctx := billing.WithCaller(r.Context(), billing.Caller{AccountID: c.Account, Mode: c.Mode})
	if set, err := s.svc.Portal.GetPortalBranding(ctx); err == nil {
		pe.brand, pe.testMode = &set, c.Mode == billing.ModeTest
	}
	return pe
}

// session returns the request's session, or an error page when it has none.
func (s *Server) session(r *http.Request) (claims, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return claims{}, &pageError{status: http.StatusUnauthorized, title: "Your session has ended",
			message: "Open the billing portal again from the app you came from."}
	}
	c, problem := verify(s.keys.cookie, ck.Value, s.now())
	if problem == tokenExpired {
		return claims{}, s.branded(r, c, &pageError{status: http.StatusUnauthorized, title: "Your session has ended",
			message: "Billing portal sessions last an hour. Go back and open the portal again.", back: c.Return})
	}
	if problem != tokenOK {
		return claims{}, &pageError{status: http.StatusUnauthorized, title: "Your session has ended",
			message: "Open the billing portal again from the app you came from."}
	}
	return c, nil
}

// csrfToken is the form token of a session: bound to its nonce, so a token
// from another session, or none, is refused.
func (s *Server) csrfToken(c claims) string {
	return base64.RawURLEncoding.EncodeToString(mac(s.keys.csrf, c.Nonce))
}

func (s *Server) checkCSRF(r *http.Request, c claims) error {
	got := r.PostFormValue("csrf_token")
	want := s.csrfToken(c)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &pageError{status: http.StatusForbidden, title: "This form has expired",
			message: "The form was not sent from this page, or your session changed. Reload the page and try again."}
	}
	return nil
}

// ipLimiter limits session exchanges per client address.
type ipLimiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	ips   map[string]*rate.Limiter
}

func newIPLimiter(perMinute, burst int) *ipLimiter {
	return &ipLimiter{every: rate.Limit(float64(perMinute) / 60), burst: burst, ips: map[string]*rate.Limiter{}}
}

func (l *ipLimiter) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.ips) > 10000 { // forget them all rather than grow without bound
		l.ips = map[string]*rate.Limiter{}
	}
	lim, ok := l.ips[ip]
	if !ok {
		lim = rate.NewLimiter(l.every, l.burst)
		l.ips[ip] = lim
	}
	return lim.Allow()
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Link is what a portal link says; SignLink makes one offline.
type Link struct {
	Account   string
	Mode      billing.Mode
	Customer  string // the customer's id (cus_…)
	ReturnURL string
	ExpiresAt time.Time
}

// SignLink returns the token of a link signed with secret (the server's
// TOLLGATE_PORTAL_SECRET), for operators' scripts and tests; a platform
// uses CreateSession through the API instead. Append it to
// BaseURL + "/portal/session?token=".
func SignLink(secret []byte, l Link) string {
	return sign(deriveKeys(secret).link, claims{Account: l.Account, Mode: l.Mode, Customer: l.Customer, Return: l.ReturnURL,
		Expires: l.ExpiresAt.Unix(), Nonce: nonce()})
}
