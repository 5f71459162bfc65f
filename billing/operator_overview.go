package billing

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Overview answers what an operator looks at first: counts across the
// caller's account and mode, customer search, a customer's open holds.
// Each read is bounded (an index probe per customer at most), so it stays
// quick on a large database.
type Overview struct{ *core }

// Figures are an account and mode's counts now.
type Figures struct {
	// ActiveCustomers were billed (a fee) since the time asked.
	ActiveCustomers int64
	// EventsLastMinute were recorded in the last minute, counted among the
	// newest MaxCountedEvents (so at most that).
	EventsLastMinute int64
	// WalletsBelowThreshold have a balance below one of their thresholds.
	WalletsBelowThreshold int64
	// PastDuePlans could not be renewed for want of funds and are in grace.
	PastDuePlans int64
}

// MaxCountedEvents bounds the count of Figures.EventsLastMinute.
const MaxCountedEvents = 10000

// Figures counts the caller's active customers (billed since since), the
// events of the last minute, wallets below a threshold and past-due plans.
// Returns EUnauthorized without a caller.
func (s *Overview) Figures(ctx context.Context, since time.Time) (Figures, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Figures{}, err
	}
	db, acct, mode := TranslateErrors(s.pool), c.AccountID, string(c.Mode)
	var f Figures
	if f.ActiveCustomers, err = queries.CountActiveCustomers(ctx, db, dbsqlc.CountActiveCustomersParams{AccountID: acct, Mode: mode, Since: since}); err != nil {
		return Figures{}, err
	}
	if f.EventsLastMinute, err = queries.CountRecentEvents(ctx, db, dbsqlc.CountRecentEventsParams{AccountID: acct, Mode: mode, Since: s.clock().Add(-time.Minute)}); err != nil {
		return Figures{}, err
	}
	if f.WalletsBelowThreshold, err = queries.CountWalletsBelowThreshold(ctx, db, dbsqlc.CountWalletsBelowThresholdParams{AccountID: acct, Mode: mode}); err != nil {
		return Figures{}, err
	}
	f.PastDuePlans, err = queries.CountPastDuePlans(ctx, db, dbsqlc.CountPastDuePlansParams{AccountID: acct, Mode: mode})
	return f, err
}

// SearchCustomers finds the caller's customers whose id, external id or
// email is the text, then those whose name, email or external id contains
// it, at most limit (1-100). Returns EInvalid for an empty or over-long text.
func (s *Overview) SearchCustomers(ctx context.Context, text string, limit int) ([]Customer, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 200 {
		return nil, kernel.Invalidf("q", "search for 1 to 200 characters of an id, external id, name or email")
	}
	if limit < 1 || limit > maxPageSize {
		return nil, kernel.Invalidf("limit", "limit must be 1 to %d", maxPageSize)
	}
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text)
	rows, err := queries.SearchCustomers(ctx, TranslateErrors(s.pool), dbsqlc.SearchCustomersParams{AccountID: c.AccountID, Mode: string(c.Mode),
		Q: text, Pattern: "%" + escaped + "%", Lim: int32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]Customer, len(rows))
	for i, r := range rows {
		if out[i], err = customerFromRow(dbsqlc.ListCustomersRow(r)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Hold is an authorization still holding money.
type Hold struct {
	ID        string
	WalletID  string
	Asset     string
	Amount    rating.Decimal
	EventType string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// OpenHolds lists a customer's active, unexpired authorizations (at most
// 100), soonest to expire first. Returns ENotFound for a customer not the
// caller's.
func (s *Overview) OpenHolds(ctx context.Context, customer string) ([]Hold, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return nil, err
	}
	rows, err := queries.ListOpenHolds(ctx, TranslateErrors(s.pool), dbsqlc.ListOpenHoldsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		CustomerID: cus.ID, Now: s.clock()})
	if err != nil {
		return nil, err
	}
	out := make([]Hold, len(rows))
	for i, r := range rows {
		out[i] = Hold{ID: r.ID, WalletID: r.WalletID, Asset: r.Asset, Amount: r.Amount, EventType: r.EventType, ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// TopUpsInput selects an account's top-ups.
type TopUpsInput struct {
	// Kind is "all" (default), "declined" (auto top-ups that failed) or
	// "refunded" (refunded in part or whole).
	Kind   string
	Cursor string // the last id of the previous page
	Limit  int    // 1-100
}

// TopUps lists the caller's top-ups across customers, newest first.
// Returns EInvalid.
func (s *Overview) TopUps(ctx context.Context, in TopUpsInput) (Page[TopUp], error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Page[TopUp]{}, err
	}
	if in.Kind == "" {
		in.Kind = "all"
	}
	if in.Kind != "all" && in.Kind != "declined" && in.Kind != "refunded" {
		return Page[TopUp]{}, kernel.Invalidf("kind", "kind must be all, declined or refunded")
	}
	if in.Limit < 1 || in.Limit > maxPageSize {
		return Page[TopUp]{}, kernel.Invalidf("limit", "limit must be 1 to %d", maxPageSize)
	}
	rows, err := queries.ListAccountTopUps(ctx, TranslateErrors(s.pool), dbsqlc.ListAccountTopUpsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		Cursor: nullable(in.Cursor), Kind: in.Kind, Lim: int32(in.Limit + 1)})
	if err != nil {
		return Page[TopUp]{}, err
	}
	p := Page[TopUp]{}
	for i, r := range rows {
		if i == in.Limit {
			p.HasMore, p.NextCursor = true, p.Items[i-1].ID
			break
		}
		t, _ := topUpFromRow(dbsqlc.GetTopUpRow(r)) // the request hash is not shown
		p.Items = append(p.Items, t)
	}
	return p, nil
}
