package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func testClaims(exp time.Time) claims {
	return claims{Account: "acct_1", Mode: billing.ModeTest, Customer: "cus_a", Return: "https://app.example.com/", Expires: exp.Unix(), Nonce: "n1"}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	k := deriveKeys(testSecret)
	now := time.Unix(1_800_000_000, 0)
	good := sign(k.link, testClaims(now.Add(time.Minute)))
	t.Run("OK", func(t *testing.T) {
		c, p := verify(k.link, good, now)
		if p != tokenOK || c.Customer != "cus_a" || c.Account != "acct_1" {
			t.Fatalf("verify(good) = %+v, %v", c, p)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		c, p := verify(k.link, good, now.Add(time.Minute))
		if p != tokenExpired || c.Return != "https://app.example.com/" {
			t.Fatalf("verify(expired) = %+v, %v; want expired with its return_url", c, p)
		}
	})
	t.Run("ErrTampered", func(t *testing.T) {
		other := sign(k.link, claims{Account: "acct_1", Mode: billing.ModeTest, Customer: "cus_b", Expires: now.Add(time.Minute).Unix(), Nonce: "n"})
		payloadB, _, _ := strings.Cut(other, ".")
		_, sigA, _ := strings.Cut(good, ".")
		for name, tok := range map[string]string{"swapped payload": payloadB + "." + sigA, "no signature": payloadB, "empty": "",
			"cookie key": sign(k.cookie, testClaims(now.Add(time.Minute))), "other secret": sign(deriveKeys([]byte("another secret of at least 32 bytes")).link, testClaims(now.Add(time.Minute)))} {
			if c, p := verify(k.link, tok, now); p != tokenInvalid || c.Customer != "" {
				t.Errorf("verify(%s) = %+v, %v; want invalid and no claims", name, c, p)
			}
		}
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	s := &Server{keys: deriveKeys(testSecret)}
	mine, other := testClaims(time.Now()), testClaims(time.Now())
	other.Nonce = "n2"
	post := func(token string) *http.Request {
		r := httptest.NewRequest("POST", "/portal/top-up", strings.NewReader(url.Values{"csrf_token": {token}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r
	}
	if err := s.checkCSRF(post(s.csrfToken(mine)), mine); err != nil {
		t.Errorf("checkCSRF(own token) = %v", err)
	}
	for name, tok := range map[string]string{"none": "", "other session": s.csrfToken(other), "garbage": "x"} {
		if err := s.checkCSRF(post(tok), mine); err == nil {
			t.Errorf("checkCSRF(%s) = nil, want refused", name)
		}
	}
}

func TestMoney(t *testing.T) {
	t.Parallel()
	as := assets{"USD": {Code: "USD", Symbol: "$", Precision: 2}, "credits": {Code: "credits", Precision: 0}}
	for _, tc := range []struct{ in, code, want string }{
		{"1234567.5", "USD", "$1,234,567.50"}, {"-5", "USD", "−$5.00"}, {"0.004", "USD", "$0.004"},
		{"1500", "credits", "1,500 credits"}, {"0.333333333", "USD", "≈$0.333333"},
	} {
		if got := as.money(rating.MustDecimal(tc.in), tc.code); got != tc.want {
			t.Errorf("money(%s %s) = %q, want %q", tc.in, tc.code, got, tc.want)
		}
	}
}

func TestExchangeLimit(t *testing.T) {
	t.Parallel()
	l := newIPLimiter(60, 3)
	for i := range 3 {
		if !l.allow("192.0.2.1") {
			t.Fatalf("exchange %d refused within the burst", i+1)
		}
	}
	if l.allow("192.0.2.1") {
		t.Error("4th exchange at once allowed, want refused")
	}
	if !l.allow("192.0.2.2") {
		t.Error("another address refused")
	}
}
