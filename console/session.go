package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/ratelimit"
	"github.com/tollgatehq/tollgate/kernel"
)

// Cookies. The session cookie holds the session's token (its row keeps only
// the hash); its path is / so that other pages of the server (an OAuth
// consent page) can ask Operator who is signed in. The pre-session cookie
// is the sign-in form's double-submit CSRF token. __Host- would pin them to
// one host but needs Secure, which a loopback server cannot set.
const (
	cookieName    = "tollgate_console"
	preCookieName = "tollgate_console_pre"
)

func (c *Console) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", MaxAge: int(billing.OperatorSessionTTL.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

func (c *Console) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

// csrfToken is a session's form token: a MAC of a fixed label under the
// session's own secret, so it is bound to the session, reveals nothing of
// it, and needs no server secret.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("tollgate console csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (c *Console) checkCSRF(r *request) error {
	got := r.PostFormValue("csrf_token")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(r.token))) != 1 {
		return errCSRF
	}
	return nil
}

var errCSRF = &pageError{status: http.StatusForbidden, title: "This form has expired",
	message: "The form was not sent from this page, or your session changed. Reload the page and try again."}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// preToken returns the sign-in form's token, setting its cookie when the
// browser has none.
func (c *Console) preToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(preCookieName); err == nil && len(ck.Value) == 32 {
		return ck.Value
	}
	v := randomString()
	http.SetCookie(w, &http.Cookie{Name: preCookieName, Value: v, Path: "/console/sign-in", HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode})
	return v
}

func checkPreToken(r *http.Request) error {
	ck, err := r.Cookie(preCookieName)
	got := r.PostFormValue("csrf_token")
	if err != nil || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ck.Value)) != 1 {
		return errCSRF
	}
	return nil
}

// openLink exchanges a sign-in link's token for a session and sends the
// browser on (to the code form when a second factor is on), so the token
// leaves the address bar. A link opens once.
func (c *Console) openLink(w http.ResponseWriter, r *http.Request) error {
	if !c.allowSignIn(r) {
		return tooMany(w)
	}
	sess, token, state, err := c.svc.Operators.OpenLink(r.Context(), r.URL.Query().Get("token"), r.UserAgent())
	if err != nil {
		return err
	}
	switch state {
	case billing.LinkExpired:
		return &pageError{status: http.StatusGone, title: "This link has expired",
			message: "Sign-in links work for 15 minutes. Ask for a new one: `tollgate operators link --email you@example.com`, or sign in with your password."}
	case billing.LinkUsed:
		return &pageError{status: http.StatusGone, title: "This link was already used",
			message: "A sign-in link opens the console once. Ask for a new one, or sign in with your password."}
	case billing.LinkRemoved:
		return &pageError{status: http.StatusForbidden, title: "You are no longer an operator of this account",
			message: "An owner removed you from the account this link was for. Ask an owner to invite you again."}
	case billing.LinkUnknown:
		return &pageError{status: http.StatusForbidden, title: "This link is not valid",
			message: "The link was changed, or it was not made for this server. Ask for a new one."}
	}
	c.setSessionCookie(w, token)
	if sess.FactorPending {
		http.Redirect(w, r, "/console/sign-in/code", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
	return nil
}

func tooMany(w http.ResponseWriter) error {
	w.Header().Set("Retry-After", "60")
	return &pageError{status: http.StatusTooManyRequests, title: "Too many attempts",
		message: "Too many sign-in attempts came from your network. Wait a minute and try again."}
}

type signInPage struct {
	base
	Email string
	Error string
}

func (c *Console) signInForm(w http.ResponseWriter, r *http.Request) error {
	if s, ok := c.Operator(r); ok && s.ID != "" {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return nil
	}
	c.render(w, http.StatusOK, "signin", signInPage{base: base{Title: "Sign in", CSRF: c.preToken(w, r)}})
	return nil
}

// signIn checks an email and password and opens a session; the same
// answer for a wrong email or password.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := checkPreToken(r); err != nil {
		return err
	}
	if !c.allowSignIn(r) {
		return tooMany(w)
	}
	email := r.PostFormValue("email")
	sess, token, err := c.svc.Operators.SignIn(r.Context(), email, r.PostFormValue("password"), r.UserAgent())
	if kernel.ErrorCode(err) == kernel.EUnauthorized {
		c.render(w, http.StatusUnauthorized, "signin", signInPage{base: base{Title: "Sign in", CSRF: c.preToken(w, r)}, Email: email,
			Error: sentence(kernel.ErrorMessage(err))})
		return nil
	}
	if err != nil {
		return err
	}
	c.setSessionCookie(w, token)
	if sess.FactorPending {
		http.Redirect(w, r, "/console/sign-in/code", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
	return nil
}

type codePage struct {
	base
	Email string
	Error string
}

// pending returns the session that owes its code, or answers for a
// request that has none.
func (c *Console) pending(w http.ResponseWriter, r *http.Request) (billing.OperatorSession, string, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return billing.OperatorSession{}, "", false
	}
	sess, err := c.svc.Operators.Session(r.Context(), ck.Value)
	if err != nil {
		c.clearCookie(w)
		http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
		return billing.OperatorSession{}, "", false
	}
	if !sess.FactorPending {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return billing.OperatorSession{}, "", false
	}
	return sess, ck.Value, true
}

func (c *Console) codeForm(w http.ResponseWriter, r *http.Request) error {
	sess, token, ok := c.pending(w, r)
	if !ok {
		return nil
	}
	c.render(w, http.StatusOK, "code", codePage{base: base{Title: "Enter your code", CSRF: csrfToken(token)}, Email: sess.Email})
	return nil
}

// code takes the second factor's code a session owes.
func (c *Console) code(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if r.Method == http.MethodPost && r.PostFormValue("csrf_token") == "" {
		return errCSRF
	}
	sess, token, ok := c.pending(w, r)
	if !ok {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf_token")), []byte(csrfToken(token))) != 1 {
		return errCSRF
	}
	if !c.allowSignIn(r) {
		return tooMany(w)
	}
	_, err := c.svc.Operators.VerifyCode(r.Context(), token, r.PostFormValue("code"))
	if kernel.ErrorCode(err) == kernel.EUnauthorized {
		if _, serr := c.svc.Operators.Session(r.Context(), token); serr != nil { // five wrong codes ended it
			c.clearCookie(w)
			return &pageError{status: http.StatusUnauthorized, title: "Sign-in ended", message: sentence(kernel.ErrorMessage(err))}
		}
		c.render(w, http.StatusUnauthorized, "code", codePage{base: base{Title: "Enter your code", CSRF: csrfToken(token)}, Email: sess.Email,
			Error: sentence(kernel.ErrorMessage(err))})
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
	return nil
}

func (c *Console) signOut(w http.ResponseWriter, r *request) error {
	if err := c.svc.Operators.SignOut(r.Context(), r.token); err != nil {
		return err
	}
	c.clearCookie(w)
	http.Redirect(w, r.Request, "/console/sign-in", http.StatusSeeOther)
	return nil
}

// switchTo moves the session to another of the operator's accounts, or to
// the other mode, and goes home (the page it came from may name things of
// the other account or mode).
func (c *Console) switchTo(w http.ResponseWriter, r *request) error {
	account := r.PostFormValue("account")
	if account == "" {
		account = r.sess.AccountID
	}
	mode := billing.Mode(r.PostFormValue("mode"))
	if mode == "" {
		mode = r.sess.Mode
	}
	if err := c.svc.Operators.SwitchTo(r.Context(), r.sess, account, mode); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/console/", http.StatusSeeOther)
	return nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allowSignIn takes a token from the client address's sign-in bucket.
func (c *Console) allowSignIn(r *http.Request) bool {
	ok, _, _ := c.signIns.Allow(clientIP(r), 0, c.now())
	return ok
}

func newSignInLimiter(perMinute int) *ratelimit.PerKey {
	return ratelimit.New(float64(perMinute)/60, 2*perMinute)
}
