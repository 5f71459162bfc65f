package billing_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

func strPtr(s string) *string { return &s }

// wantField fails unless err is an invalid (or other code) error naming field.
func wantField(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	wantCode(t, what, err, code)
	if got := kernel.ErrorField(err); got != field {
		t.Errorf("%s error field = %q, want %q (error: %v)", what, got, field, err)
	}
}

func TestCreateCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := billing.CreateCustomerInput{ExternalID: "user_123", Name: "Ada", Email: "ada@example.com", Metadata: map[string]string{"plan": "pro"}}
	first, existed, err := e.svc.CreateCustomer(e.ctx, in)
	if err != nil || existed {
		t.Fatalf("CreateCustomer(%+v) = %v, existed %v, want created", in, err, existed)
	}
	if !strings.HasPrefix(first.ID, "cus_") || first.AccountID != e.acct.ID || first.Mode != billing.ModeTest ||
		first.Name != "Ada" || first.Email != "ada@example.com" || first.Metadata["plan"] != "pro" || !first.CreatedAt.Equal(t0) {
		t.Errorf("CreateCustomer(%+v) = %+v, want it with an id, the caller's account and mode, and created at %v", in, first, t0)
	}

	t.Run("DefaultWallet", func(t *testing.T) {
		if !strings.HasPrefix(first.DefaultWalletID, "wal_") {
			t.Fatalf("CreateCustomer().DefaultWalletID = %q, want a wallet id", first.DefaultWalletID)
		}
		ws, err := e.svc.ListWallets(e.ctx, "user_123")
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 1 || ws[0].ID != first.DefaultWalletID || !ws[0].IsDefault || ws[0].Name != billing.DefaultWalletName || ws[0].CustomerID != first.ID {
			t.Errorf("ListWallets(user_123) = %+v, want only the default wallet %s", ws, first.DefaultWalletID)
		}
		v, err := e.svc.GetWallet(e.ctx, first.ID, "")
		if err != nil || v.ID != first.DefaultWalletID || v.CustomerExternalID != "user_123" || len(v.Balances) != 0 {
			t.Errorf("GetWallet(%s) = %+v, %v; want the empty default wallet", first.ID, v, err)
		}
	})

	t.Run("Existed", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		again := billing.CreateCustomerInput{ExternalID: " user_123 ", Name: "Someone else", Email: "other@example.com", Metadata: map[string]string{"plan": "free"}}
		got, existed, err := e.svc.CreateCustomer(e.ctx, again)
		if err != nil || !existed {
			t.Fatalf("CreateCustomer(%+v) = %v, existed %v; want the existing customer", again, err, existed)
		}
		if got.ID != first.ID || got.Name != "Ada" || got.Email != "ada@example.com" || got.Metadata["plan"] != "pro" ||
			got.DefaultWalletID != first.DefaultWalletID || !got.UpdatedAt.Equal(t0) {
			t.Errorf("CreateCustomer(%+v) = %+v, want the original %+v unchanged", again, got, first)
		}
		stored, err := e.svc.GetCustomer(e.ctx, first.ID)
		if err != nil || stored.Name != "Ada" || stored.Email != "ada@example.com" || !stored.UpdatedAt.Equal(t0) {
			t.Errorf("GetCustomer(%s) after a repeated create = %+v, %v; want nothing changed", first.ID, stored, err)
		}
		if ws, _ := e.svc.ListWallets(e.ctx, first.ID); len(ws) != 1 {
			t.Errorf("ListWallets after a repeated create = %d wallets, want 1", len(ws))
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			in    billing.CreateCustomerInput
			field string
		}{
			{"NoExternalID", billing.CreateCustomerInput{}, "external_id"},
			{"BlankExternalID", billing.CreateCustomerInput{ExternalID: "   "}, "external_id"},
			{"LongExternalID", billing.CreateCustomerInput{ExternalID: strings.Repeat("x", 201)}, "external_id"},
			{"Email", billing.CreateCustomerInput{ExternalID: "u2", Email: "not-an-email"}, "email"},
			{"EmailWithName", billing.CreateCustomerInput{ExternalID: "u2", Email: "Ada <ada@example.com>"}, "email"},
			{"LongName", billing.CreateCustomerInput{ExternalID: "u2", Name: strings.Repeat("n", 201)}, "name"},
			{"MetadataKey", billing.CreateCustomerInput{ExternalID: "u2", Metadata: map[string]string{"": "x"}}, "metadata"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := e.svc.CreateCustomer(e.ctx, tc.in)
				wantField(t, fmt.Sprintf("CreateCustomer(%s)", tc.name), err, kernel.EInvalid, tc.field)
			})
		}
		page, err := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{})
		if err != nil || len(page.Items) != 1 {
			t.Errorf("ListCustomers after rejected creates = %d customers, %v; want 1", len(page.Items), err)
		}
	})
}

func TestGetCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cus := e.customer(t, "user_1")
	legacy := e.customer(t, "cus_legacy") // an external id that looks like a Tollgate id
	for _, tc := range []struct {
		name, ref, want string
	}{
		{"ByID", cus.ID, cus.ID},
		{"ByExternalID", "user_1", cus.ID},
		{"ByExternalIDWithIDPrefix", "cus_legacy", legacy.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.svc.GetCustomer(e.ctx, tc.ref)
			if err != nil || got.ID != tc.want || got.DefaultWalletID == "" {
				t.Fatalf("GetCustomer(%q) = %v (wallet %q), %v; want %s", tc.ref, got, got.DefaultWalletID, err, tc.want)
			}
		})
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, ref := range []string{"nobody", "cus_01nonexistent0000000000000", "USER_1"} {
			_, err := e.svc.GetCustomer(e.ctx, ref)
			wantField(t, fmt.Sprintf("GetCustomer(%q)", ref), err, kernel.ENotFound, "customer")
			if kernel.ErrorAction(err) != billing.ActFindCustomer {
				t.Errorf("GetCustomer(%q) error %q does not name the fix (find or create the customer)", ref, err)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := e.svc.GetCustomer(e.ctx, "")
		wantField(t, `GetCustomer("")`, err, kernel.EInvalid, "customer")
	})
}

func TestUpdateCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orig, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: "u1", Name: "Ada", Email: "ada@example.com",
		Metadata: map[string]string{"plan": "pro", "team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		got, err := e.svc.UpdateCustomer(e.ctx, "u1", billing.UpdateCustomerInput{Name: strPtr("Ada Lovelace")})
		if err != nil || got.Name != "Ada Lovelace" || got.Email != "ada@example.com" || len(got.Metadata) != 2 {
			t.Fatalf("UpdateCustomer(name) = %+v, %v; want only the name changed", got, err)
		}
		if !got.UpdatedAt.Equal(t0.Add(time.Minute)) || !got.CreatedAt.Equal(t0) {
			t.Errorf("UpdateCustomer() times = created %v updated %v, want %v and %v", got.CreatedAt, got.UpdatedAt, t0, t0.Add(time.Minute))
		}
		got, err = e.svc.UpdateCustomer(e.ctx, orig.ID, billing.UpdateCustomerInput{Email: strPtr("lovelace@example.org"), Metadata: map[string]string{"plan": "team"}})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := e.svc.GetCustomer(e.ctx, orig.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []billing.Customer{got, stored} {
			if c.Name != "Ada Lovelace" || c.Email != "lovelace@example.org" || !maps.Equal(c.Metadata, map[string]string{"plan": "team"}) ||
				c.ExternalID != "u1" || c.DefaultWalletID != orig.DefaultWalletID {
				t.Errorf("customer after UpdateCustomer(email, metadata) = %+v, want the email changed and the metadata replaced", c)
			}
		}
	})
	t.Run("ClearEmail", func(t *testing.T) {
		got, err := e.svc.UpdateCustomer(e.ctx, "u1", billing.UpdateCustomerInput{Email: strPtr("")})
		if err != nil || got.Email != "" {
			t.Fatalf("UpdateCustomer(email \"\") = %+v, %v; want the email cleared", got, err)
		}
	})
	t.Run("ErrInvalidEmail", func(t *testing.T) {
		before, _ := e.svc.GetCustomer(e.ctx, "u1")
		_, err := e.svc.UpdateCustomer(e.ctx, "u1", billing.UpdateCustomerInput{Name: strPtr("Changed"), Email: strPtr("ada@")})
		wantField(t, "UpdateCustomer(email ada@)", err, kernel.EInvalid, "email")
		if !strings.Contains(err.Error(), "email") {
			t.Errorf("UpdateCustomer(email ada@) error %q does not name the email", err)
		}
		after, _ := e.svc.GetCustomer(e.ctx, "u1")
		if after.Name != before.Name || after.Email != before.Email || !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("rejected UpdateCustomer changed the customer: %+v, want %+v", after, before)
		}
	})
	t.Run("ErrInvalidMetadata", func(t *testing.T) {
		meta := map[string]string{}
		for i := range 51 {
			meta[fmt.Sprint("k", i)] = "v"
		}
		_, err := e.svc.UpdateCustomer(e.ctx, "u1", billing.UpdateCustomerInput{Metadata: meta})
		wantField(t, "UpdateCustomer(51 metadata keys)", err, kernel.EInvalid, "metadata")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.svc.UpdateCustomer(e.ctx, "u2", billing.UpdateCustomerInput{Name: strPtr("x")})
		wantField(t, "UpdateCustomer(u2)", err, kernel.ENotFound, "customer")
	})
}

func TestListCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Customer i is created at t0 + i minutes; every fifth shares an email.
	var created []billing.Customer
	for i := range 25 {
		in := billing.CreateCustomerInput{ExternalID: fmt.Sprintf("u%02d", i)}
		if i%5 == 0 {
			in.Email = "team@example.com"
		}
		c, _, err := e.svc.CreateCustomer(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, c)
		// Ids order by the service clock's millisecond they were made in: a
		// minute apart, "newest first" is well defined.
		e.clock.Advance(time.Minute)
	}
	newestFirst := func(idx ...int) []string {
		var out []string
		for _, i := range slices.Backward(idx) {
			out = append(out, created[i].ID)
		}
		return out
	}
	ids := func(cs []billing.Customer) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.ID
		}
		return out
	}
	all := make([]int, 25)
	for i := range all {
		all[i] = i
	}

	t.Run("Pages", func(t *testing.T) {
		var got []string
		cursor := ""
		for i, want := range []struct {
			n       int
			hasMore bool
		}{{10, true}, {10, true}, {5, false}} {
			in := billing.ListCustomersInput{Limit: 10, Cursor: cursor}
			page, err := e.svc.ListCustomers(e.ctx, in)
			if err != nil {
				t.Fatalf("ListCustomers(%+v) = %v", in, err)
			}
			if len(page.Items) != want.n || page.HasMore != want.hasMore {
				t.Fatalf("page %d: ListCustomers(%+v) = %d items, has_more %v; want %d, %v", i+1, in, len(page.Items), page.HasMore, want.n, want.hasMore)
			}
			switch {
			case page.HasMore && page.NextCursor != page.Items[len(page.Items)-1].ID:
				t.Errorf("page %d: next_cursor = %q, want the last item's id %s", i+1, page.NextCursor, page.Items[len(page.Items)-1].ID)
			case !page.HasMore && page.NextCursor != "":
				t.Errorf("page %d: next_cursor = %q on the last page, want empty", i+1, page.NextCursor)
			}
			got = append(got, ids(page.Items)...)
			cursor = page.NextCursor
		}
		if want := newestFirst(all...); !slices.Equal(got, want) {
			t.Errorf("ListCustomers pages = %v,\nwant every customer once, newest first: %v", got, want)
		}
	})
	t.Run("ExactlyOnePage", func(t *testing.T) {
		page, err := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{Limit: 25})
		if err != nil || len(page.Items) != 25 || page.HasMore || page.NextCursor != "" {
			t.Errorf("ListCustomers(limit 25) of 25 = %d items, has_more %v, cursor %q, %v; want 25, false, \"\"", len(page.Items), page.HasMore, page.NextCursor, err)
		}
	})
	t.Run("DefaultLimit", func(t *testing.T) {
		page, err := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{})
		if err != nil || len(page.Items) != 20 || !page.HasMore {
			t.Errorf("ListCustomers(no limit) = %d items, has_more %v, %v; want 20, true", len(page.Items), page.HasMore, err)
		}
	})
	t.Run("FilterEmail", func(t *testing.T) {
		in := billing.ListCustomersInput{Email: "team@example.com", Limit: 3}
		p1, err := e.svc.ListCustomers(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		in.Cursor = p1.NextCursor
		p2, err := e.svc.ListCustomers(e.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if !p1.HasMore || p2.HasMore {
			t.Errorf("ListCustomers(email, limit 3) has_more = %v then %v, want true then false", p1.HasMore, p2.HasMore)
		}
		if got, want := append(ids(p1.Items), ids(p2.Items)...), newestFirst(0, 5, 10, 15, 20); !slices.Equal(got, want) {
			t.Errorf("ListCustomers(email team@example.com) = %v, want %v", got, want)
		}
		none, err := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{Email: "nobody@example.com"})
		if err != nil || len(none.Items) != 0 || none.Items == nil || none.HasMore {
			t.Errorf("ListCustomers(unknown email) = %+v, %v; want an empty, non-nil page", none, err)
		}
	})
	t.Run("FilterCreated", func(t *testing.T) {
		for _, tc := range []struct {
			name          string
			after, before time.Time
			want          []string
		}{
			{"Between", t0.Add(9*time.Minute + 30*time.Second), t0.Add(14*time.Minute + 30*time.Second), newestFirst(10, 11, 12, 13, 14)},
			{"AfterOnly", t0.Add(21*time.Minute + 30*time.Second), time.Time{}, newestFirst(22, 23, 24)},
			{"BeforeOnly", time.Time{}, t0.Add(2*time.Minute + 30*time.Second), newestFirst(0, 1, 2)},
			// Like ListEvents' [from, to): the lower bound is included, the upper one not.
			{"HalfOpen", t0.Add(3 * time.Minute), t0.Add(5 * time.Minute), newestFirst(3, 4)},
			{"Empty", t0.Add(time.Hour), time.Time{}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := billing.ListCustomersInput{CreatedAfter: tc.after, CreatedBefore: tc.before}
				page, err := e.svc.ListCustomers(e.ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(page.Items); !slices.Equal(got, tc.want) {
					t.Errorf("ListCustomers(%+v) = %v, want %v", in, got, tc.want)
				}
			})
		}
	})
	t.Run("ErrInvalidLimit", func(t *testing.T) {
		for _, n := range []int{-1, 101} {
			_, err := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{Limit: n})
			wantField(t, fmt.Sprintf("ListCustomers(limit %d)", n), err, kernel.EInvalid, "limit")
		}
		if page, err := e.svc.ListCustomers(e.ctx, billing.ListCustomersInput{Limit: 100}); err != nil || len(page.Items) != 25 {
			t.Errorf("ListCustomers(limit 100) = %d items, %v; want 25", len(page.Items), err)
		}
	})
}

func TestNamedWallets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cus := e.customer(t, "u1")
	w, existed, err := e.svc.CreateWallet(e.ctx, billing.CreateWalletInput{Customer: "u1", Name: "project-alpha"})
	if err != nil || existed {
		t.Fatalf("CreateWallet(project-alpha) = %+v, existed %v, %v; want created", w, existed, err)
	}
	if w.ID == cus.DefaultWalletID || w.IsDefault || w.CustomerID != cus.ID || w.Name != "project-alpha" {
		t.Errorf("CreateWallet(project-alpha) = %+v, want a non-default wallet of %s", w, cus.ID)
	}
	t.Run("Existed", func(t *testing.T) {
		again, existed, err := e.svc.CreateWallet(e.ctx, billing.CreateWalletInput{Customer: cus.ID, Name: " project-alpha "})
		if err != nil || !existed || again.ID != w.ID {
			t.Fatalf("CreateWallet(project-alpha) again = %s, existed %v, %v; want %s, existed", again.ID, existed, err, w.ID)
		}
		ws, err := e.svc.ListWallets(e.ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 2 || ws[0].ID != cus.DefaultWalletID || ws[1].ID != w.ID {
			t.Errorf("ListWallets(u1) = %+v, want the default wallet then project-alpha", ws)
		}
	})
	t.Run("AdjustNamedOnly", func(t *testing.T) {
		e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustTopUp, Customer: "u1", Wallet: "project-alpha", Asset: "USD", Amount: dec("10"), Reason: "named-by-name"})
		e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustGift, Wallet: w.ID, Asset: "USD", Amount: dec("2.50"), Reason: "named-by-id"})
		e.adjust(t, billing.CreateAdjustmentInput{Kind: billing.AdjustCharge, Customer: "u1", Wallet: "project-alpha", Asset: "USD", Amount: dec("1.25"), Reason: "named-charge"})
		named, err := e.svc.GetWallet(e.ctx, "u1", "project-alpha")
		if err != nil {
			t.Fatal(err)
		}
		if len(named.Balances) != 1 {
			t.Fatalf("GetWallet(u1, project-alpha) balances = %+v, want one in USD", named.Balances)
		}
		wantDec(t, "project-alpha total", named.Balances[0].Total, "11.25")
		def := e.balance(t, "u1", "USD")
		wantDec(t, "default wallet total", def.Total, "0")
		if len(def.Lots) != 0 {
			t.Errorf("default wallet lots = %+v, want none", def.Lots)
		}
		page, err := e.svc.ListTransactions(e.ctx, billing.ListTransactionsInput{Customer: "u1"})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("ListTransactions(default wallet) = %d transactions, %v; want 0", len(page.Items), err)
		}
		page, err = e.svc.ListTransactions(e.ctx, billing.ListTransactionsInput{Customer: "u1", Wallet: "project-alpha"})
		if err != nil || len(page.Items) != 3 {
			t.Errorf("ListTransactions(project-alpha) = %d transactions, %v; want 3", len(page.Items), err)
		}
	})
	t.Run("ErrInsufficientFundsInDefault", func(t *testing.T) {
		// The named wallet's money does not pay for the default wallet.
		_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: "c-default", Kind: billing.AdjustCharge, Customer: "u1", Asset: "USD", Amount: dec("1")})
		wantCode(t, "charge 1 USD on the empty default wallet", err, kernel.EInsufficientFunds)
	})
	t.Run("ErrInvalidName", func(t *testing.T) {
		for _, name := range []string{"", "Project Alpha", "-lead", strings.Repeat("a", 65)} {
			_, _, err := e.svc.CreateWallet(e.ctx, billing.CreateWalletInput{Customer: "u1", Name: name})
			wantField(t, fmt.Sprintf("CreateWallet(%q)", name), err, kernel.EInvalid, "name")
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, _, err := e.svc.CreateWallet(e.ctx, billing.CreateWalletInput{Customer: "u2", Name: "x"})
		wantField(t, "CreateWallet(customer u2)", err, kernel.ENotFound, "customer")
		_, err = e.svc.GetWallet(e.ctx, "u1", "project-beta")
		wantField(t, "GetWallet(u1, project-beta)", err, kernel.ENotFound, "wallet")
		if !strings.Contains(err.Error(), "create_wallet") {
			t.Errorf("GetWallet(u1, project-beta) error %q does not name create_wallet", err)
		}
	})
	e.verifyClean(t)
}
