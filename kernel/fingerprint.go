package kernel

import (
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"
)

// Fingerprint returns the request hash of an idempotent operation: the
// SHA-256 of its payload's parts, the same for a retry that sends the same
// payload and different for any other payload. Every idempotency check of
// Tollgate (usage events, authorizations, adjustments, top-ups, test clocks,
// webhook endpoints, the REST API's Idempotency-Key) hashes here.
//
// The parts are written with sep between them: the form of the hashes that
// were stored before this function existed, so a request sent before an
// upgrade and retried after it is still the same request. That form is kept
// only while it reads back one way: no part holds a NUL byte, the first is
// not empty, and each part either holds no sep and starts with neither '"'
// nor '{', or carries its own delimiters (a string written by strconv.Quote,
// such as an adjustment's reason; a JSON object, such as an event's data),
// which may hold sep. Any other list of parts (one that could be read as
// another, as a top-up's success URL holding a "|" once could) is written as
// a NUL byte, "v2" and each part quoted: no list of the first form starts
// with a NUL byte, and no two lists share either form. Callers pass '|',
// '\n' (a REST request) or NUL (a webhook endpoint) as sep, each the
// separator its stored hashes have always had.
func Fingerprint(sep byte, parts ...string) []byte {
	var b []byte
	if plain(sep, parts) {
		b = []byte(strings.Join(parts, string(sep)))
	} else {
		b = append(b, 0, 'v', '2')
		for _, p := range parts {
			b = strconv.AppendQuote(b, p)
		}
	}
	h := sha256.Sum256(b)
	return h[:]
}

// plain reports whether parts joined by sep read back as these parts alone.
func plain(sep byte, parts []string) bool {
	if len(parts) == 0 || parts[0] == "" {
		return false
	}
	for _, p := range parts {
		switch {
		case strings.IndexByte(p, 0) >= 0:
			return false
		case strings.HasPrefix(p, `"`):
			if q, err := strconv.Unquote(p); err != nil || strconv.Quote(q) != p {
				return false
			}
		case strings.HasPrefix(p, "{"):
			if !strings.HasSuffix(p, "}") || !json.Valid([]byte(p)) {
				return false
			}
		case strings.IndexByte(p, sep) >= 0:
			return false
		}
	}
	return true
}
