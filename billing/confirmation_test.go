package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// TestConfirmationRule: refunds, gifts and corrections ask above their
// asset's threshold (0 by default), the other moves always ask, and an
// automation key is never asked.
func TestConfirmationRule(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	required := func(ctx context.Context, m billing.Move) bool {
		t.Helper()
		ok, err := e.svc.Confirmations.Required(ctx, m)
		if err != nil {
			t.Fatalf("Required(%+v) = %v", m, err)
		}
		return ok
	}
	for _, tc := range []struct {
		move billing.Move
		want bool
	}{
		{billing.Move{Kind: billing.MoveRefund, Asset: "USD", Amount: dec("0.01")}, true},
		{billing.Move{Kind: billing.MoveGift, Asset: "EUR", Amount: dec("1")}, true},
		{billing.Move{Kind: billing.MoveCancelNow}, true},
		{billing.Move{Kind: billing.MoveRevokeKey}, true},
		{billing.Move{Kind: billing.MoveDisableAutoTopUp, Asset: "USD"}, true},
	} {
		if got := required(e.ctx, tc.move); got != tc.want {
			t.Errorf("Required(%+v) with no threshold = %v, want %v", tc.move, got, tc.want)
		}
	}
	if _, err := e.svc.Confirmations.SetThreshold(e.ctx, "USD", dec("50.00")); err != nil {
		t.Fatal(err)
	}
	for amount, want := range map[string]bool{"50.00": false, "49.99": false, "50.01": true, "-50.01": true, "-20": false} {
		if got := required(e.ctx, billing.Move{Kind: billing.MoveCorrection, Asset: "USD", Amount: dec(amount)}); got != want {
			t.Errorf("Required(correction of %s USD) above 50 = %v, want %v", amount, got, want)
		}
	}
	if !required(e.ctx, billing.Move{Kind: billing.MoveGift, Asset: "EUR", Amount: dec("1")}) {
		t.Errorf("a USD threshold let a EUR gift through")
	}
	live := billing.WithCaller(context.Background(), billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
	if !required(live, billing.Move{Kind: billing.MoveRefund, Asset: "USD", Amount: dec("1")}) {
		t.Errorf("the test-mode threshold applied in live mode")
	}
	if ts, err := e.svc.Confirmations.Thresholds(e.ctx); err != nil || len(ts) != 1 || ts[0].Asset != "USD" || !ts[0].Above.Equal(dec("50")) {
		t.Errorf("Thresholds = %+v, %v; want USD 50", ts, err)
	}

	t.Run("ErrThreshold", func(t *testing.T) {
		_, err := e.svc.Confirmations.SetThreshold(e.ctx, "USD", dec("0.001"))
		wantCode(t, "SetThreshold(0.001 USD)", err, kernel.EInvalid)
		_, err = e.svc.Confirmations.SetThreshold(e.ctx, "USD", dec("-1"))
		wantCode(t, "SetThreshold(-1)", err, kernel.EInvalid)
		_, err = e.svc.Confirmations.SetThreshold(e.ctx, "nope", dec("1"))
		wantCode(t, "SetThreshold(unknown asset)", err, kernel.ENotFound)
	})

	t.Run("AutomationKey", func(t *testing.T) {
		k, secret, err := e.svc.Accounts.CreateAPIKey(context.Background(), e.acct.ID, billing.ModeTest, "backend")
		if err != nil {
			t.Fatal(err)
		}
		c, err := e.svc.Accounts.Authenticate(context.Background(), secret)
		if err != nil {
			t.Fatal(err)
		}
		ctx := billing.WithCaller(context.Background(), c)
		move := billing.Move{Kind: billing.MoveRefund, Asset: "USD", Amount: dec("1000")}
		if !required(ctx, move) {
			t.Errorf("a new key's refund of 1000 is not asked")
		}
		if _, err := e.svc.Confirmations.ExemptKey(context.Background(), k.Prefix, true); err != nil {
			t.Fatal(err)
		}
		if required(ctx, move) || required(ctx, billing.Move{Kind: billing.MoveCancelNow}) {
			t.Errorf("an automation key is asked")
		}
		if keys, err := e.svc.Confirmations.ExemptKeys(context.Background(), e.acct.ID); err != nil || len(keys) != 1 || keys[0].ID != k.ID {
			t.Errorf("ExemptKeys = %+v, %v; want the key", keys, err)
		}
		if _, err := e.svc.Confirmations.ExemptKey(context.Background(), k.ID, false); err != nil {
			t.Fatal(err)
		}
		if !required(ctx, move) {
			t.Errorf("a key no longer exempt is not asked")
		}
		_, err = e.svc.Confirmations.ExemptKey(context.Background(), "tg_test_nope", true)
		wantCode(t, "ExemptKey(unknown)", err, kernel.ENotFound)
	})
}

// TestConfirmationTokens: a token confirms one call, once, for the account,
// mode, tool and arguments it was issued for, until it expires.
func TestConfirmationTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.svc.Confirmations
	issue := func(ctx context.Context, tool, fp string) string {
		t.Helper()
		tok, exp, err := c.Issue(ctx, tool, fp, 10*time.Minute)
		if err != nil || !strings.HasPrefix(tok, billing.ConfirmationTokenPrefix) || !exp.Equal(e.clock.Now().UTC().Add(10*time.Minute).Truncate(time.Microsecond)) {
			t.Fatalf("Issue = %q, %v, %v", tok, exp, err)
		}
		return tok
	}
	refused := func(what string, err error, says string) {
		t.Helper()
		wantCode(t, what, err, kernel.EConflict)
		if !strings.Contains(kernel.ErrorMessage(err), says) {
			t.Errorf("%s = %v, want it to say %q", what, err, says)
		}
	}

	tok := issue(e.ctx, "refund_top_up", "fp-20")
	refused("Redeem(other arguments)", c.Redeem(e.ctx, tok, "refund_top_up", "fp-25"), "other arguments")
	refused("Redeem(other tool)", c.Redeem(e.ctx, tok, "create_adjustment", "fp-20"), "issued for refund_top_up")
	live := billing.WithCaller(context.Background(), billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})
	refused("Redeem(other mode)", c.Redeem(live, tok, "refund_top_up", "fp-20"), "unknown")
	if err := c.Redeem(e.ctx, tok, "refund_top_up", "fp-20"); err != nil {
		t.Fatalf("Redeem after refusals = %v, want it redeemed (a refusal uses nothing up)", err)
	}
	refused("Redeem(again)", c.Redeem(e.ctx, tok, "refund_top_up", "fp-20"), "already used")
	refused("Redeem(unknown)", c.Redeem(e.ctx, "ctok_nope", "refund_top_up", "fp-20"), "unknown")

	old := issue(e.ctx, "cancel_subscription", "fp")
	e.clock.Advance(10*time.Minute + time.Second)
	refused("Redeem(expired)", c.Redeem(e.ctx, old, "cancel_subscription", "fp"), "expired")
	issue(e.ctx, "cancel_subscription", "fp") // deletes the expired one
	refused("Redeem(expired, deleted)", c.Redeem(e.ctx, old, "cancel_subscription", "fp"), "unknown")

	if _, _, err := c.Issue(e.ctx, "x", "fp", 2*time.Hour); kernel.ErrorCode(err) != kernel.EInvalid {
		t.Errorf("Issue(ttl 2h) = %v, want EInvalid", err)
	}
}
