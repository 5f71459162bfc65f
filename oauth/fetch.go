package oauth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// A client_id metadata document is fetched from Tollgate's network at a URL
// anyone may name, so the fetch is guarded as webhook deliveries are: the
// dialer checks every address it connects to, after DNS resolution (a name
// that resolves to an internal address is refused too), no proxy connects
// for it and no redirect is followed. Loopback is refused unless
// Options.AllowLoopbackClients; private, link-local (cloud metadata) and
// non-unicast addresses always.
//
// The same rule is in webhooks/dial.go (which also allows loopback in test
// mode); both should move to one package when a third user appears.

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	metadata4 = netip.MustParseAddr("169.254.169.254")
)

// Bounds of a metadata document fetch.
const (
	fetchTimeout     = 5 * time.Second
	maxDocumentBytes = 64 << 10
)

// refusal says why a metadata document may not be fetched from ip, or "".
func refusal(ip netip.Addr, allowLoopback bool) string {
	ip = ip.Unmap()
	switch {
	case ip == metadata4:
		return "the cloud metadata address"
	case ip.IsLoopback():
		if allowLoopback {
			return ""
		}
		return "a loopback address"
	case ip.IsPrivate(), cgnat.Contains(ip):
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified(), thisNet.Contains(ip), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "not a public unicast address"
	}
	return ""
}

// refusedError is a connection the dialer refused.
type refusedError struct{ addr, reason string }

func (e *refusedError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %s", e.addr, e.reason)
}

func newFetcher(allowLoopback bool) *http.Client {
	d := &net.Dialer{
		Timeout: fetchTimeout,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return &refusedError{addr: address, reason: "not an IP address"}
			}
			if r := refusal(ip, allowLoopback); r != "" {
				return &refusedError{addr: host, reason: r}
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: fetchTimeout,
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would connect for us, past the check
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   fetchTimeout,
			ResponseHeaderTimeout: fetchTimeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
