package billing_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/kernel"
)

func TestAdjustmentRejectsExcessPrecision(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "t1", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10.005")})
	wantCode(t, "top_up 10.005 USD", err, kernel.EInvalid)
	if !strings.Contains(err.Error(), "whole units of 2 decimal places") {
		t.Errorf("error %q does not name the precision", err)
	}
	if b := e.balance(t, "u1", "USD"); !b.Total.IsZero() {
		t.Errorf("rejected top-up changed the balance to %s", b.Total)
	}
	// A gift is not money paid in: it is kept exact below the cent.
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("10.005")})
	if b := e.balance(t, "u1", "USD"); !b.Total.Equal(dec("10.005")) {
		t.Errorf("gift of 10.005 USD: balance %s, want 10.005", b.Total)
	}
}

func TestBurnOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	in30 := t0.Add(30 * 24 * time.Hour)
	in10 := t0.Add(10 * 24 * time.Hour)
	paidOld := e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "paid-old"})
	e.clock.Advance(time.Second)
	promo := e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "promo-no-expiry"})
	promo30 := e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("5"), ExpiresAt: &in30, Reason: "promo-30d"})
	paid10 := e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5"), ExpiresAt: &in10, Reason: "paid-10d"})
	prio := e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("5"), Priority: -1, Reason: "paid-priority"})
	// Expected order: priority -1 first; then soonest expiry (paid 10d, promo 30d);
	// then no expiry: promotion before paid.
	want := []string{prio.LotID, paid10.LotID, promo30.LotID, promo.LotID, paidOld.LotID}
	b := e.balance(t, "u1", "USD")
	var got []string
	for _, l := range b.Lots {
		got = append(got, l.ID)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("lots in burn order = %v, want %v", got, want)
	}
	// A charge of 12 burns the first two lots whole and 2 of the third.
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("12"), Reason: "c1"})
	b = e.balance(t, "u1", "USD")
	if len(b.Lots) != 3 || b.Lots[0].ID != promo30.LotID {
		t.Fatalf("after charge lots = %+v, want promo-30d first", b.Lots)
	}
	wantDec(t, "promo-30d remaining", b.Lots[0].Remaining, "3")
	wantDec(t, "total", b.Total, "13")
	e.verifyClean(t)
}

func TestExpiryCountsWithoutSweep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	exp := t0.Add(time.Hour)
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("7"), ExpiresAt: &exp, Reason: "g"})
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("3"), Reason: "p"})
	wantDec(t, "available before expiry", e.balance(t, "u1", "USD").Available, "10")
	e.clock.Advance(time.Hour) // exactly at expires_at: expired
	wantDec(t, "available at expiry, no sweep", e.balance(t, "u1", "USD").Available, "3")
	// A charge larger than what is left fails: the expired lot cannot pay.
	_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "c", Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("4")})
	wantCode(t, "charge 4 after expiry", err, kernel.EInsufficientFunds)
	// The next movement writes the expiry to the ledger.
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("1"), Reason: "c2"})
	page, err := e.svc.ListTransactions(e.ctx, billing.ListTransactionsInput{Customer: "u1", Kind: "expiry"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || !page.Items[0].Amounts["USD"].Equal(dec("-7")) {
		t.Fatalf("expiry transactions = %+v, want one of -7 USD", page.Items)
	}
	wantDec(t, "available", e.balance(t, "u1", "USD").Available, "2")
	e.verifyClean(t)
}

func TestRefund(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	paid := e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10"), Reason: "p"})
	gift := e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "g"})
	t.Run("ErrMoreThanLotHolds", func(t *testing.T) {
		_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "r1", Kind: billing.AdjustRefund, Customer: "u1", Asset: "USD", Amount: dec("10.01"), LotID: paid.LotID})
		wantCode(t, "refund 10.01 of a 10 lot", err, kernel.EInvalid)
	})
	t.Run("ErrPromotionLot", func(t *testing.T) {
		_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "r2", Kind: billing.AdjustRefund, Customer: "u1", Asset: "USD", Amount: dec("1"), LotID: gift.LotID})
		wantCode(t, "refund of a gift lot", err, kernel.EInvalid)
	})
	t.Run("OK", func(t *testing.T) {
		e.adjust(t, billing.CreateAdjustmentInput{TransactionID: "r3", Kind: billing.AdjustRefund, Customer: "u1", Asset: "USD", Amount: dec("4"), LotID: paid.LotID})
		b := e.balance(t, "u1", "USD")
		wantDec(t, "total after refund", b.Total, "11")
		_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "r4", Kind: billing.AdjustRefund, Customer: "u1", Asset: "USD", Amount: dec("6.01")})
		wantCode(t, "refund beyond the rest", err, kernel.EInvalid)
	})
	e.verifyClean(t)
}

func TestAdjustmentIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	in := billing.CreateAdjustmentInput{TransactionID: "gift-1", Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("5"), Reason: "welcome"}
	first := e.adjust(t, in)
	t.Run("Replay", func(t *testing.T) {
		in2 := in
		in2.Amount = dec("5.00") // the same amount written differently
		again, err := e.svc.CreateAdjustment(e.ctx, in2)
		if err != nil {
			t.Fatalf("replay = %v", err)
		}
		if !again.Replayed || again.ID != first.ID {
			t.Errorf("replay = %s replayed=%v, want %s replayed", again.ID, again.Replayed, first.ID)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		in2 := in
		in2.Amount = dec("6")
		_, err := e.svc.CreateAdjustment(e.ctx, in2)
		wantCode(t, "same id, other amount", err, kernel.EConflict)
	})
	wantDec(t, "total", e.balance(t, "u1", "USD").Total, "5")
}

func TestChargeRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("100"), Reason: "p"})
	if _, err := e.svc.SetCreditLimit(e.ctx, billing.SetCreditLimitInput{Customer: "u1", Asset: "USD", Limit: dec("50")}); err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, declined := 0, 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: fmt.Sprintf("c%d", i), Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("1")})
			mu.Lock()
			defer mu.Unlock()
			switch kernel.ErrorCode(err) {
			case "":
				ok++
			case kernel.EInsufficientFunds:
				declined++
			default:
				t.Errorf("charge %d = %v", i, err)
			}
		}()
	}
	wg.Wait()
	if ok != 150 || declined != 50 {
		t.Fatalf("charges ok=%d declined=%d, want 150 and 50 (100 balance + 50 credit limit)", ok, declined)
	}
	b := e.balance(t, "u1", "USD")
	wantDec(t, "total", b.Total, "-50")
	wantDec(t, "debt", b.Debt, "50")
	e.verifyClean(t)
}

func TestReplayRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	var wg sync.WaitGroup
	ids := make([]string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "same", Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("2")})
			if err != nil {
				t.Errorf("replay %d = %v", i, err)
			}
			ids[i] = a.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("replays returned different adjustments: %s and %s", ids[0], id)
		}
	}
	wantDec(t, "total after 50 replays", e.balance(t, "u1", "USD").Total, "2")
	e.verifyClean(t)
}

func TestDebtRepaidByNextCredit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	e.svc.SetCreditLimit(e.ctx, billing.SetCreditLimitInput{Customer: "u1", Asset: "USD", Limit: dec("10")})
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("4"), Reason: "c"})
	b := e.balance(t, "u1", "USD")
	wantDec(t, "debt", b.Debt, "4")
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10"), Reason: "p"})
	b = e.balance(t, "u1", "USD")
	wantDec(t, "debt after top-up", b.Debt, "0")
	wantDec(t, "total after top-up", b.Total, "6")
	e.verifyClean(t)
}

func TestVerifyCatchesCorruption(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{})
	acct, _ := svc.Accounts.EnsureDefaultAccount(context.Background())
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	cus, _, _ := svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: "u1"})
	if _, err := svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "t", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10")}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE balances SET posted = posted + 1 WHERE wallet_id = $1`, cus.DefaultWalletID); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) == 0 || !strings.Contains(strings.Join(r.Problems, "\n"), "balance says 11") {
		t.Fatalf("Verify after corrupting a balance = %v, want a problem naming it", r.Problems)
	}
	// Entries naming a transaction or a lot that does not exist (the keys that
	// checked this are gone from the hot path: migration 00013).
	if _, err := pool.Exec(ctx, `INSERT INTO ledger_entries (transaction_id, account_id, mode, ledger_account, wallet_id, lot_id, asset, amount, created_at)
		VALUES ('txn_missing', $1, 'test', 'revenue', NULL, NULL, 'USD', 1, now()),
		       ('txn_missing', $1, 'test', 'funding', NULL, 'lot_missing', 'USD', -1, now())`, acct.ID); err != nil {
		t.Fatal(err)
	}
	if r, err = svc.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(r.Problems, "\n")
	for _, want := range []string{"names transaction txn_missing, which does not exist", "names lot lot_missing, which does not exist"} {
		if !strings.Contains(all, want) {
			t.Errorf("Verify after orphan entries = %v, want %q", r.Problems, want)
		}
	}
	// The ledger itself refuses changes.
	if _, err := pool.Exec(ctx, `UPDATE ledger_entries SET amount = amount + 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("UPDATE ledger_entries = %v, want refused as append-only", err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM ledger_transactions`); err == nil {
		t.Fatal("DELETE FROM ledger_transactions succeeded")
	}
}

func TestSweepExpiredLots(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	exp := t0.Add(time.Hour)
	e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("4"), ExpiresAt: &exp, Reason: "g"})
	if n, err := e.svc.SweepExpiredLots(context.Background(), 100); err != nil || n != 0 {
		t.Fatalf("SweepExpiredLots before expiry = %d, %v; want 0", n, err)
	}
	e.clock.Advance(2 * time.Hour)
	if n, err := e.svc.SweepExpiredLots(context.Background(), 100); err != nil || n != 1 {
		t.Fatalf("SweepExpiredLots after expiry = %d, %v; want 1", n, err)
	}
	page, err := e.svc.ListTransactions(e.ctx, billing.ListTransactionsInput{Customer: "u1", Kind: "expiry"})
	if err != nil || len(page.Items) != 1 || !page.Items[0].Amounts["USD"].Equal(dec("-4")) {
		t.Fatalf("expiry transactions = %+v, %v; want one of -4 USD", page.Items, err)
	}
	if n, _ := e.svc.SweepExpiredLots(context.Background(), 100); n != 0 {
		t.Errorf("second sweep settled %d balances, want 0", n)
	}
	e.verifyClean(t)
}
