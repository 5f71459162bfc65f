package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgatehq/tollgate/kernel"
)

// formLimit bounds the form of the token and revocation endpoints.
const formLimit = 16 << 10

// registerClient is dynamic client registration (RFC 7591), for clients
// without a metadata document. Every client is public
// (token_endpoint_auth_method none) and proves itself with PKCE.
func (s *Service) registerClient(w http.ResponseWriter, r *http.Request) error {
	if !allow(w, r, s.registrations) {
		return &protocolError{status: http.StatusTooManyRequests, code: "invalid_request", description: "too many registrations from this address; retry in a minute"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRegisterBytes))
	if err != nil {
		return &protocolError{code: "invalid_client_metadata", description: "the body must be a JSON object of client metadata, at most 64 KB"}
	}
	var m clientMetadata
	if err := json.Unmarshal(body, &m); err != nil {
		return &protocolError{code: "invalid_client_metadata", description: "the body must be a JSON object of client metadata (RFC 7591): " + jsonProblem(err)}
	}
	m.ClientID = ""
	c, perr, err := s.register(r.Context(), m)
	if perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        s.now().Unix(),
		"client_name":                c.Name,
		"redirect_uris":              c.RedirectURIs,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
	})
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field + " has the wrong type"
	}
	return "it is not valid JSON"
}

// token is the token endpoint: authorization_code (with its PKCE verifier)
// and refresh_token. A public client names itself with client_id in the
// form, or as the user of HTTP Basic with an empty password (what a client
// that tries Basic first sends).
func (s *Service) token(w http.ResponseWriter, r *http.Request) error {
	if !allow(w, r, s.tokens) {
		return &protocolError{status: http.StatusTooManyRequests, code: "invalid_request", description: "too many token requests from this address; retry in a moment"}
	}
	form, perr := readForm(w, r)
	if perr != nil {
		return perr
	}
	clientID, perr := clientOf(r, form)
	if perr != nil {
		return perr
	}
	var pair tokenPair
	var err error
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		if form.Get("code") == "" || form.Get("code_verifier") == "" {
			return &protocolError{code: "invalid_request", description: "authorization_code needs code, code_verifier (PKCE) and redirect_uri"}
		}
		pair, perr, err = s.exchangeCode(r.Context(), clientID, form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier"), form.Get("resource"))
	case "refresh_token":
		if form.Get("refresh_token") == "" {
			return &protocolError{code: "invalid_request", description: "refresh_token needs the refresh_token"}
		}
		pair, perr, err = s.refresh(r.Context(), clientID, form.Get("refresh_token"), form.Get("resource"), form.Get("scope"))
	case "":
		return &protocolError{code: "invalid_request", description: "grant_type is required: authorization_code or refresh_token"}
	default:
		return &protocolError{code: "unsupported_grant_type", description: "grant_type " + gt + " is not supported; use authorization_code or refresh_token"}
	}
	if perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	s.prune(r.Context())
	w.Header().Set("Pragma", "no-cache")
	return writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  pair.access,
		"token_type":    "Bearer",
		"expires_in":    int(pair.expiresIn.Seconds()),
		"refresh_token": pair.refresh,
		"scope":         pair.scope,
	})
}

// revoke is token revocation (RFC 7009): an access or refresh token of the
// client ends its whole grant. An unknown token is not an error.
func (s *Service) revoke(w http.ResponseWriter, r *http.Request) error {
	if !allow(w, r, s.tokens) {
		return &protocolError{status: http.StatusTooManyRequests, code: "invalid_request", description: "too many requests from this address; retry in a moment"}
	}
	form, perr := readForm(w, r)
	if perr != nil {
		return perr
	}
	clientID, perr := clientOf(r, form)
	if perr != nil {
		return perr
	}
	token := form.Get("token")
	if token == "" || len(token) > 128 {
		return &protocolError{code: "invalid_request", description: "token is required: the access or refresh token to revoke"}
	}
	g, err := queries.GrantOfToken(r.Context(), on(s.pool), hash(token))
	switch {
	case kernel.ErrorCode(err) == kernel.ENotFound:
	case err != nil:
		return err
	case g.ClientID != clientID:
		return &protocolError{status: http.StatusUnauthorized, code: "invalid_client", description: "the token was issued to another client_id"}
	default:
		if _, err := s.RevokeAnyGrant(r.Context(), g.GrantID); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *protocolError) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return nil, &protocolError{code: "invalid_request", description: "the body must be application/x-www-form-urlencoded"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil {
		return nil, &protocolError{code: "invalid_request", description: "the form could not be read (at most 16 KB)"}
	}
	for k, vs := range r.PostForm {
		if len(vs) > 1 {
			return nil, &protocolError{code: "invalid_request", description: k + " is given more than once"}
		}
	}
	return r.PostForm, nil
}

// clientOf names the public client of a token request.
func clientOf(r *http.Request, form url.Values) (string, *protocolError) {
	id := form.Get("client_id")
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, cred, _ := strings.Cut(auth, " ")
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		user, pass, ok := strings.Cut(string(raw), ":")
		if !strings.EqualFold(scheme, "Basic") || err != nil || !ok {
			return "", &protocolError{status: http.StatusUnauthorized, code: "invalid_client", description: "Authorization must be HTTP Basic with the client_id and an empty password, or absent"}
		}
		if pass != "" {
			return "", &protocolError{status: http.StatusUnauthorized, code: "invalid_client", description: "this server issues no client secrets: its clients are public and use PKCE"}
		}
		if u, err := url.QueryUnescape(user); err == nil {
			user = u
		}
		if id != "" && id != user {
			return "", &protocolError{status: http.StatusUnauthorized, code: "invalid_client", description: "client_id differs between the form and Authorization"}
		}
		id = user
	}
	if id == "" || len(id) > maxURLBytes {
		return "", &protocolError{status: http.StatusUnauthorized, code: "invalid_client", description: "client_id is required"}
	}
	return id, nil
}
