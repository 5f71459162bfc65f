package api

import (
	"net/http"
	"testing"

	"github.com/tollgatehq/tollgate/wire"
)

func TestWallets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.setup(t)

	var w wire.Wallet
	e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default", nil, &w)
	if w.ID != f.customer.DefaultWalletID || len(w.Balances) != 1 || w.Balances[0].Available.String() != "10" || len(w.Balances[0].Lots) != 1 {
		t.Fatalf("wallet %+v, want 10 USD available in one lot", w)
	}
	var byID wire.Wallet
	e.must(t, http.StatusOK, "GET", "/v1/customers/"+f.customer.ID+"/wallets/"+w.ID, nil, &byID)
	if byID.ID != w.ID {
		t.Errorf("by id = %s, want %s", byID.ID, w.ID)
	}

	var extra, again wire.Wallet
	e.must(t, http.StatusCreated, "POST", "/v1/customers/user_1/wallets", map[string]any{"name": "project-alpha"}, &extra)
	e.must(t, http.StatusOK, "POST", "/v1/customers/user_1/wallets", map[string]any{"name": "project-alpha"}, &again)
	if extra.ID != again.ID || extra.IsDefault {
		t.Errorf("created %+v then %+v", extra, again)
	}
	ws := list[wire.Wallet](t, e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets", nil, nil))
	if len(ws.Data) != 2 || !ws.Data[0].IsDefault || len(ws.Data[0].Balances) != 1 {
		t.Errorf("wallets = %+v, want the default (with its balance) first", ws.Data)
	}

	txns := list[wire.Transaction](t, e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default/transactions", nil, nil))
	if len(txns.Data) != 1 || txns.Data[0].Kind != "top_up" || txns.Data[0].Amounts["USD"].String() != "10" {
		t.Errorf("transactions = %+v", txns.Data)
	}
	if l := list[wire.Transaction](t, e.must(t, http.StatusOK, "GET", "/v1/customers/user_1/wallets/default/transactions?kind=charge", nil, nil)); len(l.Data) != 0 {
		t.Errorf("kind filter = %+v", l.Data)
	}

	var b wire.Balance
	e.must(t, http.StatusOK, "POST", "/v1/customers/user_1/wallets/default/credit_limit", map[string]any{"asset": "USD", "credit_limit": "5.00"}, &b)
	if b.CreditLimit.String() != "5" {
		t.Errorf("balance %+v, want credit limit 5", b)
	}

	e.wantError(t, e.do("GET", "/v1/customers/user_1/wallets/nope", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "wallet")
	e.wantError(t, e.do("GET", "/v1/customers/nobody/wallets", e.key, nil), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
	e.wantError(t, e.do("POST", "/v1/customers/user_1/wallets", e.key, map[string]any{"name": "Bad Name"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "name")
	e.wantError(t, e.do("POST", "/v1/customers/user_1/wallets/default/credit_limit", e.key, map[string]any{"asset": "USD", "credit_limit": "-1"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "credit_limit")
	e.wantError(t, e.do("POST", "/v1/customers/user_1/wallets/default/credit_limit", e.key, map[string]any{"asset": "GEMS", "credit_limit": "1"}), http.StatusNotFound, typeInvalidRequest, "not_found", "asset")
	e.wantError(t, e.do("GET", "/v1/customers/user_1/wallets/default/transactions?limit=0x", e.key, nil), http.StatusBadRequest, typeInvalidRequest, "invalid_parameter", "limit")
}

func TestAdjustments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setup(t)

	gift := map[string]any{"transaction_id": "gift-1", "kind": "gift", "customer": "user_1", "asset": "USD", "amount": "2.50", "reason": "Welcome"}
	var a, replay wire.Adjustment
	e.must(t, http.StatusCreated, "POST", "/v1/adjustments", gift, &a)
	if a.Replayed || a.Balance.Available.String() != "12.5" || a.LotID == "" {
		t.Errorf("gift %+v, want 12.50 available", a)
	}
	e.must(t, http.StatusOK, "POST", "/v1/adjustments", gift, &replay)
	if !replay.Replayed || replay.ID != a.ID {
		t.Errorf("replay %+v, want replayed %s", replay, a.ID)
	}
	gift["amount"] = "3.00"
	e.wantError(t, e.do("POST", "/v1/adjustments", e.key, gift), http.StatusConflict, typeConflict, "conflict", "")

	charge := map[string]any{"transaction_id": "charge-1", "kind": "charge", "customer": "user_1", "asset": "USD", "amount": "100"}
	b := e.wantError(t, e.do("POST", "/v1/adjustments", e.key, charge), http.StatusPaymentRequired, typeInsufficientFunds, "insufficient_funds", "amount")
	if !contains(b.Message, "insufficient funds") {
		t.Errorf("402 message %q", b.Message)
	}
	// The transaction_id defaults to the Idempotency-Key header.
	var byHeader wire.Adjustment
	e.must(t, http.StatusCreated, "POST", "/v1/adjustments", map[string]any{"kind": "charge", "customer": "user_1", "asset": "USD", "amount": "1.00"}, &byHeader, "Idempotency-Key", "charge-by-header")
	if byHeader.TransactionID != "charge-by-header" {
		t.Errorf("transaction_id = %q, want the Idempotency-Key", byHeader.TransactionID)
	}

	e.wantError(t, e.do("POST", "/v1/adjustments", e.key, map[string]any{"transaction_id": "x", "kind": "bonus", "customer": "user_1", "asset": "USD", "amount": "1"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "kind")
	e.wantError(t, e.do("POST", "/v1/adjustments", e.key, map[string]any{"transaction_id": "x", "kind": "top_up", "customer": "user_1", "asset": "USD", "amount": "1.005"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "amount")
	e.wantError(t, e.do("POST", "/v1/adjustments", e.key, map[string]any{"transaction_id": "x", "kind": "gift", "customer": "nobody", "asset": "USD", "amount": "1"}), http.StatusNotFound, typeInvalidRequest, "not_found", "customer")
	e.wantError(t, e.do("POST", "/v1/adjustments", e.key, map[string]any{"transaction_id": "x", "kind": "gift", "customer": "user_1", "asset": "USD", "amount": true}), http.StatusBadRequest, typeInvalidRequest, "invalid_field", "amount")
}
