package billing_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// owned is everything one account and mode holds, for isolation tests.
type owned struct {
	customer billing.Customer
	wallet   billing.Wallet // a named wallet
	product  billing.ProductView
	vendor   billing.Vendor
	auth     billing.Authorization
	event    billing.Event
	lotID    string // the paid lot of the default wallet's top-up
}

// populate fills the caller's account and mode with one of everything.
func (e *env) populate(t *testing.T, ctx context.Context) owned {
	t.Helper()
	var o owned
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s = %v", what, err)
		}
	}
	o.customer, _, err = e.svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: "u1", Email: "u1@example.com"})
	must("CreateCustomer", err)
	o.wallet, _, err = e.svc.CreateWallet(ctx, billing.CreateWalletInput{Customer: "u1", Name: "team"})
	must("CreateWallet", err)
	top, err := e.svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "top", Kind: billing.AdjustTopUp, Customer: "u1", Asset: "USD", Amount: dec("10")})
	must("CreateAdjustment", err)
	o.lotID = top.LotID
	_, err = e.svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "top-team", Kind: billing.AdjustTopUp, Customer: "u1", Wallet: "team", Asset: "USD", Amount: dec("5")})
	must("CreateAdjustment(team)", err)
	_, _, err = e.svc.Catalog.CreateAsset(ctx, billing.CreateAssetInput{Code: "credits", Precision: 0})
	must("CreateAsset", err)
	_, err = e.svc.Catalog.AddAssetRate(ctx, billing.AddAssetRateInput{Asset: "credits", Currency: "USD", Rate: dec("0.05"), EffectiveAt: t0})
	must("AddAssetRate", err)
	o.vendor, _, err = e.svc.Catalog.CreateVendor(ctx, "openai", "OpenAI")
	must("CreateVendor", err)
	o.product, _, err = e.svc.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: "images", EventType: "image.generated", Prices: []rating.Price{perUnit("USD", "0.04")}})
	must("CreateProduct", err)
	o.event, err = e.svc.RecordUsage(ctx, billing.UsageEventInput{ID: "ev1", Customer: "u1", EventType: "image.generated"}) // subscribes u1
	must("RecordUsage", err)
	o.auth, err = e.svc.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: "a1", Customer: "u1", Amount: decp("1.00"), Asset: "USD"})
	must("Authorize", err)
	if !o.auth.Approved {
		t.Fatalf("Authorize = %+v, want approved", o.auth)
	}
	return o
}

// TestIsolation checks that no read or write crosses accounts or modes: the
// default account's test data is invisible to another account and to the
// default account's live mode, and references to it from there are not found.
func TestIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.populate(t, e.ctx)
	acctB, err := e.svc.Accounts.CreateAccount(context.Background(), "Other platform")
	if err != nil {
		t.Fatal(err)
	}
	others := []struct {
		name string
		ctx  context.Context
	}{
		{"OtherAccount", billing.WithCaller(context.Background(), billing.Caller{AccountID: acctB.ID, Mode: billing.ModeTest})},
		{"LiveMode", billing.WithCaller(context.Background(), billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeLive})},
	}
	notFound := func(t *testing.T, what string, err error) {
		t.Helper()
		if kernel.ErrorCode(err) != kernel.ENotFound {
			t.Errorf("%s = %v (code %q), want not_found", what, err, kernel.ErrorCode(err))
		}
	}
	for _, other := range others {
		t.Run(other.name, func(t *testing.T) {
			ctx := other.ctx
			t.Run("Reads", func(t *testing.T) {
				_, err := e.svc.GetCustomer(ctx, o.customer.ID)
				notFound(t, "GetCustomer(id)", err)
				_, err = e.svc.GetCustomer(ctx, "u1")
				notFound(t, "GetCustomer(external_id)", err)
				for _, in := range []billing.ListCustomersInput{{}, {Email: "u1@example.com"}} {
					page, err := e.svc.ListCustomers(ctx, in)
					if err != nil || len(page.Items) != 0 {
						t.Errorf("ListCustomers(%+v) = %v, %v; want none", in, page.Items, err)
					}
				}
				_, err = e.svc.GetWallet(ctx, o.customer.ID, "")
				notFound(t, "GetWallet(customer id)", err)
				_, err = e.svc.GetWallet(ctx, "", o.customer.DefaultWalletID)
				notFound(t, "GetWallet(default wallet id)", err)
				_, err = e.svc.GetWallet(ctx, "", o.wallet.ID)
				notFound(t, "GetWallet(named wallet id)", err)
				_, err = e.svc.ListWallets(ctx, o.customer.ID)
				notFound(t, "ListWallets(customer id)", err)
				_, err = e.svc.ListTransactions(ctx, billing.ListTransactionsInput{Customer: o.customer.ID})
				notFound(t, "ListTransactions(customer id)", err)
				_, err = e.svc.ListTransactions(ctx, billing.ListTransactionsInput{Wallet: o.wallet.ID})
				notFound(t, "ListTransactions(wallet id)", err)
				_, err = e.svc.Catalog.GetAsset(ctx, "credits")
				notFound(t, "GetAsset(credits)", err)
				assets, err := e.svc.Catalog.ListAssets(ctx)
				if err != nil || slices.ContainsFunc(assets, func(a billing.Asset) bool { return a.Code == "credits" }) || len(assets) == 0 {
					t.Errorf("ListAssets() = %+v, %v; want the built-in currencies only", assets, err)
				}
				if rates, err := e.svc.Catalog.ListAssetRates(ctx, "credits"); err != nil || len(rates) != 0 {
					t.Errorf("ListAssetRates(credits) = %+v, %v; want none", rates, err)
				}
				_, err = e.svc.Catalog.Quote(ctx, billing.QuoteInput{Asset: "credits", Currency: "USD", AssetAmount: decp("1"), At: t0})
				notFound(t, "Quote(credits)", err)
				_, err = e.svc.Catalog.GetProduct(ctx, o.product.ID)
				notFound(t, "GetProduct(id)", err)
				_, err = e.svc.Catalog.GetProduct(ctx, "images")
				notFound(t, "GetProduct(code)", err)
				if page, err := e.svc.Catalog.ListProducts(ctx, billing.ListProductsInput{IncludeArchived: true}); err != nil || len(page.Items) != 0 {
					t.Errorf("ListProducts() = %+v, %v; want none", page.Items, err)
				}
				if vs, err := e.svc.Catalog.ListVendors(ctx); err != nil || len(vs) != 0 {
					t.Errorf("ListVendors() = %+v, %v; want none", vs, err)
				}
				_, err = e.svc.GetEvent(ctx, o.event.ID)
				notFound(t, "GetEvent(ev1)", err)
				if page, err := e.svc.ListEvents(ctx, billing.ListEventsInput{}); err != nil || len(page.Items) != 0 {
					t.Errorf("ListEvents() = %+v, %v; want none", page.Items, err)
				}
				_, err = e.svc.ListEvents(ctx, billing.ListEventsInput{Customer: o.customer.ID})
				notFound(t, "ListEvents(customer id)", err)
				_, err = e.svc.GetAuthorization(ctx, o.auth.ID)
				notFound(t, "GetAuthorization(id)", err)
				_, err = e.svc.Plans.ListSubscriptions(ctx, o.customer.ID)
				notFound(t, "ListSubscriptions(customer id)", err)
				_, err = e.svc.Catalog.SimulateUsage(ctx, billing.SimulateInput{Product: o.product.ID})
				notFound(t, "SimulateUsage(product id)", err)
				_, err = e.svc.Catalog.SimulateUsage(ctx, billing.SimulateInput{Product: "images"})
				notFound(t, "SimulateUsage(product code)", err)
			})

			t.Run("Writes", func(t *testing.T) {
				_, err := e.svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "x1", Kind: billing.AdjustCharge, Customer: o.customer.ID, Asset: "USD", Amount: dec("1")})
				notFound(t, "CreateAdjustment(customer id)", err)
				_, err = e.svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "x2", Kind: billing.AdjustGift, Wallet: o.wallet.ID, Asset: "USD", Amount: dec("1")})
				notFound(t, "CreateAdjustment(wallet id)", err)
				_, err = e.svc.SetCreditLimit(ctx, billing.SetCreditLimitInput{Customer: o.customer.ID, Asset: "USD", Limit: dec("100")})
				notFound(t, "SetCreditLimit(customer id)", err)
				_, err = e.svc.UpdateCustomer(ctx, o.customer.ID, billing.UpdateCustomerInput{Name: strPtr("stolen")})
				notFound(t, "UpdateCustomer(customer id)", err)
				_, err = e.svc.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: "x3", Customer: o.customer.ID, Amount: decp("1"), Asset: "USD"})
				notFound(t, "Authorize(customer id)", err)
				_, err = e.svc.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: "x4", Wallet: o.wallet.ID, Amount: decp("1"), Asset: "USD"})
				notFound(t, "Authorize(wallet id)", err)
				_, err = e.svc.RecordUsage(ctx, billing.UsageEventInput{ID: "x5", Customer: o.customer.ID, EventType: "image.generated"})
				notFound(t, "RecordUsage(customer id)", err)
				_, err = e.svc.VoidAuthorization(ctx, o.auth.ID)
				notFound(t, "VoidAuthorization(auth id)", err)
				_, _, err = e.svc.CreateWallet(ctx, billing.CreateWalletInput{Customer: o.customer.ID, Name: "stolen"})
				notFound(t, "CreateWallet(customer id)", err)
				_, err = e.svc.Plans.Subscribe(ctx, billing.SubscribeInput{Customer: o.customer.ID, Product: o.product.ID})
				notFound(t, "Subscribe(customer id, product id)", err)
				_, err = e.svc.Catalog.CreateProductVersion(ctx, billing.CreateVersionInput{Product: o.product.ID, Prices: []rating.Price{perUnit("USD", "0")}})
				notFound(t, "CreateProductVersion(product id)", err)
				_, err = e.svc.Catalog.CreateProductVersion(ctx, billing.CreateVersionInput{Product: "images", Prices: []rating.Price{perUnit("USD", "0")}})
				notFound(t, "CreateProductVersion(product code)", err)
				_, err = e.svc.Catalog.ArchiveProduct(ctx, o.product.ID)
				notFound(t, "ArchiveProduct(product id)", err)
				_, err = e.svc.Catalog.AddAssetRate(ctx, billing.AddAssetRateInput{Asset: "credits", Currency: "USD", Rate: dec("1")})
				notFound(t, "AddAssetRate(credits)", err)
				_, _, err = e.svc.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: "margin", EventType: "chat", Prices: []rating.Price{{Model: rating.CostPlus, Asset: "USD", Vendor: "openai"}}})
				notFound(t, "CreateProduct(cost_plus over vendor openai)", err)
			})

			t.Run("SameNamesAreSeparate", func(t *testing.T) {
				// The other side may use the same external id, asset and
				// product codes; its own objects never resolve to ours.
				cus, existed, err := e.svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: "u1"})
				if err != nil || existed || cus.ID == o.customer.ID {
					t.Fatalf("CreateCustomer(u1) = %s, existed %v, %v; want a new customer", cus.ID, existed, err)
				}
				if _, created, err := e.svc.Catalog.CreateAsset(ctx, billing.CreateAssetInput{Code: "credits", Precision: 2}); err != nil || !created {
					t.Errorf("CreateAsset(credits, precision 2) = created %v, %v; want created", created, err)
				}
				_, err = e.svc.Catalog.Quote(ctx, billing.QuoteInput{Asset: "credits", Currency: "USD", AssetAmount: decp("1"), At: t0})
				notFound(t, "Quote(own credits, no own rate)", err)
				prod, created, err := e.svc.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: "images", EventType: "image.generated", Prices: []rating.Price{perUnit("USD", "0.10")}})
				if err != nil || !created || prod.ID == o.product.ID {
					t.Fatalf("CreateProduct(images) = %s, created %v, %v; want a new product", prod.ID, created, err)
				}
				_, err = e.svc.Plans.Subscribe(ctx, billing.SubscribeInput{Customer: cus.ID, Product: o.product.ID})
				notFound(t, "Subscribe(own customer, other's product id)", err)
				_, err = e.svc.RecordUsage(ctx, billing.UsageEventInput{ID: "x6", Customer: "u1", EventType: "image.generated", AuthorizationID: o.auth.ID})
				notFound(t, "RecordUsage(other's authorization)", err)
				_, err = e.svc.RecordUsage(ctx, billing.UsageEventInput{ID: "x7", Customer: "u1", Wallet: o.wallet.ID, EventType: "image.generated"})
				notFound(t, "RecordUsage(other's wallet)", err)
				// The same event id is a new event here, priced by our own product.
				ev, err := e.svc.RecordUsage(ctx, billing.UsageEventInput{ID: o.event.ID, Customer: "u1", EventType: "image.generated"})
				if err != nil || ev.Replayed || len(ev.Fees) != 1 || !ev.Fees[0].Amount.Equal(dec("0.10")) {
					t.Fatalf("RecordUsage(%s) = %+v, %v; want a new event priced 0.10", o.event.ID, ev, err)
				}
				a, err := e.svc.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: "a1", Customer: "u1", Amount: decp("0"), Asset: "USD"})
				if err != nil || a.Replayed || a.ID == o.auth.ID {
					t.Errorf("Authorize(key a1) = %+v, %v; want a new authorization", a, err)
				}
				adj, err := e.svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "top", Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("3")})
				if err != nil || adj.Replayed {
					t.Errorf("CreateAdjustment(transaction_id top) = %+v, %v; want a new adjustment", adj, err)
				}
				_, err = e.svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "refund", Kind: billing.AdjustRefund, Customer: "u1", Asset: "USD", Amount: dec("1"), LotID: o.lotID})
				notFound(t, "CreateAdjustment(refund of other's lot)", err)
				if _, _, err := e.svc.Catalog.CreateVendor(ctx, "openai", ""); err != nil {
					t.Fatal(err)
				}
			})
		})
	}

	t.Run("OwnerUnchanged", func(t *testing.T) {
		page, err := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != o.customer.ID {
			t.Errorf("ListCustomers() = %v, %v; want only %s", page.Items, err, o.customer.ID)
		}
		got, err := e.svc.GetCustomer(e.ctx, "u1")
		if err != nil || got.ID != o.customer.ID || got.Name != "" {
			t.Errorf("GetCustomer(u1) = %+v, %v; want %s unchanged", got, err, o.customer.ID)
		}
		b := e.balance(t, "u1", "USD")
		wantDec(t, "owner's total", b.Total, "9.96")
		wantDec(t, "owner's held", b.Held, "1.00")
		if a, err := e.svc.GetAuthorization(e.ctx, o.auth.ID); err != nil || a.Status != billing.AuthActive {
			t.Errorf("GetAuthorization(%s) = %+v, %v; want still active", o.auth.ID, a, err)
		}
		if p, err := e.svc.Catalog.GetProduct(e.ctx, "images"); err != nil || p.ID != o.product.ID || len(p.Versions) != 1 || p.ArchivedAt != nil {
			t.Errorf("GetProduct(images) = %+v, %v; want %s with one version, not archived", p, err, o.product.ID)
		}
		if a, err := e.svc.Catalog.GetAsset(e.ctx, "credits"); err != nil || a.Precision != 0 {
			t.Errorf("GetAsset(credits) = %+v, %v; want precision 0", a, err)
		}
		if ws, err := e.svc.ListWallets(e.ctx, "u1"); err != nil || len(ws) != 2 {
			t.Errorf("ListWallets(u1) = %+v, %v; want default and team", ws, err)
		}
		if ev, err := e.svc.ListEvents(e.ctx, billing.ListEventsInput{}); err != nil || len(ev.Items) != 1 || !ev.Items[0].Fees[0].Amount.Equal(dec("0.04")) {
			t.Errorf("ListEvents() = %+v, %v; want only ev1 at 0.04", ev.Items, err)
		}
		if vs, err := e.svc.Catalog.ListVendors(e.ctx); err != nil || len(vs) != 1 || vs[0].ID != o.vendor.ID {
			t.Errorf("ListVendors() = %+v, %v; want only %s", vs, err, o.vendor.ID)
		}
		if subs, err := e.svc.Plans.ListSubscriptions(e.ctx, "u1"); err != nil || len(subs) != 1 || subs[0].ProductID != o.product.ID {
			t.Errorf("ListSubscriptions(u1) = %+v, %v; want one to %s", subs, err, o.product.ID)
		}
		q, err := e.svc.Catalog.Quote(e.ctx, billing.QuoteInput{Asset: "credits", Currency: "USD", AssetAmount: decp("100"), At: t0})
		if err != nil || !q.CurrencyAmount.Equal(dec("5")) {
			t.Errorf("Quote(100 credits) = %+v, %v; want 5.00 USD", q, err)
		}
	})
	e.verifyClean(t)
}

func TestNoCallerIsUnauthorized(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u1")
	for _, tc := range []struct {
		name string
		ctx  context.Context
	}{
		{"NoCaller", context.Background()},
		{"NoAccount", billing.WithCaller(context.Background(), billing.Caller{Mode: billing.ModeTest})},
		{"BadMode", billing.WithCaller(context.Background(), billing.Caller{AccountID: e.acct.ID, Mode: "prod"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			calls := map[string]func() error{
				"GetCustomer": func() error { _, err := e.svc.GetCustomer(ctx, "u1"); return err },
				"CreateCustomer": func() error {
					_, _, err := e.svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: "u2"})
					return err
				},
				"ListCustomers": func() error { _, err := e.svc.ListCustomers(ctx, billing.ListCustomersInput{}); return err },
				"GetWallet":     func() error { _, err := e.svc.GetWallet(ctx, "u1", ""); return err },
				"CreateAdjustment": func() error {
					_, err := e.svc.CreateAdjustment(ctx, billing.CreateAdjustmentInput{TransactionID: "t", Kind: billing.AdjustGift, Customer: "u1", Asset: "USD", Amount: dec("1")})
					return err
				},
				"ListAssets": func() error { _, err := e.svc.Catalog.ListAssets(ctx); return err },
				"Authorize": func() error {
					_, err := e.svc.Authorize(ctx, billing.AuthorizeInput{IdempotencyKey: "a", Customer: "u1", Amount: decp("1"), Asset: "USD"})
					return err
				},
				"RecordUsage": func() error {
					_, err := e.svc.RecordUsage(ctx, billing.UsageEventInput{ID: "e", Customer: "u1", EventType: "x"})
					return err
				},
				"ListProducts": func() error { _, err := e.svc.Catalog.ListProducts(ctx, billing.ListProductsInput{}); return err },
			}
			for name, call := range calls {
				wantCode(t, name, call(), kernel.EUnauthorized)
			}
		})
	}
	// Nothing was written by the rejected calls.
	page, _ := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{})
	if len(page.Items) != 1 {
		t.Errorf("ListCustomers() = %d customers after unauthorized calls, want 1", len(page.Items))
	}
	wantDec(t, "u1 total", e.balance(t, "u1", "USD").Total, "0")
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bg := context.Background()
	acctB, err := e.svc.Accounts.CreateAccount(bg, "Other platform")
	if err != nil {
		t.Fatal(err)
	}
	testKey, testSecret, err := e.svc.Accounts.CreateAPIKey(bg, e.acct.ID, billing.ModeTest, "ci")
	if err != nil {
		t.Fatal(err)
	}
	roKey, roSecret, err := e.svc.Accounts.CreateScopedAPIKey(bg, e.acct.ID, billing.ModeTest, billing.ScopeReadOnly, "reader")
	if err != nil {
		t.Fatal(err)
	}
	liveKey, liveSecret, err := e.svc.Accounts.CreateAPIKey(bg, acctB.ID, billing.ModeLive, "prod")
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{testSecret, liveSecret}
	// noSecret fails if s contains any whole secret key.
	noSecret := func(t *testing.T, what, s string) {
		t.Helper()
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s = %q contains the full key", what, s)
			}
		}
	}

	t.Run("Prefix", func(t *testing.T) {
		for _, tc := range []struct {
			key    billing.APIKey
			secret string
			prefix string
			acct   string
			mode   billing.Mode
		}{
			{testKey, testSecret, "tg_test_", e.acct.ID, billing.ModeTest},
			{liveKey, liveSecret, "tg_live_", acctB.ID, billing.ModeLive},
		} {
			if !strings.HasPrefix(tc.secret, tc.prefix) || len(tc.secret) < len(tc.prefix)+32 {
				t.Errorf("CreateAPIKey(%s) secret = %q, want %s followed by at least 32 random characters", tc.mode, tc.secret, tc.prefix)
			}
			if tc.key.Prefix != tc.secret[:len(tc.key.Prefix)] || !strings.HasPrefix(tc.key.Prefix, tc.prefix) || len(tc.key.Prefix) >= len(tc.secret) {
				t.Errorf("CreateAPIKey(%s).Prefix = %q, want a proper prefix of the secret", tc.mode, tc.key.Prefix)
			}
			if tc.key.AccountID != tc.acct || tc.key.Mode != tc.mode || !strings.HasPrefix(tc.key.ID, "key_") || tc.key.RevokedAt != nil {
				t.Errorf("CreateAPIKey(%s) = %+v, want account %s mode %s", tc.mode, tc.key, tc.acct, tc.mode)
			}
		}
		if testSecret == liveSecret || testKey.Prefix == liveKey.Prefix {
			t.Errorf("two keys share a secret or prefix: %q, %q", testKey.Prefix, liveKey.Prefix)
		}
	})

	t.Run("Authenticate", func(t *testing.T) {
		for _, tc := range []struct {
			secret string
			want   billing.Caller
		}{
			{testSecret, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeTest, KeyID: testKey.ID, KeyPrefix: testKey.Prefix, Scope: billing.ScopeFull}},
			{liveSecret, billing.Caller{AccountID: acctB.ID, Mode: billing.ModeLive, KeyID: liveKey.ID, KeyPrefix: liveKey.Prefix, Scope: billing.ScopeFull}},
			{roSecret, billing.Caller{AccountID: e.acct.ID, Mode: billing.ModeTest, KeyID: roKey.ID, KeyPrefix: roKey.Prefix, Scope: billing.ScopeReadOnly}},
		} {
			got, err := e.svc.Accounts.Authenticate(bg, tc.secret)
			if err != nil || got != tc.want {
				t.Errorf("Authenticate(%s…) = %+v, %v; want %+v", tc.want.KeyPrefix, got, err, tc.want)
			}
		}
		keys, err := e.svc.Accounts.ListAPIKeys(bg, e.acct.ID)
		if err != nil || len(keys) != 2 || keys[0].ID != testKey.ID || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(t0) ||
			keys[0].Scope != billing.ScopeFull || keys[1].ID != roKey.ID || keys[1].Scope != billing.ScopeReadOnly {
			t.Errorf("ListAPIKeys(default) = %+v, %v; want %s (full, last used at %v) and %s (read_only)", keys, err, testKey.ID, t0, roKey.ID)
		}
		noSecret(t, "ListAPIKeys", fmt.Sprintf("%+v", keys))
	})

	t.Run("CallerScopesData", func(t *testing.T) {
		caller, err := e.svc.Accounts.Authenticate(bg, liveSecret)
		if err != nil {
			t.Fatal(err)
		}
		ctx := billing.WithCaller(bg, caller)
		cus, _, err := e.svc.CreateCustomer(ctx, billing.CreateCustomerInput{ExternalID: "b-user"})
		if err != nil || cus.AccountID != acctB.ID || cus.Mode != billing.ModeLive {
			t.Fatalf("CreateCustomer(as the live key) = %+v, %v; want it in %s live", cus, err, acctB.ID)
		}
		_, err = e.svc.GetCustomer(e.ctx, "b-user")
		wantCode(t, "GetCustomer(b-user) as the default account", err, kernel.ENotFound)
	})

	t.Run("Revoke", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		k, err := e.svc.Accounts.RevokeAPIKey(bg, testKey.Prefix)
		if err != nil || k.ID != testKey.ID || k.RevokedAt == nil || !k.RevokedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("RevokeAPIKey(%s) = %+v, %v; want revoked at %v", testKey.Prefix, k, err, t0.Add(time.Minute))
		}
		_, err = e.svc.Accounts.Authenticate(bg, testSecret)
		wantCode(t, "Authenticate(revoked key)", err, kernel.EUnauthorized)
		noSecret(t, "Authenticate(revoked key) error", err.Error())
		noSecret(t, "Authenticate(revoked key) message", kernel.ErrorMessage(err))
		if _, err := e.svc.Accounts.Authenticate(bg, liveSecret); err != nil {
			t.Errorf("Authenticate(other key) after a revoke = %v, want it still valid", err)
		}
		again, err := e.svc.Accounts.RevokeAPIKey(bg, testKey.ID)
		if err != nil || again.RevokedAt == nil || !again.RevokedAt.Equal(*k.RevokedAt) {
			t.Errorf("RevokeAPIKey(%s) again = %+v, %v; want the first revocation time kept", testKey.ID, again, err)
		}
	})

	t.Run("ErrUnauthorized", func(t *testing.T) {
		last := "0"
		if strings.HasSuffix(liveSecret, "0") {
			last = "1"
		}
		tampered := liveSecret[:len(liveSecret)-1] + last
		for _, bad := range []string{"", "sk_live_abc", "Bearer " + liveSecret, tampered, "tg_test_", strings.ToUpper(liveSecret), liveSecret + "x"} {
			_, err := e.svc.Accounts.Authenticate(bg, bad)
			wantCode(t, fmt.Sprintf("Authenticate(%.14q)", bad), err, kernel.EUnauthorized)
			noSecret(t, "Authenticate(bad key) error", err.Error())
			if len(bad) > 14 && strings.Contains(err.Error(), bad) {
				t.Errorf("Authenticate(bad key) error %q repeats the key sent", err)
			}
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		_, _, err := e.svc.Accounts.CreateAPIKey(bg, e.acct.ID, "prod", "x")
		wantField(t, "CreateAPIKey(mode prod)", err, kernel.EInvalid, "mode")
	})
	t.Run("ErrNotFoundAccount", func(t *testing.T) {
		_, _, err := e.svc.Accounts.CreateAPIKey(bg, "acct_nope", billing.ModeTest, "x")
		wantField(t, "CreateAPIKey(unknown account)", err, kernel.ENotFound, "account")
		_, _, err = e.svc.Accounts.CreateScopedAPIKey(bg, e.acct.ID, billing.ModeTest, "admin", "x")
		wantField(t, "CreateScopedAPIKey(scope admin)", err, kernel.EInvalid, "scope")
	})
	t.Run("ErrNotFoundKey", func(t *testing.T) {
		_, err := e.svc.Accounts.RevokeAPIKey(bg, "key_nope")
		wantCode(t, "RevokeAPIKey(key_nope)", err, kernel.ENotFound)
	})
}

// TestRevokeByPrefixIsUnambiguous: a key's shown prefix carries only 30
// random bits and is not unique in the schema, so two keys (of any accounts)
// can share one. Revoking by such a prefix must never revoke a key the
// operator did not name.
func TestRevokeByPrefixIsUnambiguous(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bg := context.Background()
	acctB, err := e.svc.Accounts.CreateAccount(bg, "Other platform")
	if err != nil {
		t.Fatal(err)
	}
	mine, _, err := e.svc.Accounts.CreateAPIKey(bg, e.acct.ID, billing.ModeTest, "mine")
	if err != nil {
		t.Fatal(err)
	}
	theirs, theirSecret, err := e.svc.Accounts.CreateAPIKey(bg, acctB.ID, billing.ModeTest, "theirs")
	if err != nil {
		t.Fatal(err)
	}
	// A prefix collision, as random generation can produce.
	if _, err := e.svc.Pool().Exec(bg, `UPDATE api_keys SET prefix = $1 WHERE id = $2`, mine.Prefix, theirs.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Accounts.RevokeAPIKey(bg, mine.Prefix)
	if _, authErr := e.svc.Accounts.Authenticate(bg, theirSecret); authErr != nil {
		t.Errorf("RevokeAPIKey(%s) = %v also revoked the other account's key sharing the prefix: Authenticate = %v; want it untouched (ambiguous prefix → conflict, or unique prefixes)", mine.Prefix, err, authErr)
	}
}
