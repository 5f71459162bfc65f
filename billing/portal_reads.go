package billing

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

// Reads the customer portal needs beside the ones every surface uses.

// DaySpend is what a customer's usage cost in one asset on one UTC day.
type DaySpend struct {
	Day    time.Time      // 00:00 UTC
	Amount rating.Decimal // exact
}

// DailySpend returns a customer's fees in asset per UTC day over the days
// days ending today, oldest first, one entry per day (zero when nothing
// was spent). Returns ENotFound, EInvalid.
func (s *Portal) DailySpend(ctx context.Context, customer, asset string, days int) ([]DaySpend, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if days < 1 || days > 366 {
		return nil, kernel.Invalidf("days", "days must be 1-366")
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return nil, err
	}
	today := s.clock().Truncate(24 * time.Hour)
	from, to := today.AddDate(0, 0, 1-days), today.AddDate(0, 0, 1)
	rows, err := queries.DailySpend(ctx, s.pool, dbsqlc.DailySpendParams{AccountID: c.AccountID, Mode: string(c.Mode), CustomerID: cus.ID,
		Asset: asset, OccurredAt: from, OccurredAt_2: to})
	if err != nil {
		return nil, Translate(err)
	}
	byDay := make(map[time.Time]rating.Decimal, len(rows))
	for _, r := range rows {
		byDay[r.Day.Time.UTC()] = r.Amount
	}
	out := make([]DaySpend, days)
	for i := range out {
		d := from.AddDate(0, 0, i)
		out[i] = DaySpend{Day: d, Amount: rating.Zero}
		if v, ok := byDay[d]; ok {
			out[i].Amount = v
		}
	}
	return out, nil
}

// CustomerProducts returns the products of the caller's account a customer
// has events of (archived ones included, since their usage stays), by
// name: the products the customer's own usage can be filtered by, never
// another customer's. Returns ENotFound.
func (s *Portal) CustomerProducts(ctx context.Context, customer string) ([]Product, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return nil, err
	}
	rows, err := queries.CustomerProducts(ctx, s.pool, dbsqlc.CustomerProductsParams{AccountID: c.AccountID, Mode: string(c.Mode), CustomerID: cus.ID})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Product, len(rows))
	for i, r := range rows {
		out[i] = productFromRow(dbsqlc.ListProductsRow(r))
	}
	return out, nil
}

// SavedCard is the card a customer saved by paying a top-up, as it may be
// shown: never its full number.
type SavedCard struct {
	Provider string
	Brand    string // "Visa"; "" when the provider's id does not say
	Last4    string // "" when the provider's id does not say
}

// GetSavedCard returns the customer's saved card with the account's
// provider in the caller's mode. Returns ENotFound when there is none.
func (s *Payments) GetSavedCard(ctx context.Context, customer string) (SavedCard, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return SavedCard{}, err
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return SavedCard{}, err
	}
	prov, err := s.providerFor(ctx, s.pool, c)
	if err != nil {
		return SavedCard{}, err
	}
	pm, err := queries.GetSavedCard(ctx, s.pool, dbsqlc.GetSavedCardParams{CustomerID: cus.ID, Provider: prov.Name()})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && pm == "") {
		return SavedCard{}, kernel.NotFoundf("customer", "the customer has no saved card")
	}
	if err != nil {
		return SavedCard{}, Translate(err)
	}
	card := SavedCard{Provider: prov.Name()}
	// A test card's id carries its last 4 digits (pm_test_4242_…); every
	// test card number is a Visa.
	if rest, ok := strings.CutPrefix(pm, "pm_test_"); ok && prov.Name() == payments.ProviderTest {
		last4, _, _ := strings.Cut(rest, "_")
		card.Brand, card.Last4 = "Visa", last4
	}
	return card, nil
}
