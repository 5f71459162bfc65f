package wire

import (
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// Price is one way a product version charges: its id and its fields. Only
// the fields of its model are set; see rating.Price for what each model
// reads. On input the id is ignored.
type Price struct {
	ID string `json:"id,omitempty" jsonschema_description:"Price id, set by Tollgate (ignored on input)" jsonschema:"example=price_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	PriceFields
}

// DimensionRate is one rate of a dimensional price.
type DimensionRate struct {
	Values map[string]string `json:"values" jsonschema_description:"Value per dimension, or * for any"`
	Amount Decimal           `json:"amount" jsonschema_description:"Fee per event (or per block_size of field)" jsonschema:"example=0.01"`
}

// Tier is one tier of a tiered price.
type Tier struct {
	UpTo       *Decimal `json:"up_to,omitempty" jsonschema_description:"Upper bound (units this month)" jsonschema:"example=1000"`
	UnitAmount Decimal  `json:"unit_amount" jsonschema_description:"Fee per unit" jsonschema:"example=0.002"`
	FlatAmount *Decimal `json:"flat_amount,omitempty" jsonschema_description:"Charged once on entering the tier" jsonschema:"example=0"`
}

// Entitlement is an amount of an asset a product version grants.
type Entitlement struct {
	Kind         string  `json:"kind" jsonschema_description:"Granted every interval, or once" jsonschema:"enum=recurring,enum=one_off,example=recurring"`
	Asset        string  `json:"asset" jsonschema_description:"Asset granted" jsonschema:"example=credits"`
	Amount       Decimal `json:"amount" jsonschema_description:"Amount per grant" jsonschema:"example=1000"`
	Interval     string  `json:"interval,omitempty" jsonschema_description:"Period length" jsonschema:"enum=day,enum=week,enum=month,enum=year,example=month"`
	LifetimeDays int     `json:"lifetime_days,omitempty" jsonschema_description:"Grant lifetime; 0: one_off never expires, recurring lasts its interval" jsonschema:"example=0"`
	Purpose      string  `json:"purpose,omitempty" jsonschema_description:"Lot purpose; default bundled" jsonschema:"enum=bundled,enum=promotion,example=bundled"`
}

// FromPrice maps a domain price, setting only the fields its model reads.
func FromPrice(p rating.Price) Price {
	out := Price{ID: p.ID, PriceFields: PriceFields{Name: p.Name, Model: string(p.Model), Asset: p.Asset}}
	d := func(x rating.Decimal) *Decimal { return DP(&x) }
	switch p.Model {
	case rating.PerUnit:
		out.UnitAmount = d(p.UnitAmount)
	case rating.PerVolume, rating.Package:
		out.Field, out.BlockSize, out.BlockAmount = p.Field, d(p.BlockSize), d(p.BlockAmount)
	case rating.Dimensional:
		out.Field, out.Dimensions = p.Field, p.Dimensions
		if p.Field != "" {
			out.BlockSize = d(p.BlockSize)
		}
		for _, r := range p.Rates {
			out.Rates = append(out.Rates, DimensionRate{Values: r.Values, Amount: D(r.Amount)})
		}
	case rating.Tiered:
		out.Field, out.TierMode = p.Field, p.TierMode
		for _, t := range p.Tiers {
			tt := Tier{UpTo: DP(t.UpTo), UnitAmount: D(t.UnitAmount)}
			if !t.FlatAmount.IsZero() {
				tt.FlatAmount = d(t.FlatAmount)
			}
			out.Tiers = append(out.Tiers, tt)
		}
	case rating.CostPlus:
		out.Vendor, out.MarkupPercent, out.MarkupFixed = p.Vendor, d(p.MarkupPercent), d(p.MarkupFixed)
	case rating.Recurring:
		out.Interval, out.Amount = p.Interval, d(p.Amount)
	}
	return out
}

// ToPrice maps a price a client sent; absent amounts are zero.
func (p Price) ToPrice() rating.Price {
	out := p.PriceFields.ToPrice()
	out.ID = p.ID
	return out
}

// FromEntitlement maps a domain entitlement.
func FromEntitlement(e rating.Entitlement) Entitlement {
	return Entitlement{Kind: string(e.Kind), Asset: e.Asset, Amount: D(e.Amount), Interval: e.Interval, LifetimeDays: e.LifetimeDays, Purpose: e.Purpose}
}

// ToEntitlement maps an entitlement a client sent.
func (e Entitlement) ToEntitlement() rating.Entitlement {
	return rating.Entitlement{Kind: rating.EntitlementKind(e.Kind), Asset: e.Asset, Amount: e.Amount.Decimal,
		Interval: e.Interval, LifetimeDays: e.LifetimeDays, Purpose: e.Purpose}
}

// ptr unwraps an optional decimal: nil stays nil.
func ptr(d *Decimal) *rating.Decimal {
	if d == nil {
		return nil
	}
	v := d.Decimal
	return &v
}

// val unwraps an optional decimal: nil is zero.
func val(d *Decimal) rating.Decimal {
	if d == nil {
		return rating.Zero
	}
	return d.Decimal
}

// ProductVersion is an immutable set of prices and entitlements.
type ProductVersion struct {
	ID           string        `json:"id" jsonschema_description:"Version id" jsonschema:"example=pver_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductID    string        `json:"product_id" jsonschema_description:"The product" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Version      int           `json:"version" jsonschema_description:"Version number, from 1" jsonschema:"example=1"`
	Prices       []Price       `json:"prices" jsonschema_description:"How this version charges"`
	Entitlements []Entitlement `json:"entitlements" jsonschema_description:"What this version grants"`
	PublishedAt  string        `json:"published_at" jsonschema_description:"When it was published (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
}

// FromProductVersion maps a domain version.
func FromProductVersion(v billing.ProductVersion) ProductVersion {
	return ProductVersion{ID: v.ID, ProductID: v.ProductID, Version: v.Version, Prices: Map(v.Prices, FromPrice),
		Entitlements: Map(v.Entitlements, FromEntitlement), PublishedAt: Time(v.PublishedAt)}
}

// Product is a billable activity with its versions (newest first; empty in lists).
type Product struct {
	ID             string           `json:"id" jsonschema_description:"Product id" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Code           string           `json:"code" jsonschema_description:"Your code for the product" jsonschema:"example=image-generation"`
	Name           string           `json:"name" jsonschema_description:"Display name" jsonschema:"example=Image generation"`
	Description    string           `json:"description" jsonschema_description:"What it is" jsonschema:"example=AI images from text prompts"`
	EventType      string           `json:"event_type" jsonschema_description:"The event type your app reports for this activity" jsonschema:"example=image.generated"`
	DefaultVersion int              `json:"default_version" jsonschema_description:"The version new subscriptions get" jsonschema:"example=1"`
	ArchivedAt     *string          `json:"archived_at" jsonschema_description:"When it was archived; null while active"`
	CreatedAt      string           `json:"created_at" jsonschema_description:"When it was created (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	Versions       []ProductVersion `json:"versions,omitempty" jsonschema_description:"Its versions, newest first (omitted in lists)"`
}

// FromProduct maps a domain product without versions.
func FromProduct(p billing.Product) Product {
	return Product{ID: p.ID, Code: p.Code, Name: p.Name, Description: p.Description, EventType: p.EventType,
		DefaultVersion: p.DefaultVersion, ArchivedAt: TimeP(p.ArchivedAt), CreatedAt: Time(p.CreatedAt)}
}

// FromProductView maps a domain product with its versions.
func FromProductView(v billing.ProductView) Product {
	out := FromProduct(v.Product)
	out.Versions = Map(v.Versions, FromProductVersion)
	return out
}

// Vendor is a cost provider.
type Vendor struct {
	ID        string `json:"id" jsonschema_description:"Vendor id" jsonschema:"example=vnd_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Code      string `json:"code" jsonschema_description:"Your code for the vendor, used in event costs" jsonschema:"example=openai"`
	Name      string `json:"name" jsonschema_description:"Display name" jsonschema:"example=OpenAI"`
	CreatedAt string `json:"created_at" jsonschema_description:"When it was created (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
}

// FromVendor maps a domain vendor.
func FromVendor(v billing.Vendor) Vendor {
	return Vendor{ID: v.ID, Code: v.Code, Name: v.Name, CreatedAt: Time(v.CreatedAt)}
}

// Subscription ties a customer to a product version.
type Subscription struct {
	ID          string  `json:"id" jsonschema_description:"Subscription id" jsonschema:"example=sub_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CustomerID  string  `json:"customer_id" jsonschema_description:"The customer" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductID   string  `json:"product_id" jsonschema_description:"The product" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductCode string  `json:"product_code" jsonschema_description:"The product's code" jsonschema:"example=image-generation"`
	Version     int     `json:"version" jsonschema_description:"The version in force" jsonschema:"example=1"`
	StartedAt   string  `json:"started_at" jsonschema_description:"When it started (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	EndedAt     *string `json:"ended_at" jsonschema_description:"When it ended; null while in force"`

	// The billing cycle of a plan (a version with a recurring price).
	Status             string  `json:"status" jsonschema_description:"trialing (free trial: no fee until trial_ends_at), active (the period is paid; always for usage-only subscriptions), past_due (the renewal could not be paid: retried until grace_ends_at, a top-up pays it), suspended (unpaid after the grace period: authorizations for the product are declined with subscription_suspended; a top-up resumes it) or canceled" jsonschema:"enum=trialing,enum=active,enum=past_due,enum=suspended,enum=canceled,example=active"`
	Plan               bool    `json:"plan" jsonschema_description:"true when the version has a recurring price (a fee charged each period in advance); false for a usage-only subscription, which has no periods" jsonschema:"example=true"`
	WalletID           string  `json:"wallet_id" jsonschema_description:"The wallet that pays the plan's fees; empty for usage-only subscriptions" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CurrentPeriodStart *string `json:"current_period_start" jsonschema_description:"Start of the current period (the trial while trialing); null for usage-only"`
	CurrentPeriodEnd   *string `json:"current_period_end" jsonschema_description:"End of the current period; null for usage-only"`
	NextRenewalAt      *string `json:"next_renewal_at" jsonschema_description:"When the next fee is charged and the allowance renewed; null for usage-only, ended, or canceled at period end"`
	TrialEndsAt        *string `json:"trial_ends_at" jsonschema_description:"When the free trial ends and the first fee is charged; null when not trialing"`
	GraceEndsAt        *string `json:"grace_ends_at" jsonschema_description:"While past_due: when the plan is suspended unless the wallet can pay; null otherwise"`
	CancelAtPeriodEnd  bool    `json:"cancel_at_period_end" jsonschema_description:"true when the plan ends at current_period_end instead of renewing" jsonschema:"example=false"`
	NextVersion        int     `json:"next_version" jsonschema_description:"The version the plan moves to at current_period_end; 0 when no change is scheduled" jsonschema:"example=0"`
}

// FromSubscription maps a domain subscription.
func FromSubscription(s billing.Subscription) Subscription {
	out := Subscription{ID: s.ID, CustomerID: s.CustomerID, ProductID: s.ProductID, ProductCode: s.ProductCode,
		Version: s.Version, StartedAt: Time(s.StartedAt), EndedAt: TimeP(s.EndedAt),
		Status: s.Status, Plan: s.PeriodEnd != nil, WalletID: s.WalletID, CurrentPeriodStart: TimeP(s.PeriodStart), CurrentPeriodEnd: TimeP(s.PeriodEnd),
		GraceEndsAt: TimeP(s.GraceEndsAt), CancelAtPeriodEnd: s.CancelAtPeriodEnd, NextVersion: s.NextVersion}
	switch {
	case s.EndedAt != nil:
		out.Status, out.GraceEndsAt = billing.SubscriptionCanceled, nil
	case out.Status == "":
		out.Status = billing.SubscriptionActive
	}
	if s.PeriodEnd != nil && s.EndedAt == nil && !s.CancelAtPeriodEnd {
		out.NextRenewalAt = TimeP(s.PeriodEnd)
	}
	if out.Status == billing.SubscriptionTrialing {
		out.TrialEndsAt = TimeP(s.AnchorAt)
	}
	return out
}

// Cost is a vendor cost an event reports.
type Cost struct {
	Vendor   string  `json:"vendor" jsonschema_description:"Vendor code" jsonschema:"example=openai"`
	Amount   Decimal `json:"amount" jsonschema_description:"What the vendor charged" jsonschema:"example=0.0021"`
	Currency string  `json:"currency" jsonschema_description:"Currency of the amount" jsonschema:"example=USD"`
}

// ToCosts maps the costs a client sent, keeping nil (unknown) apart from
// empty (none).
func ToCosts(in []Cost) []rating.Cost {
	if in == nil {
		return nil
	}
	return Map(in, Cost.ToCost)
}

// FromCost maps a domain cost.
func FromCost(c rating.Cost) Cost {
	return Cost{Vendor: c.Vendor, Amount: D(c.Amount), Currency: c.Currency}
}

// ToCost maps a cost a client sent.
func (c Cost) ToCost() rating.Cost {
	return rating.Cost{Vendor: c.Vendor, Amount: c.Amount.Decimal, Currency: c.Currency}
}

// Fee is what one price charged for one event.
type Fee struct {
	ID          string  `json:"id,omitempty" jsonschema_description:"Fee id (empty in simulations)" jsonschema:"example=fee_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductID   string  `json:"product_id" jsonschema_description:"The product priced" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductCode string  `json:"product_code" jsonschema_description:"Its code" jsonschema:"example=image-generation"`
	Version     int     `json:"version" jsonschema_description:"The version that priced it" jsonschema:"example=1"`
	PriceID     string  `json:"price_id" jsonschema_description:"The price that charged" jsonschema:"example=price_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	PriceName   string  `json:"price_name,omitempty" jsonschema_description:"The price's label" jsonschema:"example=Images"`
	Asset       string  `json:"asset" jsonschema_description:"Asset of the fee" jsonschema:"example=USD"`
	Amount      Decimal `json:"amount" jsonschema_description:"The fee, exact (sub-cent fees are kept, never rounded away)" jsonschema:"example=0.04"`
	Quantity    Decimal `json:"quantity" jsonschema_description:"Units counted against the price" jsonschema:"example=1"`
	Breakdown   string  `json:"breakdown" jsonschema_description:"How the fee was computed, in one line" jsonschema:"example=1 event × 0.04 = 0.04 USD"`
}

// FromFee maps a domain fee.
func FromFee(f billing.Fee) Fee {
	return Fee{ID: f.ID, ProductID: f.ProductID, ProductCode: f.ProductCode, Version: f.Version, PriceID: f.PriceID,
		PriceName: f.PriceName, Asset: f.Asset, Amount: A(f.Amount, f.Precision), Quantity: D(f.Quantity), Breakdown: f.Breakdown}
}

// Simulation prices a hypothetical event; nothing is recorded.
type Simulation struct {
	ProductID   string             `json:"product_id" jsonschema_description:"The product" jsonschema:"example=prod_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	ProductCode string             `json:"product_code" jsonschema_description:"Its code" jsonschema:"example=image-generation"`
	Version     int                `json:"version" jsonschema_description:"The version priced" jsonschema:"example=1"`
	Fees        []Fee              `json:"fees" jsonschema_description:"The fees a real event would get"`
	Totals      map[string]Decimal `json:"totals" jsonschema_description:"Total per asset"`
}

// FromSimulation maps a domain simulation.
func FromSimulation(s billing.Simulation) Simulation {
	out := Simulation{ProductID: s.ProductID, ProductCode: s.ProductCode, Version: s.Version, Fees: Map(s.Fees, FromFee), Totals: map[string]Decimal{}}
	places := map[string]int32{}
	for _, f := range s.Fees {
		places[f.Asset] = f.Precision
	}
	for k, v := range s.Totals {
		out.Totals[k] = A(v, places[k])
	}
	return out
}
