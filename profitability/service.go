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
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	now    func() time.Time
}

// Options tune a Service; the zero value is valid.
type Options struct {
	// Now is the clock; nil means time.Now. Tests pass the clock they give
	// billing.
	Now func() time.Time
}

// New returns a Service over the database billing migrated, reading
// references through svc, the billing service over the same pool. The pool
// must have been configured with billing.ConfigurePool.
func New(pool *pgxpool.Pool, svc *billing.Service, opts Options) *Service {
	s := &Service{pool: pool, lookup: Lookup{Customers: svc, Catalog: svc.Catalog}, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// clock returns the one "now" of an operation, in UTC and at the microsecond
// precision PostgreSQL keeps (billing's rule).
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

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

// dbtx is what both a pool and a transaction offer.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// costRow is an element of events.costs as billing stores it.
type costRow struct {
	Vendor   string         `json:"vendor"`
	Amount   rating.Decimal `json:"amount"`
	Currency string         `json:"currency"`
}

// decodeEvent reads events.data (numbers kept as json.Number, as rating
// reads them) and events.costs (nil: unknown) as billing wrote them.
func decodeEvent(data, costs []byte) (map[string]any, []rating.Cost, error) {
	m := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, err
	}
	if costs == nil {
		return m, nil, nil
	}
	var rows []costRow
	if err := json.Unmarshal(costs, &rows); err != nil {
		return nil, nil, err
	}
	out := make([]rating.Cost, len(rows))
	for i, r := range rows {
		out[i] = rating.Cost{Vendor: r.Vendor, Amount: r.Amount, Currency: r.Currency}
	}
	return m, out, nil
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
