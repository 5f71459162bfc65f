package webhooks

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// Endpoints are the platform's, but the requests leave from Tollgate's
// network: in live mode a URL must be https and may not reach loopback,
// private, link-local (cloud metadata) or otherwise internal addresses. The
// address is checked when the URL is saved and again by the dialer on
// every connection, after DNS resolution, so a name that later resolves
// elsewhere (DNS rebinding) is refused too. Test mode may target loopback,
// so developers can receive on their machine. Redirects are never followed.

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	metadata4 = netip.MustParseAddr("169.254.169.254")
)

// refusal says why ip may not be the target of mode's webhooks, or "".
func refusal(ip netip.Addr, mode billing.Mode) string {
	ip = ip.Unmap()
	switch {
	case ip == metadata4:
		return "the cloud metadata address"
	case ip.IsLoopback():
		if mode == billing.ModeTest {
			return ""
		}
		return "a loopback address (allowed in test mode only)"
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

// newClient returns the HTTP client of mode's deliveries.
func newClient(mode billing.Mode, timeout time.Duration) *http.Client {
	d := &net.Dialer{
		Timeout: 10 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return &RefusedError{Addr: address, Reason: "not an IP address"}
			}
			if r := refusal(ip, mode); r != "" {
				return &RefusedError{Addr: host, Reason: r}
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would connect for us, past the check
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// MaxURLBytes bounds an endpoint's URL: 2048 bytes, the longest URL every
// browser, proxy and CDN is known to pass on (the old Internet Explorer and
// sitemaps limit; RFC 9110 asks for at least 8000 but common servers refuse
// far shorter request lines), far beyond what a webhook receiver needs.
const MaxURLBytes = 2048

// checkURL checks an endpoint's URL for mode when it is saved: its form,
// and every address its host resolves to now (the dialer checks again at
// connect time). Returns EInvalid.
func checkURL(ctx context.Context, raw string, mode billing.Mode) (string, error) {
	if len(raw) > MaxURLBytes {
		return "", kernel.Invalidf("url", "url is %d bytes long; a webhook URL has at most %d: use a shorter path, and keep what identifies the sender out of the query (every request is signed)", len(raw), MaxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !u.IsAbs() {
		return "", kernel.Invalidf("url", "url %q is not an absolute http(s) URL", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && mode == billing.ModeTest:
	case u.Scheme == "http":
		return "", kernel.Invalidf("url", "live-mode endpoints must use https; %q uses http", raw)
	default:
		return "", kernel.Invalidf("url", "url must start with https:// (or http:// in test mode); got scheme %q", u.Scheme)
	}
	if u.User != nil {
		return "", kernel.Invalidf("url", "url must not carry a user name or password: the secret signs every request instead")
	}
	if u.Fragment != "" {
		return "", kernel.Invalidf("url", "url must not have a #fragment")
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		addrs, err = net.DefaultResolver.LookupNetIP(rctx, "ip", host)
		if err != nil || len(addrs) == 0 {
			return "", kernel.Invalidf("url", "the host %s of url does not resolve; use a host name that resolves publicly", host)
		}
	}
	for _, ip := range addrs {
		if r := refusal(ip, mode); r != "" {
			if ip.String() == host {
				return "", kernel.Invalidf("url", "url's host %s is %s; %s-mode webhooks go to public addresses only", host, r, mode)
			}
			return "", kernel.Invalidf("url", "url's host %s resolves to %s, %s; %s-mode webhooks go to public addresses only", host, ip, r, mode)
		}
	}
	return u.String(), nil
}
