package webhooks

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/egress"
	"github.com/tollgatehq/tollgate/kernel"
)

// Endpoints are the platform's, but the requests leave from Tollgate's
// network: in live mode a URL must be https and may not reach loopback,
// private, link-local (cloud metadata) or otherwise internal addresses
// (internal/egress, the one rule). The address is checked when the URL is
// saved and again by the dialer on every connection, after DNS resolution,
// so a name that later resolves elsewhere (DNS rebinding) is refused too.
// Test mode may target loopback, so developers can receive on their
// machine. Redirects are never followed.

// rule is where mode's deliveries may connect: public addresses, and
// loopback in test mode.
func rule(mode billing.Mode) egress.Rule {
	return egress.Rule{AllowLoopback: mode == billing.ModeTest, LoopbackNote: " (allowed in test mode only)"}
}

// newClient returns the HTTP client of mode's deliveries.
func newClient(mode billing.Mode, timeout time.Duration) *http.Client {
	return rule(mode).Client(egress.Limits{Timeout: timeout, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second})
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
		if r := rule(mode).Refusal(ip); r != "" {
			if ip.String() == host {
				return "", kernel.Invalidf("url", "url's host %s is %s; %s-mode webhooks go to public addresses only", host, r, mode)
			}
			return "", kernel.Invalidf("url", "url's host %s resolves to %s, %s; %s-mode webhooks go to public addresses only", host, ip, r, mode)
		}
	}
	return u.String(), nil
}
