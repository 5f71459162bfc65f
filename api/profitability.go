package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/profitability"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// profitabilityParams are GET /v1/profitability's query parameters.
var profitabilityParams = []param{
	{"from", "string", "First day, included: a date such as 2026-11-01 (UTC; an RFC 3339 UTC midnight is accepted too); default 30 days before to"},
	{"to", "string", "Day after the last, excluded (2026-12-01 covers November); default tomorrow, so today is included"},
	{"group_by", "string", "Comma-separated, up to 4: customer, product, version, event_type, dimension:<data key>, and one of day, week, month; default one row, the total"},
	{"customer", "string", "Only this customer's events (id or external_id)"},
	{"product", "string", "Only this product's fees (id or code)"},
	{"event_type", "string", "Only events of this type"},
	{"dimensions[<key>]", "string", "Only events whose data key <key> has this value, such as dimensions[model]=gpt-4o; empty matches events without the key. Repeat for several keys"},
	{"sort", "string", "revenue (default), billed, cost, margin, margin_pct or events; rows without a margin % come last"},
	{"order", "string", "desc (default) or asc"},
	{"limit", "integer", "Rows per page, 1-1000; default 50"},
	pAfter, pCursor,
}

// dimensionParam reads a dimensions[<key>] query parameter's key.
func dimensionParam(name string) (string, bool) {
	key, ok := strings.CutPrefix(name, "dimensions[")
	if !ok || !strings.HasSuffix(key, "]") {
		return "", false
	}
	return strings.TrimSuffix(key, "]"), true
}

func (s *server) getProfitability(w http.ResponseWriter, r *http.Request) error {
	allowed := []string{"from", "to", "group_by", "customer", "product", "event_type", "dimensions[<key>]", "sort", "order"}
	var dims []string
	for name := range r.URL.Query() {
		if _, ok := dimensionParam(name); ok {
			dims = append(dims, name)
		}
	}
	q := newQuery(r, append(withPage(allowed...), dims...)...)
	in := profitability.Input{From: queryDate(q, "from"), To: queryDate(q, "to"), GroupBy: splitList(q.str("group_by")), Sort: q.str("sort"),
		Order: q.str("order"), Limit: q.int("limit"), Cursor: q.cursor(),
		Filters: profitability.Filters{Customer: q.str("customer"), Product: q.str("product"), EventType: q.str("event_type")}}
	for _, name := range dims {
		key, _ := dimensionParam(name)
		if in.Filters.Dimensions == nil {
			in.Filters.Dimensions = map[string]string{}
		}
		in.Filters.Dimensions[key] = q.str(name)
	}
	if q.err != nil {
		return q.err
	}
	rep, err := s.prof.Profitability(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromProfitabilityReport(rep))
}

// queryDate reads a date (midnight UTC) or an RFC 3339 date-time.
func queryDate(q *query, name string) time.Time {
	v := q.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := wire.ParseDate(v)
	if err != nil && q.err == nil {
		q.err = badRequest("invalid_parameter", name, fmt.Sprintf("query parameter %s %s (URL-encode a + offset as %%2B)", name, err))
	}
	return t
}

// splitList splits a comma-separated parameter; empty items are dropped.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func (s *server) simulateRepricing(w http.ResponseWriter, r *http.Request) error {
	var in wire.RepricingRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	var draft []rating.Price
	if len(in.Prices) > 0 {
		draft = prices(in.Prices)
		for i := range draft {
			draft[i].ID = "" // ignored on input, as everywhere
		}
	}
	rep, err := s.prof.SimulateRepricing(r.Context(), profitability.RepricingInput{Product: in.Product, Version: in.Version, Prices: draft,
		From: in.From.Value(), To: in.To.Value(), GroupBy: in.GroupBy,
		Filters: profitability.Filters{Customer: in.Customer, Dimensions: in.Dimensions}, Limit: in.Limit, Cursor: in.Cursor})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromRepricingReport(rep))
}

func (s *server) getProfitabilityDimensions(w http.ResponseWriter, r *http.Request) error {
	if err := newQuery(r).err; err != nil {
		return err
	}
	dims, err := s.prof.ProfitabilityDimensions(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.ProfitabilityDimensions{Dimensions: nonNil(dims)})
}

func (s *server) setProfitabilityDimensions(w http.ResponseWriter, r *http.Request) error {
	var in wire.SetProfitabilityDimensionsRequest
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	if in.Dimensions == nil {
		return &apiError{status: http.StatusUnprocessableEntity, typ: typeInvalidRequest, code: kernel.EInvalid, param: "dimensions",
			message: "dimensions is required: the full list of data keys to group by, such as [\"feature\"] ([] clears it)"}
	}
	dims, err := s.prof.SetProfitabilityDimensions(r.Context(), in.Dimensions)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.ProfitabilityDimensions{Dimensions: nonNil(dims)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
