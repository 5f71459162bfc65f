package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tollgatehq/tollgate/internal/egress"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/oauth/internal/dbsqlc"
)

// Client is an OAuth client as Tollgate knows it: registered (its id is
// tgc_…), or known by its metadata document (its id is the document's URL).
type Client struct {
	ID           string
	Kind         string // ClientRegistered or ClientMetadataDocument
	Name         string
	RedirectURIs []string
}

// The kinds of client.
const (
	ClientRegistered       = "registered"
	ClientMetadataDocument = "metadata_document"
)

// Bounds of what a client declares.
const (
	maxRedirectURIs   = 10
	maxURLBytes       = 2048
	maxClientNameRune = 200
	maxRegisterBytes  = 64 << 10
)

// clientMetadata is what a client declares, in a registration request
// (RFC 7591) or its metadata document: the fields Tollgate reads; others
// are ignored, as RFC 7591 asks.
type clientMetadata struct {
	ClientID                string   `json:"client_id,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	SoftwareID              string   `json:"software_id,omitempty"`
	SoftwareVersion         string   `json:"software_version,omitempty"`
}

// check validates what a client declares; the error says what is wrong
// (RFC 7591's invalid_redirect_uri or invalid_client_metadata).
func (m *clientMetadata) check() *protocolError {
	if len(m.RedirectURIs) == 0 {
		return &protocolError{code: "invalid_redirect_uri", description: "redirect_uris is required: the URLs the browser returns to with the code"}
	}
	if len(m.RedirectURIs) > maxRedirectURIs {
		return &protocolError{code: "invalid_redirect_uri", description: fmt.Sprintf("redirect_uris has %d URLs; at most %d", len(m.RedirectURIs), maxRedirectURIs)}
	}
	for _, u := range m.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return &protocolError{code: "invalid_redirect_uri", description: err.Error()}
		}
	}
	m.ClientName = strings.TrimSpace(m.ClientName)
	if utf8.RuneCountInString(m.ClientName) > maxClientNameRune || strings.ContainsFunc(m.ClientName, func(r rune) bool { return r < 0x20 }) {
		return &protocolError{code: "invalid_client_metadata", description: fmt.Sprintf("client_name must be at most %d characters of text", maxClientNameRune)}
	}
	switch m.TokenEndpointAuthMethod {
	case "", "none":
	default:
		return &protocolError{code: "invalid_client_metadata", description: fmt.Sprintf("token_endpoint_auth_method %q is not supported: Tollgate's clients are public clients (\"none\") that prove themselves with PKCE", m.TokenEndpointAuthMethod)}
	}
	if len(m.GrantTypes) > 0 && !slices.Contains(m.GrantTypes, "authorization_code") {
		return &protocolError{code: "invalid_client_metadata", description: "grant_types must include authorization_code, the only grant a client starts with"}
	}
	for _, g := range m.GrantTypes {
		if g != "authorization_code" && g != "refresh_token" {
			return &protocolError{code: "invalid_client_metadata", description: fmt.Sprintf("grant_type %q is not supported; use authorization_code and refresh_token", g)}
		}
	}
	for _, rt := range m.ResponseTypes {
		if rt != "code" {
			return &protocolError{code: "invalid_client_metadata", description: fmt.Sprintf("response_type %q is not supported; use code", rt)}
		}
	}
	return nil
}

// checkRedirectURI checks a redirect URI a client declares: https
// anywhere; http only on a loopback host (a native client's listener,
// RFC 8252 §7.3); or a private-use scheme of a native app (RFC 8252 §7.1,
// such as cursor://…), never one a browser would run or read from.
func checkRedirectURI(raw string) error {
	if len(raw) > maxURLBytes {
		return fmt.Errorf("a redirect URI is %d bytes long; at most %d", len(raw), maxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("redirect URI %q is not an absolute URL", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("redirect URI %q has a #fragment; OAuth forbids one", raw)
	}
	if u.User != nil {
		return fmt.Errorf("redirect URI %q holds a user name or password", raw)
	}
	switch scheme := strings.ToLower(u.Scheme); scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("redirect URI %q has no host", raw)
		}
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return fmt.Errorf("redirect URI %q uses http on a host that is not loopback: use https, or http://127.0.0.1:<port>/… for a native app", raw)
		}
	case "javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "ftp", "ws", "wss", "mailto", "tel":
		return fmt.Errorf("redirect URI %q uses the scheme %s:, which a client cannot receive a code on", raw, scheme)
	}
	return nil
}

// redirectMatches reports whether the redirect URI of a request is one the
// client declared: the same string, except that the port of a loopback
// http redirect may differ (RFC 8252 §7.3: a native app listens on a port
// the system gives it).
func redirectMatches(declared []string, given string) bool {
	if slices.Contains(declared, given) {
		return true
	}
	g, err := url.Parse(given)
	if err != nil || g.Scheme != "http" || !isLoopbackHost(g.Hostname()) {
		return false
	}
	for _, d := range declared {
		u, err := url.Parse(d)
		if err == nil && u.Scheme == "http" && u.Hostname() == g.Hostname() && u.EscapedPath() == g.EscapedPath() &&
			u.RawQuery == g.RawQuery && u.User == nil && g.User == nil && g.Fragment == "" {
			return true
		}
	}
	return false
}

// register stores a client registered through /oauth/register.
func (s *Service) register(ctx context.Context, m clientMetadata) (Client, *protocolError, error) {
	if perr := m.check(); perr != nil {
		return Client{}, perr, nil
	}
	now := s.now()
	c := Client{ID: kernel.NewID(registeredClientPrefix, now), Kind: ClientRegistered, Name: m.ClientName, RedirectURIs: m.RedirectURIs}
	doc, err := json.Marshal(m)
	if err != nil {
		return Client{}, nil, err
	}
	err = queries.InsertClient(ctx, on(s.pool), dbsqlc.InsertClientParams{ID: c.ID, Name: c.Name, RedirectUris: c.RedirectURIs, Metadata: doc, Now: now})
	return c, nil, err
}

// isMetadataDocumentID reports whether a client_id is a URL, the id of a
// client known by its metadata document.
func isMetadataDocumentID(id string) bool {
	return strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")
}

// client returns the client of an authorization request: a registered one
// from the database, or one known by its metadata document, fetched now.
// The error says what is wrong with the client_id; it is shown to the
// person, never sent to a redirect URI that is not yet trusted.
func (s *Service) client(ctx context.Context, id string) (Client, error) {
	if id == "" {
		return Client{}, problemf("the request has no client_id")
	}
	if len(id) > maxURLBytes {
		return Client{}, problemf("the client_id is %d bytes long; at most %d", len(id), maxURLBytes)
	}
	if isMetadataDocumentID(id) {
		return s.fetchClient(ctx, id)
	}
	r, err := queries.GetClient(ctx, on(s.pool), id)
	if kernel.ErrorCode(err) == kernel.ENotFound || (err == nil && r.Kind != ClientRegistered) {
		return Client{}, problemf("no client is registered with the client_id %q: register it at /oauth/register, or use the URL of its metadata document as client_id", id)
	}
	if err != nil {
		return Client{}, err
	}
	return Client{ID: r.ID, Kind: r.Kind, Name: r.Name, RedirectURIs: r.RedirectUris}, nil
}

// checkDocumentURL checks a client_id that is the URL of a metadata
// document: https with a path (http only on loopback, with
// Options.AllowLoopbackClients), no fragment, user or dot segments.
func (s *Service) checkDocumentURL(id string) (*url.URL, error) {
	u, err := url.Parse(id)
	if err != nil || u.Host == "" {
		return nil, problemf("the client_id %q is not a URL", id)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && s.opts.AllowLoopbackClients && isLoopbackHost(u.Hostname()):
	default:
		return nil, problemf("the client_id %q must be an https URL: the address of the client's metadata document", id)
	}
	if u.Path == "" || u.Path == "/" || u.Fragment != "" || u.User != nil || strings.Contains(u.Path, "/./") || strings.Contains(u.Path, "/../") {
		return nil, problemf("the client_id %q must be an https URL with a path and no fragment, user, or . or .. segments", id)
	}
	return u, nil
}

// fetchClient fetches a client's metadata document, checks it, and stores
// it (so its grants can name the client).
func (s *Service) fetchClient(ctx context.Context, id string) (Client, error) {
	u, err := s.checkDocumentURL(id)
	if err != nil {
		return Client{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Client{}, problemf("the client_id %q is not a URL Tollgate can fetch", id)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.fetcher.Do(req)
	if err != nil {
		var refused *egress.RefusedError
		if errors.As(err, &refused) {
			return Client{}, problemf("the client's metadata document at %s cannot be fetched: its host is %s", id, refused.Reason)
		}
		return Client{}, problemf("the client's metadata document at %s cannot be fetched: %s", id, safeFetchError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Client{}, problemf("the client's metadata document at %s answered %d, not 200 (redirects are not followed)", id, resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return Client{}, problemf("the client's metadata document at %s is %s, not application/json", id, mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return Client{}, problemf("the client's metadata document at %s could not be read: %s", id, safeFetchError(err))
	}
	if len(body) > maxDocumentBytes {
		return Client{}, problemf("the client's metadata document at %s is over %d KB", id, maxDocumentBytes>>10)
	}
	var m clientMetadata
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return Client{}, problemf("the client's metadata document at %s is not a JSON object of client metadata", id)
	}
	if m.ClientID != id {
		return Client{}, problemf("the client's metadata document at %s names the client_id %q; it must name its own URL", id, m.ClientID)
	}
	if perr := m.check(); perr != nil {
		return Client{}, problemf("the client's metadata document at %s: %s", id, perr.description)
	}
	c := Client{ID: id, Kind: ClientMetadataDocument, Name: m.ClientName, RedirectURIs: m.RedirectURIs}
	doc, err := json.Marshal(m) // what was read, not the bytes: they may hold more than one JSON value
	if err != nil {
		return Client{}, err
	}
	err = queries.UpsertMetadataClient(ctx, on(s.pool), dbsqlc.UpsertMetadataClientParams{ID: id, Name: c.Name, RedirectUris: c.RedirectURIs, Metadata: doc, Now: s.now()})
	return c, err
}

// clientProblem is what is wrong with the client of a request: shown to
// the person on a page, never sent to the client's redirect URI.
type clientProblem struct{ msg string }

func (e *clientProblem) Error() string { return e.msg }

func problemf(format string, args ...any) error {
	return &clientProblem{msg: fmt.Sprintf(format, args...)}
}

// safeFetchError keeps the reason of a fetch error without the URL Go
// repeats in it (already in the message around it).
func safeFetchError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
		return fmt.Sprintf("no answer within %s", fetchTimeout)
	}
	return err.Error()
}
