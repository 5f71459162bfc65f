package client_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/client"
	"github.com/tollgatehq/tollgate/webhooks"
)

// VerifyWebhook accepts what the server's signer (webhooks.Sign) signs, and
// nothing else.
func TestGoClientVerifyWebhook(t *testing.T) {
	t.Parallel()
	secret, _ := webhooks.NewSecret()
	old, _ := webhooks.NewSecret()
	body := []byte(`{"id": "evt_1", "type": "balance.depleted", "data": {}}`)
	signed := func(secrets []string, ts time.Time) http.Header {
		sig, err := webhooks.Sign(secrets, "msg_1", ts, body)
		if err != nil {
			t.Fatal(err)
		}
		return http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {strconv.FormatInt(ts.Unix(), 10)}, "Webhook-Signature": {sig}}
	}
	if err := client.VerifyWebhook(secret, signed([]string{secret}, time.Now()), body); err != nil {
		t.Errorf("VerifyWebhook(signed) = %v", err)
	}
	if err := client.VerifyWebhook(secret, signed([]string{old, secret}, time.Now()), body); err != nil {
		t.Errorf("VerifyWebhook(during a rotation) = %v", err)
	}
	for name, tc := range map[string]struct {
		h    http.Header
		body []byte
	}{
		"ErrOtherSecret": {signed([]string{old}, time.Now()), body},
		"ErrTampered":    {signed([]string{secret}, time.Now()), []byte(`{"id": "evt_2"}`)},
		"ErrStale":       {signed([]string{secret}, time.Now().Add(-time.Hour)), body},
	} {
		if err := client.VerifyWebhook(secret, tc.h, tc.body); !errors.Is(err, client.ErrWebhookSignature) {
			t.Errorf("%s: VerifyWebhook = %v, want ErrWebhookSignature", name, err)
		}
	}
	if err := client.VerifyWebhook(secret, http.Header{}, body); err == nil {
		t.Error("VerifyWebhook without headers = nil")
	}
}
