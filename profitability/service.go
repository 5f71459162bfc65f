// Package profitability is a read model over what billing wrote: it sets the
// revenue of billed events (from their fees and the wallet entries that paid
// them) against their vendor costs, keeps daily and monthly rollups of those
// figures, and re-rates a period's events with proposed prices.
//
// It reads billing's tables and writes only its own (profitability_*; their
// migrations stay with billing's). billing does not import it: the surfaces
// construct both services and hand each tool and route the one it needs.
package profitability

import (
	"context"
	"sort"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// Lookup is what profitability reads through billing's own rules instead of
// its own SQL: customer and product references resolved with billing's
// errors, and the caller's assets. New builds it from the billing service
// (its customers, and its Catalog's products and assets).
type Lookup struct {
	Customers interface {
		GetCustomer(ctx context.Context, ref string) (billing.Customer, error)
	}
	Catalog interface {
		GetProduct(ctx context.Context, ref string) (billing.ProductView, error)
		ListAssets(ctx context.Context) ([]billing.Asset, error)
	}
}

// Service answers profitability and repricing queries. Each method takes the
// caller's account and mode from the context (billing.WithCaller).
type Service struct {
	pool   *pgxpool.Pool
	lookup Lookup
	clock  func() time.Time // billing's: one "now" per operation, UTC, to the microsecond
}

// New returns a Service over the database billing migrated, reading
// references through svc, the billing service over the same pool, and
// keeping its clock. The pool must have been configured with
// billing.ConfigurePool.
func New(pool *pgxpool.Pool, svc *billing.Service) *Service {
	return &Service{pool: pool, lookup: Lookup{Customers: svc, Catalog: svc.Catalog}, clock: svc.Now}
}

// precisions maps the caller's asset codes to their decimal places.
func (s *Service) precisions(ctx context.Context) (map[string]int32, error) {
	assets, err := s.lookup.Catalog.ListAssets(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int32, len(assets))
	for _, a := range assets {
		m[a.Code] = a.Precision
	}
	return m, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func decMin(a, b rating.Decimal) rating.Decimal {
	if a.LessThan(b) {
		return a
	}
	return b
}
