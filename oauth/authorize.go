package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/oauth/internal/dbsqlc"
)

// maxStateBytes bounds the state a client round-trips through us.
const maxStateBytes = 1024

// authorize is the authorization endpoint (RFC 6749 §4.1.1 with PKCE and
// resource indicators). Until the client and its redirect URI are known to
// match, an error is a page for the person (never a redirect to an address
// no one vouched for); after, it goes back to the client in the redirect,
// with iss (RFC 9207). A valid request is stored and the browser sent to
// the consent page.
func (s *Service) authorize(w http.ResponseWriter, r *http.Request) error {
	if !allow(w, r, s.tokens) {
		return &pageError{status: http.StatusTooManyRequests, title: "Too many attempts", message: "Too many sign-in requests came from your network. Wait a moment and try again."}
	}
	q := r.URL.Query()
	for _, p := range []string{"client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method", "state", "scope"} {
		if len(q[p]) > 1 {
			return badRequest("The request gives " + p + " more than once.")
		}
	}
	client, err := s.client(r.Context(), q.Get("client_id"))
	var problem *clientProblem
	if errors.As(err, &problem) {
		return badRequest("The application that sent you here is not known to this server: " + problem.msg + ".")
	}
	if err != nil {
		return err
	}
	redirect := q.Get("redirect_uri")
	switch {
	case redirect == "" && len(client.RedirectURIs) == 1 && !strings.HasPrefix(client.RedirectURIs[0], "http://"):
		redirect = client.RedirectURIs[0]
	case redirect == "":
		return badRequest("The request has no redirect_uri; the application must name where to return.")
	case !redirectMatches(client.RedirectURIs, redirect):
		return badRequest("The request's redirect_uri " + redirect + " is not one the application " + clientLabel(client) +
			" declared, so this server will not send you there. Tell the application's developer.")
	}
	back := func(code, desc string) error {
		http.Redirect(w, r, withParams(redirect, url.Values{"error": {code}, "error_description": {desc}, "state": {q.Get("state")}, "iss": {s.issuer}}), http.StatusSeeOther)
		return nil
	}
	if rt := q.Get("response_type"); rt != "code" {
		return back("unsupported_response_type", "response_type must be code")
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "":
		return back("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256")
	case method != "S256":
		return back("invalid_request", "code_challenge_method must be S256; plain (or none given, which means plain) is refused")
	case len(challenge) != 43 || strings.ContainsFunc(challenge, func(r rune) bool { return !isBase64URL(r) }):
		return back("invalid_request", "code_challenge must be the base64url SHA-256 of the code_verifier: 43 characters")
	}
	state := q.Get("state")
	if len(state) > maxStateBytes {
		return back("invalid_request", "state is too long; at most 1024 bytes")
	}
	scope, err := s.parseScope(q.Get("scope"))
	if err != nil {
		return back("invalid_scope", err.Error())
	}
	resources := q["resource"]
	switch {
	case len(resources) > 1:
		return back("invalid_target", "give one resource: "+s.resource)
	case len(resources) == 1 && resources[0] != s.resource:
		return back("invalid_target", "this server issues tokens for "+s.resource+" only")
	}
	id := randomID()
	now := s.now()
	if err := queries.InsertRequest(r.Context(), on(s.pool), dbsqlc.InsertRequestParams{ID: id, ClientID: client.ID, ClientName: client.Name,
		RedirectUri: redirect, State: state, Scopes: scope.Strings(), Resource: s.resource, CodeChallenge: challenge, Now: now,
		ExpiresAt: now.Add(RequestTTL)}); err != nil {
		return err
	}
	s.prune(r.Context())
	http.Redirect(w, r, "/oauth/consent?request="+id, http.StatusSeeOther)
	return nil
}

func isBase64URL(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

func badRequest(msg string) *pageError {
	return &pageError{status: http.StatusBadRequest, title: "This sign-in request cannot be used", message: msg}
}

// withParams adds params to a redirect URI, keeping its own query; empty
// values are left out.
func withParams(raw string, params url.Values) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k, vs := range params {
		if len(vs) > 0 && vs[0] != "" {
			q.Set(k, vs[0])
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func clientLabel(c Client) string {
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// authRequest is a stored authorization request.
type authRequest struct {
	dbsqlc.GetRequestRow
}

func (s *Service) request(ctx context.Context, id string) (authRequest, error) {
	if id == "" || len(id) > 64 {
		return authRequest{}, requestGone("This approval page has no request in its address.")
	}
	r, err := queries.GetRequest(ctx, on(s.pool), id)
	switch {
	case kernel.ErrorCode(err) == kernel.ENotFound:
		return authRequest{}, requestGone("This approval request is not known. Start connecting again from your MCP client.")
	case err != nil:
		return authRequest{}, err
	case r.DecidedAt != nil:
		return authRequest{}, requestGone("This approval request was already answered. Start connecting again from your MCP client if it did not connect.")
	case !s.now().Before(r.ExpiresAt):
		return authRequest{}, requestGone("This approval request has expired (they last 10 minutes). Start connecting again from your MCP client.")
	}
	return authRequest{r}, nil
}

func requestGone(msg string) *pageError {
	return &pageError{status: http.StatusGone, title: "This approval request is over", message: msg}
}

// consentPage shows what the client asks for to the signed-in person, or
// how to sign in.
func (s *Service) consentPage(w http.ResponseWriter, r *http.Request) error {
	req, err := s.request(r.Context(), r.URL.Query().Get("request"))
	if err != nil {
		return err
	}
	who, ok := s.signedIn(r)
	if !ok {
		s.setCookie(w, returnCookie, req.ID, RequestTTL)
		s.render(w, http.StatusUnauthorized, "sign_in_needed", pageData{Title: "Sign in to approve " + req.label(),
			Client: req.label(), Command: "tollgate mcp authorize-link --account <account id> --mode test"})
		return nil
	}
	acct, err := s.billing.Accounts.GetAccount(r.Context(), who.AccountID)
	if err != nil {
		return err
	}
	key := ""
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 64 {
		key = ck.Value
	} else {
		var b [32]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		key = hex.EncodeToString(b[:])
		s.setCookie(w, csrfCookie, key, RequestTTL)
	}
	sc := s.storedScope(req.Scopes)
	d := pageData{Title: "Allow " + req.label() + " to use Tollgate?", Client: req.label(), ClientHost: hostOf(req.ClientID),
		ClientID: req.ClientID, Redirect: req.RedirectUri, Account: acct.Name, AccountID: acct.ID, Who: who.Who, Write: sc.Write,
		Toolsets: s.describe(sc), Request: req.ID, CSRF: csrfToken(key, req.ID), TestMode: who.Mode == billing.ModeTest,
		LiveMode: who.Mode == billing.ModeLive, AccessTTL: duration(s.opts.AccessTTL), RefreshTTL: duration(s.opts.RefreshTTL)}
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy(formActionFor(req.RedirectUri)))
	s.render(w, http.StatusOK, "consent", d)
	return nil
}

func (r authRequest) label() string {
	if r.ClientName != "" {
		return r.ClientName
	}
	return hostOf(r.ClientID)
}

// hostOf names where a client comes from: the host of its metadata
// document, or "a registered client" for one that registered itself (its
// name is then only what it says).
func hostOf(clientID string) string {
	if u, err := url.Parse(clientID); err == nil && isMetadataDocumentID(clientID) {
		return u.Host
	}
	return "an application that registered itself"
}

func (s *Service) describe(sc Scope) []Toolset {
	if sc.Covers(AllToolsets) {
		return append([]Toolset(nil), s.opts.Toolsets...)
	}
	var out []Toolset
	for _, name := range sc.Toolsets {
		if ts, ok := s.toolsets[name]; ok {
			out = append(out, ts)
		}
	}
	return out
}

func duration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	default:
		return plural(int(d/time.Minute), "minute")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// consentDecision takes the person's answer: a grant and a code back to the
// client, or access_denied.
func (s *Service) consentDecision(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	req, err := s.request(r.Context(), r.PostForm.Get("request"))
	if err != nil {
		return err
	}
	ck, err := r.Cookie(csrfCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(csrfToken(ck.Value, req.ID)), []byte(r.PostForm.Get("csrf"))) != 1 {
		return &pageError{status: http.StatusForbidden, title: "This form has expired",
			message: "The approval form was not sent from this page in this browser. Open the approval page again from your MCP client."}
	}
	who, ok := s.signedIn(r)
	if !ok {
		return &pageError{status: http.StatusUnauthorized, title: "You are signed out",
			message: "Your sign-in has ended (it lasts 15 minutes). Run `tollgate mcp authorize-link` again, open its link, then start connecting again from your MCP client."}
	}
	approve := r.PostForm.Get("decision") == "approve"
	scopes := req.Scopes
	if approve && r.PostForm.Get("access") == "read" {
		sc := s.storedScope(scopes)
		sc.Write = false
		scopes = sc.Strings()
	}
	var code string
	err = billing.WithTx(r.Context(), s.pool, func(tx pgx.Tx) error {
		now := s.now()
		if _, err := queries.DecideRequest(r.Context(), on(tx), dbsqlc.DecideRequestParams{ID: req.ID, Now: now}); err != nil {
			if kernel.ErrorCode(err) == kernel.ENotFound {
				return requestGone("This approval request was answered meanwhile, or has expired. Start connecting again from your MCP client.")
			}
			return err
		}
		if !approve {
			return nil
		}
		grant := kernel.NewID(grantPrefix, now)
		if err := queries.InsertGrant(r.Context(), on(tx), dbsqlc.InsertGrantParams{ID: grant, AccountID: who.AccountID, Mode: string(who.Mode),
			ClientID: req.ClientID, ClientName: req.label(), RedirectUri: req.RedirectUri, Scopes: scopes, Resource: req.Resource, Now: now,
			ExpiresAt: now.Add(CodeTTL)}); err != nil {
			return err
		}
		var h []byte
		code, h = secret(codePrefix)
		return queries.InsertCode(r.Context(), on(tx), dbsqlc.InsertCodeParams{CodeHash: h, GrantID: grant, RedirectUri: req.RedirectUri,
			CodeChallenge: req.CodeChallenge, ExpiresAt: now.Add(CodeTTL)})
	})
	var pe *pageError
	if errors.As(err, &pe) {
		return pe
	}
	if err != nil {
		return err
	}
	params := url.Values{"state": {req.State}, "iss": {s.issuer}}
	if approve {
		params.Set("code", code)
	} else {
		params.Set("error", "access_denied")
		params.Set("error_description", "the person declined")
	}
	http.Redirect(w, r, withParams(req.RedirectUri, params), http.StatusSeeOther)
	return nil
}

// signinPage shows what a sign-in link signs in to, with a button: a link
// is used by a POST, so a preview or a scanner that fetches it does not
// spend it.
func (s *Service) signinPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	st, ok, err := s.peekLink(r.Context(), token)
	if err != nil {
		return err
	}
	if err := linkProblem(st, ok); err != nil {
		return err
	}
	s.render(w, http.StatusOK, "signin", pageData{Title: "Sign in to approve MCP clients", Account: st.accountName, AccountID: st.accountID,
		TestMode: st.mode == billing.ModeTest, LiveMode: st.mode == billing.ModeLive, Token: token, Expires: duration(SessionTTL)})
	return nil
}

func linkProblem(st linkState, ok bool) *pageError {
	switch {
	case !ok:
		return &pageError{status: http.StatusForbidden, title: "This sign-in link is not valid",
			message: "The link was changed or was not made by this server. Run `tollgate mcp authorize-link` again and open the link it prints."}
	case st.used:
		return &pageError{status: http.StatusGone, title: "This sign-in link was already used",
			message: "A sign-in link works once. Run `tollgate mcp authorize-link` again for a new one."}
	case st.expired:
		return &pageError{status: http.StatusGone, title: "This sign-in link has expired",
			message: "Sign-in links work for 10 minutes. Run `tollgate mcp authorize-link` again for a new one."}
	}
	return nil
}

// signin uses a link: the browser gets a session cookie and goes on to the
// approval it was waiting for, if any.
func (s *Service) signin(w http.ResponseWriter, r *http.Request) error {
	if !allow(w, r, s.signins) {
		return &pageError{status: http.StatusTooManyRequests, title: "Too many attempts", message: "Too many sign-in links were opened from your network. Wait a minute and try again."}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	token := r.PostForm.Get("token")
	st, ok, err := s.peekLink(r.Context(), token)
	if err != nil {
		return err
	}
	if err := linkProblem(st, ok); err != nil {
		return err
	}
	session, ok, err := s.useLink(r.Context(), token)
	if err != nil {
		return err
	}
	if !ok {
		return linkProblem(linkState{used: true}, true)
	}
	s.setCookie(w, cookieName, session, SessionTTL)
	if ck, err := r.Cookie(returnCookie); err == nil && len(ck.Value) <= 64 {
		s.setCookie(w, returnCookie, "", -1)
		http.Redirect(w, r, "/oauth/consent?request="+url.QueryEscape(ck.Value), http.StatusSeeOther)
		return nil
	}
	s.render(w, http.StatusOK, "signed_in", pageData{Title: "You are signed in", Account: st.accountName, AccountID: st.accountID,
		TestMode: st.mode == billing.ModeTest, LiveMode: st.mode == billing.ModeLive, Expires: duration(SessionTTL)})
	return nil
}
