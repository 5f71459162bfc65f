package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

type productRow struct {
	Code, Name, EventType, Version, Created string
	Archived                                bool
}

type catalogPage struct {
	base
	Products []productRow
	Assets   []assetRow
}

type assetRow struct{ Code, Name, Kind, Precision string }

func (c *Console) catalog(w http.ResponseWriter, r *request) error {
	b, err := c.layout(r, "catalog", "Catalog")
	if err != nil {
		return err
	}
	p := catalogPage{base: b}
	list, err := c.svc.Catalog.ListProducts(r.ctx, billing.ListProductsInput{IncludeArchived: true, Limit: 100})
	if err != nil {
		return err
	}
	for _, pr := range list.Items {
		p.Products = append(p.Products, productRow{Code: pr.Code, Name: pr.Name, EventType: pr.EventType, Version: strconv.Itoa(pr.DefaultVersion),
			Created: date(pr.CreatedAt), Archived: pr.ArchivedAt != nil})
	}
	assets, err := c.svc.Catalog.ListAssets(r.ctx)
	if err != nil {
		return err
	}
	for _, a := range assets {
		p.Assets = append(p.Assets, assetRow{Code: a.Code, Name: a.Name, Kind: label(string(a.Kind)), Precision: strconv.Itoa(int(a.Precision))})
	}
	c.render(w, http.StatusOK, "catalog", p)
	return nil
}

type versionView struct {
	Version, Published string
	Default            bool
	Prices             []string
	Entitlements       []string
}

type simulation struct {
	Data, Customer, Version string
	Ran                     bool
	Fees                    []string
	Totals                  []string
	Error                   string
}

type productPage struct {
	base
	Product  billing.Product
	Versions []versionView
	Sim      simulation
}

// product shows a product's versions and prices as people read them, and
// prices a hypothetical event (the simulate form, a GET: it changes
// nothing).
func (c *Console) product(w http.ResponseWriter, r *request) error {
	view, err := c.svc.Catalog.GetProduct(r.ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	title := view.Name
	if title == "" {
		title = view.Code
	}
	b, err := c.layout(r, "catalog", title)
	if err != nil {
		return err
	}
	as, err := c.assets(r)
	if err != nil {
		return err
	}
	p := productPage{base: b, Product: view.Product}
	for _, v := range view.Versions {
		vv := versionView{Version: strconv.Itoa(v.Version), Published: date(v.PublishedAt), Default: v.Version == view.DefaultVersion}
		for _, pr := range v.Prices {
			vv.Prices = append(vv.Prices, describePrice(pr, as))
		}
		for _, e := range v.Entitlements {
			vv.Entitlements = append(vv.Entitlements, describeEntitlement(e, as))
		}
		p.Versions = append(p.Versions, vv)
	}
	status := http.StatusOK
	if p.Sim = c.simulate(r, view, as); p.Sim.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, status, "product", p)
	return nil
}

// simulate prices the form's event (?data=…) when it was sent.
func (c *Console) simulate(r *request, view billing.ProductView, as assets) simulation {
	q := r.URL.Query()
	s := simulation{Data: q.Get("data"), Customer: strings.TrimSpace(q.Get("customer")), Version: q.Get("version")}
	if _, sent := q["data"]; !sent {
		return s
	}
	in := billing.SimulateInput{Product: view.ID, Customer: s.Customer}
	if strings.TrimSpace(s.Data) != "" {
		if len(s.Data) > 8<<10 || json.Unmarshal([]byte(s.Data), &in.Data) != nil {
			s.Error = `The event data must be a JSON object, such as {"total_tokens": 1200, "model": "gpt-4o"}.`
			return s
		}
	}
	if s.Version != "" {
		if n, err := strconv.Atoi(s.Version); err == nil {
			in.Version = n
		} else {
			s.Error = "The version must be a number."
			return s
		}
	}
	sim, err := c.svc.Catalog.SimulateUsage(r.ctx, in)
	if kernel.ErrorCode(err) == kernel.EInvalid || kernel.ErrorCode(err) == kernel.ENotFound {
		s.Error = sentence(kernel.ErrorMessage(err))
		return s
	}
	if err != nil {
		s.Error = "The simulation failed; try again."
		c.log.Error("console simulate", "err", err)
		return s
	}
	s.Ran = true
	for _, f := range sim.Fees {
		name := f.PriceName
		if name == "" {
			name = f.PriceID
		}
		s.Fees = append(s.Fees, fmt.Sprintf("%s × %s: %s (%s)", f.Quantity.String(), name, as.money(f.Amount, f.Asset), f.Breakdown))
	}
	codes := make([]string, 0, len(sim.Totals))
	for code := range sim.Totals {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		s.Totals = append(s.Totals, as.money(sim.Totals[code], code))
	}
	return s
}

// describePrice says a price as people read it: "$1.50 per event".
func describePrice(p rating.Price, as assets) string {
	m := func(d rating.Decimal) string { return as.money(d, p.Asset) }
	per := func(field string, block rating.Decimal) string {
		if field == "" {
			return "per event"
		}
		if block.IsZero() || block.Equal(decimal.NewFromInt(1)) {
			return "per " + field
		}
		return "per " + rating.Group(block.String()) + " " + field
	}
	var s string
	switch p.Model {
	case rating.PerUnit:
		s = m(p.UnitAmount) + " per event"
	case rating.PerVolume, rating.Package:
		s = m(p.BlockAmount) + " " + per(p.Field, p.BlockSize)
		if p.Model == rating.Package {
			s += ", whole blocks"
		}
	case rating.Dimensional:
		var rates []string
		for _, rt := range p.Rates {
			var vals []string
			for _, d := range p.Dimensions {
				vals = append(vals, rt.Values[d])
			}
			rates = append(rates, strings.Join(vals, "/")+" "+m(rt.Amount))
		}
		s = "by " + strings.Join(p.Dimensions, ", ") + " " + per(p.Field, p.BlockSize) + ": " + strings.Join(rates, "; ")
	case rating.Tiered:
		var tiers []string
		for _, t := range p.Tiers {
			part := m(t.UnitAmount) + " each"
			if t.UpTo != nil {
				part += " up to " + rating.Group(t.UpTo.String())
			} else {
				part += " above"
			}
			if t.FlatAmount.IsPositive() {
				part += " + " + m(t.FlatAmount) + " once"
			}
			tiers = append(tiers, part)
		}
		s = label(p.TierMode) + " tiers " + per(p.Field, rating.Zero) + ": " + strings.Join(tiers, "; ")
	case rating.CostPlus:
		who := "the event's costs"
		if p.Vendor != "" {
			who = p.Vendor + "'s cost"
		}
		s = who + " + " + p.MarkupPercent.String() + "%"
		if p.MarkupFixed.IsPositive() {
			s += " + " + m(p.MarkupFixed)
		}
	case rating.Recurring:
		s = m(p.Amount) + " per " + p.Interval
	default:
		s = string(p.Model)
	}
	if p.Name != "" {
		s = p.Name + ": " + s
	}
	return s
}

func describeEntitlement(e rating.Entitlement, as assets) string {
	s := "grants " + as.money(e.Amount, e.Asset)
	if e.Kind == rating.EntitlementRecurring {
		s += " every " + e.Interval
	} else {
		s += " once"
	}
	if e.LifetimeDays > 0 {
		s += fmt.Sprintf(", lasting %d days", e.LifetimeDays)
	}
	if e.Purpose == "promotion" {
		s += " (promotion)"
	}
	return s
}
