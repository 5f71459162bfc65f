// SPDX-License-Identifier: Apache-2.0

package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WebhookTolerance is how far a delivery's webhook-timestamp may be from
// now: older (or newer) deliveries are refused, so a captured one cannot be
// replayed later.
const WebhookTolerance = 5 * time.Minute

// ErrWebhookSignature is returned for a delivery that is not signed by the
// secret, or whose timestamp is outside WebhookTolerance.
var ErrWebhookSignature = errors.New("webhook signature does not verify")

// VerifyWebhook checks a delivery of Tollgate's webhooks (Standard Webhooks:
// the webhook-id, webhook-timestamp and webhook-signature headers) against
// the endpoint's signing secret (whsec_…), on the raw body as received,
// before it is parsed. It accepts the delivery when any signature in the
// header matches (a secret rotation sends two). Drop duplicates by the
// webhook-id: deliveries are at least once.
func VerifyWebhook(secret string, h http.Header, body []byte) error {
	return verifyWebhook(secret, h, body, time.Now())
}

func verifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("webhook-id, webhook-timestamp and webhook-signature headers are required")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return errors.New("the webhook secret is not whsec_ followed by base64")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrWebhookSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return ErrWebhookSignature
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, ok := strings.CutPrefix(s, "v1,")
		if !ok {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(v)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrWebhookSignature
}
