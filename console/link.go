package console

import (
	"net/url"
	"strings"
)

// SignInURL is the address of a sign-in link (an invitation is one): base
// is the server's public URL, token the link's secret.
func SignInURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/console/link?token=" + url.QueryEscape(token)
}
