package oauth

import (
	"net/http"
	"time"

	"github.com/tollgatehq/tollgate/internal/egress"
)

// A client_id metadata document is fetched from Tollgate's network at a URL
// anyone may name, so the fetch is guarded as webhook deliveries are: the
// dialer checks every address it connects to, after DNS resolution (a name
// that resolves to an internal address is refused too), no proxy connects
// for it and no redirect is followed. Loopback is refused unless
// Options.AllowLoopbackClients; private, link-local (cloud metadata) and
// non-unicast addresses always.
// The rule is internal/egress's, which webhook deliveries follow too.

// Bounds of a metadata document fetch.
const (
	fetchTimeout     = 5 * time.Second
	maxDocumentBytes = 64 << 10
)

// rule is where a metadata document may be fetched from.
func rule(allowLoopback bool) egress.Rule { return egress.Rule{AllowLoopback: allowLoopback} }

func newFetcher(allowLoopback bool) *http.Client {
	return rule(allowLoopback).Client(egress.Limits{Timeout: fetchTimeout, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second})
}
