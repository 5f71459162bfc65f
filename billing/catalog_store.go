package billing

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// priceRow and entitlementRow are how prices and entitlements are stored in a
// version's jsonb columns; decimals are strings.
type priceRow struct {
	ID            string             `json:"id"`
	Name          string             `json:"name,omitempty"`
	Model         rating.PriceModel  `json:"model"`
	Asset         string             `json:"asset"`
	UnitAmount    rating.Decimal     `json:"unit_amount"`
	Field         string             `json:"field,omitempty"`
	BlockSize     rating.Decimal     `json:"block_size"`
	BlockAmount   rating.Decimal     `json:"block_amount"`
	Dimensions    []string           `json:"dimensions,omitempty"`
	Rates         []dimensionRateRow `json:"rates,omitempty"`
	TierMode      string             `json:"tier_mode,omitempty"`
	Tiers         []tierRow          `json:"tiers,omitempty"`
	Vendor        string             `json:"vendor,omitempty"`
	MarkupPercent rating.Decimal     `json:"markup_percent"`
	MarkupFixed   rating.Decimal     `json:"markup_fixed"`
	Interval      string             `json:"interval,omitempty"`
	Amount        rating.Decimal     `json:"amount"`
}

type dimensionRateRow struct {
	Values map[string]string `json:"values"`
	Amount rating.Decimal    `json:"amount"`
}

type tierRow struct {
	UpTo       *rating.Decimal `json:"up_to"`
	UnitAmount rating.Decimal  `json:"unit_amount"`
	FlatAmount rating.Decimal  `json:"flat_amount"`
}

type entitlementRow struct {
	Kind         rating.EntitlementKind `json:"kind"`
	Asset        string                 `json:"asset"`
	Amount       rating.Decimal         `json:"amount"`
	Interval     string                 `json:"interval,omitempty"`
	LifetimeDays int                    `json:"lifetime_days,omitempty"`
	Purpose      string                 `json:"purpose,omitempty"`
}

func encodeVersion(prices []rating.Price, ents []rating.Entitlement) (string, string) {
	pr := make([]priceRow, len(prices))
	for i, p := range prices {
		r := priceRow{ID: p.ID, Name: p.Name, Model: p.Model, Asset: p.Asset, UnitAmount: p.UnitAmount, Field: p.Field,
			BlockSize: p.BlockSize, BlockAmount: p.BlockAmount, Dimensions: p.Dimensions, TierMode: p.TierMode, Vendor: p.Vendor,
			MarkupPercent: p.MarkupPercent, MarkupFixed: p.MarkupFixed, Interval: p.Interval, Amount: p.Amount}
		for _, d := range p.Rates {
			r.Rates = append(r.Rates, dimensionRateRow{Values: d.Values, Amount: d.Amount})
		}
		for _, t := range p.Tiers {
			r.Tiers = append(r.Tiers, tierRow{UpTo: t.UpTo, UnitAmount: t.UnitAmount, FlatAmount: t.FlatAmount})
		}
		pr[i] = r
	}
	er := make([]entitlementRow, len(ents))
	for i, e := range ents {
		er[i] = entitlementRow{Kind: e.Kind, Asset: e.Asset, Amount: e.Amount, Interval: e.Interval, LifetimeDays: e.LifetimeDays, Purpose: e.Purpose}
	}
	a, _ := json.Marshal(pr)
	b, _ := json.Marshal(er)
	return string(a), string(b)
}

func decodeVersion(pricesJSON, entsJSON []byte) ([]rating.Price, []rating.Entitlement, error) {
	var pr []priceRow
	var er []entitlementRow
	if err := json.Unmarshal(pricesJSON, &pr); err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(entsJSON, &er); err != nil {
		return nil, nil, err
	}
	prices := make([]rating.Price, len(pr))
	for i, r := range pr {
		p := rating.Price{ID: r.ID, Name: r.Name, Model: r.Model, Asset: r.Asset, UnitAmount: r.UnitAmount, Field: r.Field,
			BlockSize: r.BlockSize, BlockAmount: r.BlockAmount, Dimensions: r.Dimensions, TierMode: r.TierMode, Vendor: r.Vendor,
			MarkupPercent: r.MarkupPercent, MarkupFixed: r.MarkupFixed, Interval: r.Interval, Amount: r.Amount}
		for _, d := range r.Rates {
			p.Rates = append(p.Rates, rating.DimensionRate{Values: d.Values, Amount: d.Amount})
		}
		for _, t := range r.Tiers {
			p.Tiers = append(p.Tiers, rating.Tier{UpTo: t.UpTo, UnitAmount: t.UnitAmount, FlatAmount: t.FlatAmount})
		}
		prices[i] = p
	}
	ents := make([]rating.Entitlement, len(er))
	for i, r := range er {
		ents[i] = rating.Entitlement{Kind: r.Kind, Asset: r.Asset, Amount: r.Amount, Interval: r.Interval, LifetimeDays: r.LifetimeDays, Purpose: r.Purpose}
	}
	return prices, ents, nil
}

func productFromRow(r dbsqlc.ListProductsRow) Product {
	return Product{ID: r.ID, Code: r.Code, Name: r.Name, Description: r.Description, EventType: r.EventType,
		DefaultVersion: int(r.DefaultVersion), ArchivedAt: r.ArchivedAt, CreatedAt: r.CreatedAt}
}

func insertProduct(ctx context.Context, db DBTX, c Caller, p Product) (bool, error) {
	n, err := queries.InsertProduct(ctx, db, dbsqlc.InsertProductParams{ID: p.ID, AccountID: c.AccountID, Mode: string(c.Mode), Code: p.Code,
		Name: p.Name, Description: p.Description, EventType: p.EventType, DefaultVersion: int32(p.DefaultVersion), CreatedAt: p.CreatedAt})
	return n == 1, Translate(err)
}

// getProduct finds a product by id or code.
func getProduct(ctx context.Context, db DBTX, c Caller, ref string) (Product, error) {
	r, err := queries.GetProduct(ctx, db, dbsqlc.GetProductParams{AccountID: c.AccountID, Mode: string(c.Mode), Ref: ref})
	return productFromRow(dbsqlc.ListProductsRow(r)), Translate(err)
}

func getProductView(ctx context.Context, db DBTX, c Caller, ref string) (ProductView, error) {
	p, err := getProduct(ctx, db, c, ref)
	if err != nil {
		return ProductView{}, err
	}
	rows, err := queries.ListVersions(ctx, db, p.ID)
	if err != nil {
		return ProductView{}, Translate(err)
	}
	versions := make([]ProductVersion, len(rows))
	for i, r := range rows {
		if versions[i], err = versionFromRow(r); err != nil {
			return ProductView{Product: p}, err
		}
	}
	return ProductView{Product: p, Versions: versions}, nil
}

// versionFromRow maps the row of ListVersions and GetVersion (same fields)
// and decodes its prices and entitlements.
func versionFromRow(r dbsqlc.ProductVersion) (ProductVersion, error) {
	v := ProductVersion{ID: r.ID, ProductID: r.ProductID, Version: int(r.Version), PublishedAt: r.PublishedAt}
	var err error
	v.Prices, v.Entitlements, err = decodeVersion(r.Prices, r.Entitlements)
	return v, err
}

func latestVersion(ctx context.Context, db DBTX, productID string) (int, error) {
	n, err := queries.LatestVersion(ctx, db, productID)
	return int(n), Translate(err)
}

func insertVersion(ctx context.Context, db DBTX, v ProductVersion) error {
	prices, ents := encodeVersion(v.Prices, v.Entitlements)
	err := queries.InsertVersion(ctx, db, dbsqlc.InsertVersionParams{ID: v.ID, ProductID: v.ProductID, Version: int32(v.Version),
		Prices: []byte(prices), Entitlements: []byte(ents), PublishedAt: v.PublishedAt})
	if kernel.ErrorCode(Translate(err)) == kernel.EConflict {
		return kernel.Errorf(kernel.EConflict, "another version of this product was published at the same moment; retry")
	}
	return Translate(err)
}

func setDefaultVersion(ctx context.Context, db DBTX, productID string, version int) error {
	return Translate(queries.SetDefaultVersion(ctx, db, dbsqlc.SetDefaultVersionParams{ID: productID, DefaultVersion: int32(version)}))
}

func archiveProduct(ctx context.Context, db DBTX, productID string, at time.Time) error {
	return Translate(queries.ArchiveProduct(ctx, db, dbsqlc.ArchiveProductParams{ID: productID, ArchivedAt: &at}))
}

func listProducts(ctx context.Context, db DBTX, c Caller, in ListProductsInput, limit int) ([]Product, error) {
	rows, err := queries.ListProducts(ctx, db, dbsqlc.ListProductsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		Cursor: nullable(in.Cursor), IncludeArchived: in.IncludeArchived, Lim: int32(limit)})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Product, len(rows))
	for i, r := range rows {
		out[i] = productFromRow(r)
	}
	return out, nil
}

func insertVendor(ctx context.Context, db DBTX, c Caller, v Vendor) (bool, error) {
	n, err := queries.InsertVendor(ctx, db, dbsqlc.InsertVendorParams{ID: v.ID, AccountID: c.AccountID, Mode: string(c.Mode),
		Code: v.Code, Name: v.Name, CreatedAt: v.CreatedAt})
	return n == 1, Translate(err)
}

// vendorFromRow maps the row of GetVendor and ListVendors (same fields).
func vendorFromRow(r dbsqlc.ListVendorsRow) Vendor {
	return Vendor{ID: r.ID, Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt}
}

func getVendor(ctx context.Context, db DBTX, c Caller, code string) (Vendor, error) {
	r, err := queries.GetVendor(ctx, db, dbsqlc.GetVendorParams{AccountID: c.AccountID, Mode: string(c.Mode), Code: code})
	return vendorFromRow(dbsqlc.ListVendorsRow(r)), Translate(err)
}

func listVendors(ctx context.Context, db DBTX, c Caller) ([]Vendor, error) {
	rows, err := queries.ListVendors(ctx, db, dbsqlc.ListVendorsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Vendor, len(rows))
	for i, r := range rows {
		out[i] = vendorFromRow(r)
	}
	return out, nil
}

// lockCustomer serialises changes to one customer's subscriptions.
func lockCustomer(ctx context.Context, tx txn, customerID string) error {
	return Translate(queries.LockCustomer(ctx, tx, customerID))
}

// subscriptionFromRow maps the row of CurrentSubscription and
// ListSubscriptions (same fields).
func subscriptionFromRow(r dbsqlc.ListSubscriptionsRow) Subscription {
	sub := Subscription{ID: r.ID, CustomerID: r.CustomerID, ProductID: r.ProductID, ProductCode: r.ProductCode,
		Version: int(r.Version), StartedAt: r.StartedAt, EndedAt: r.EndedAt, Status: r.Status, AnchorAt: r.AnchorAt,
		PeriodIndex: int(r.PeriodIndex), PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, GraceEndsAt: r.GraceEndsAt,
		CancelAtPeriodEnd: r.CancelAtPeriodEnd, AllowanceLots: r.AllowanceLots}
	if r.WalletID != nil {
		sub.WalletID = *r.WalletID
	}
	if r.NextVersion != nil {
		sub.NextVersion = int(*r.NextVersion)
	}
	if sub.AllowanceLots == nil {
		sub.AllowanceLots = []string{}
	}
	return sub
}

func currentSubscription(ctx context.Context, db DBTX, customerID, productID string) (Subscription, error) {
	r, err := queries.CurrentSubscription(ctx, db, dbsqlc.CurrentSubscriptionParams{CustomerID: customerID, ProductID: productID})
	return subscriptionFromRow(dbsqlc.ListSubscriptionsRow(r)), Translate(err)
}

func endSubscription(ctx context.Context, db DBTX, id string, at time.Time) error {
	return Translate(queries.EndSubscription(ctx, db, dbsqlc.EndSubscriptionParams{ID: id, EndedAt: &at}))
}

func insertSubscription(ctx context.Context, db DBTX, c Caller, x Subscription) error {
	status := x.Status
	if status == "" {
		status = SubscriptionActive
	}
	lots := x.AllowanceLots
	if lots == nil {
		lots = []string{}
	}
	return Translate(queries.InsertSubscription(ctx, db, dbsqlc.InsertSubscriptionParams{ID: x.ID, AccountID: c.AccountID, Mode: string(c.Mode),
		CustomerID: x.CustomerID, ProductID: x.ProductID, Version: int32(x.Version), StartedAt: x.StartedAt,
		WalletID: optString(x.WalletID), Status: status, AnchorAt: x.AnchorAt, PeriodIndex: int32(x.PeriodIndex),
		PeriodStart: x.PeriodStart, PeriodEnd: x.PeriodEnd, GraceEndsAt: x.GraceEndsAt, CancelAtPeriodEnd: x.CancelAtPeriodEnd,
		NextVersion: optVersion(x.NextVersion), AllowanceLots: lots}))
}

func listSubscriptions(ctx context.Context, db DBTX, customerID string) ([]Subscription, error) {
	rows, err := queries.ListSubscriptions(ctx, db, customerID)
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Subscription, len(rows))
	for i, r := range rows {
		out[i] = subscriptionFromRow(r)
	}
	return out, nil
}

// pricedVersion is a subscription's version as rating needs it.
type pricedVersion struct {
	ProductID   string
	ProductCode string
	Version     ProductVersion
	Status      string // the subscription's: suspended plans decline authorizations
}

// versionsForEvent returns, for each of the customer's products with this
// event type, the version in force at t: the subscription that had started
// by t and not ended, or, for an event older than every subscription to the
// product, the first one.
func versionsForEvent(ctx context.Context, db DBTX, customerID, eventType string, t time.Time) ([]pricedVersion, error) {
	rows, err := db.Query(ctx, versionsForEventSQL, customerID, eventType, t)
	if err != nil {
		return nil, Translate(err)
	}
	out, err := collectPricedVersions(rows)
	return out, Translate(err)
}

// versionsForEventSQL stays hand-written, not in billing/queries: the usage
// batch queues it on its pgx.Batch (queueVersionsForEvent), which a generated
// method, running its statement on its own round trip, cannot join.
const versionsForEventSQL = `SELECT DISTINCT ON (s.product_id) s.product_id, p.code,
		v.id, v.product_id, v.version, v.prices, v.entitlements, v.published_at, s.status
	FROM subscriptions s
	JOIN products p ON p.id = s.product_id
	JOIN product_versions v ON v.product_id = s.product_id AND v.version = s.version
	WHERE s.customer_id = $1 AND p.event_type = $2 AND (s.ended_at IS NULL OR s.ended_at > $3 OR s.started_at > $3)
	ORDER BY s.product_id, (s.started_at <= $3) DESC, CASE WHEN s.started_at <= $3 THEN s.started_at END DESC, s.started_at`

func collectPricedVersions(rows pgx.Rows) ([]pricedVersion, error) {
	return collectPricedVersionsWith(rows, func(_ string, prices, ents []byte) ([]rating.Price, []rating.Entitlement, error) {
		return decodeVersion(prices, ents)
	})
}

// collectPricedVersionsWith is collectPricedVersions decoding with decode.
func collectPricedVersionsWith(rows pgx.Rows, decode versionDecoder) ([]pricedVersion, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (pricedVersion, error) {
		var pv pricedVersion
		var prices, ents []byte
		if err := r.Scan(&pv.ProductID, &pv.ProductCode, &pv.Version.ID, &pv.Version.ProductID, &pv.Version.Version, &prices, &ents, &pv.Version.PublishedAt, &pv.Status); err != nil {
			return pv, err
		}
		var err error
		pv.Version.Prices, pv.Version.Entitlements, err = decode(pv.Version.ID, prices, ents)
		return pv, err
	})
}

// versionOf loads one version of a product.
func versionOf(ctx context.Context, db DBTX, productID string, version int) (ProductVersion, error) {
	r, err := queries.GetVersion(ctx, db, dbsqlc.GetVersionParams{ProductID: productID, Version: int32(version)})
	if err != nil {
		return ProductVersion{}, Translate(err)
	}
	return versionFromRow(r)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
