package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestCustomerKeysCLI: `customer-keys create` prints the key once with its
// cap, `list` shows it by prefix, `revoke` revokes it; an unknown customer
// fails saying so.
func TestCustomerKeysCLI(t *testing.T) {
	t.Parallel()
	url := testdb.URL(t)
	db := "TOLLGATE_DATABASE_URL=" + url
	if _, errOut, err := runCLI(t, []string{db}, "keys", "list"); err != nil { // creates the default account
		t.Fatalf("keys list = %v %s", err, errOut)
	}
	conf, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	billing.ConfigurePool(conf)
	pool, err := pgxpool.NewWithConfig(context.Background(), conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	if _, _, err := svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: "ada"}); err != nil {
		t.Fatal(err)
	}

	secret, hint, err := runCLI(t, []string{db}, "customer-keys", "create", "--customer", "ada", "--daily-cap", "5.00", "--name", "agent")
	secret = strings.TrimSpace(secret)
	if err != nil || !strings.HasPrefix(secret, "tg_cust_") || !strings.Contains(hint, "daily cap of 5 USD") || !strings.Contains(hint, "only on the gateway") {
		t.Fatalf("customer-keys create = %v, %q, hint:\n%s\nwant a tg_cust_ key with its cap and where it works", err, secret, hint)
	}
	_, k, err := svc.Accounts.AuthenticateCustomerKey(context.Background(), secret)
	if err != nil || k.DailyCap == nil || k.Name != "agent" {
		t.Fatalf("the printed key authenticates as %+v, %v; want ada's capped key", k, err)
	}
	out, _, err := runCLI(t, []string{db}, "customer-keys", "list", "--customer", "ada")
	if err != nil || !strings.Contains(out, k.ID) || !strings.Contains(out, k.Prefix+"…") || strings.Contains(out, secret) {
		t.Errorf("customer-keys list = %v:\n%s\nwant the key by id and prefix, never the secret", err, out)
	}
	out, _, err = runCLI(t, []string{db}, "customer-keys", "revoke", k.ID)
	if err != nil || !strings.Contains(out, "revoked "+k.ID) {
		t.Errorf("customer-keys revoke = %v %s", err, out)
	}
	if keys, err := svc.Accounts.ListCustomerKeys(ctx, "ada"); err != nil || len(keys) != 1 || keys[0].RevokedAt == nil {
		t.Errorf("after revoke the key = %+v, %v; want it revoked", keys, err)
	}
	_, errOut, err := runCLI(t, []string{db}, "customer-keys", "create", "--customer", "nobody")
	if err == nil || !strings.Contains(errOut, "nobody") {
		t.Errorf("customer-keys create --customer nobody = %v, %s; want a failure naming the customer", err, errOut)
	}

	// --idempotency-key: run again, the key it made is found, its secret not
	// printed again; another payload fails.
	args := []string{"customer-keys", "create", "--customer", "ada", "--name", "retried", "--idempotency-key", "ada-retried"}
	first, _, err := runCLI(t, []string{db}, args...)
	if err != nil || !strings.HasPrefix(strings.TrimSpace(first), "tg_cust_") {
		t.Fatalf("customer-keys create --idempotency-key = %v, %q; want a key", err, first)
	}
	again, hint, err := runCLI(t, []string{db}, args...)
	if err != nil || again != "" || !strings.Contains(hint, "already created with --idempotency-key ada-retried") {
		t.Errorf("customer-keys create again = %v, %q, hint:\n%s\nwant nothing printed but the hint that it exists", err, again, hint)
	}
	if keys, err := svc.Accounts.ListCustomerKeys(ctx, "ada"); err != nil || len(keys) != 2 {
		t.Errorf("ada's keys = %d, %v; want 2 (the revoked one and the retried one)", len(keys), err)
	}
	_, errOut, err = runCLI(t, []string{db}, "customer-keys", "create", "--customer", "ada", "--name", "other", "--idempotency-key", "ada-retried")
	if err == nil || !strings.Contains(errOut, "already created customer key") {
		t.Errorf("customer-keys create with the key and another name = %v, %s; want the conflict", err, errOut)
	}
}
