// SPDX-License-Identifier: Apache-2.0

// Package egress guards the requests Tollgate makes to URLs that others name
// (webhook endpoints, OAuth client metadata documents): they leave from
// Tollgate's network, so they may not reach loopback (unless allowed),
// private, link-local (cloud metadata) or otherwise internal addresses. The
// dialer checks every address it connects to, after DNS resolution, so a name
// that later resolves elsewhere (DNS rebinding) is refused too; no proxy
// connects for the client and no redirect is followed.
package egress

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	metadata4 = netip.MustParseAddr("169.254.169.254")
)

// Rule says which addresses a client may reach: public unicast ones, and
// loopback when AllowLoopback. LoopbackNote is added to the reason a
// loopback address is refused (such as " (allowed in test mode only)").
type Rule struct {
	AllowLoopback bool
	LoopbackNote  string
}

// Refusal says why ip may not be reached under r, or "" when it may.
func (r Rule) Refusal(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip == metadata4:
		return "the cloud metadata address"
	case ip.IsLoopback():
		if r.AllowLoopback {
			return ""
		}
		return "a loopback address" + r.LoopbackNote
	case ip.IsPrivate(), cgnat.Contains(ip):
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified(), thisNet.Contains(ip), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "not a public unicast address"
	}
	return ""
}

// RefusedError is a connection the dialer refused.
type RefusedError struct {
	Addr   string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %s", e.Addr, e.Reason)
}

// Limits bound a client's requests.
type Limits struct {
	// Timeout bounds a whole request; the dial and the TLS handshake get
	// at most 10 s of it.
	Timeout             time.Duration
	MaxIdleConnsPerHost int
	IdleConnTimeout     time.Duration
}

// Client returns an HTTP client that connects only where r allows, through
// no proxy (a proxy would connect for it, past the check), and follows no
// redirect (the first answer is returned as it is).
func (r Rule) Client(l Limits) *http.Client {
	connect := min(l.Timeout, 10*time.Second)
	d := &net.Dialer{
		Timeout: connect,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return &RefusedError{Addr: address, Reason: "not an IP address"}
			}
			if why := r.Refusal(ip); why != "" {
				return &RefusedError{Addr: host, Reason: why}
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: l.Timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   connect,
			ResponseHeaderTimeout: l.Timeout,
			MaxIdleConnsPerHost:   l.MaxIdleConnsPerHost,
			IdleConnTimeout:       l.IdleConnTimeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
