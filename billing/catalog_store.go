package billing

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// priceRow and entitlementRow are how prices and entitlements are stored in a
// version's jsonb columns; decimals are strings.
type priceRow struct {
	ID            string             `json:"id"`
	Name          string             `json:"name,omitempty"`
	Model         PriceModel         `json:"model"`
	Asset         string             `json:"asset"`
	UnitAmount    Decimal            `json:"unit_amount"`
	Field         string             `json:"field,omitempty"`
	BlockSize     Decimal            `json:"block_size"`
	BlockAmount   Decimal            `json:"block_amount"`
	Dimensions    []string           `json:"dimensions,omitempty"`
	Rates         []dimensionRateRow `json:"rates,omitempty"`
	TierMode      string             `json:"tier_mode,omitempty"`
	Tiers         []tierRow          `json:"tiers,omitempty"`
	Vendor        string             `json:"vendor,omitempty"`
	MarkupPercent Decimal            `json:"markup_percent"`
	MarkupFixed   Decimal            `json:"markup_fixed"`
	Interval      string             `json:"interval,omitempty"`
	Amount        Decimal            `json:"amount"`
}

type dimensionRateRow struct {
	Values map[string]string `json:"values"`
	Amount Decimal           `json:"amount"`
}

type tierRow struct {
	UpTo       *Decimal `json:"up_to"`
	UnitAmount Decimal  `json:"unit_amount"`
	FlatAmount Decimal  `json:"flat_amount"`
}

type entitlementRow struct {
	Kind         EntitlementKind `json:"kind"`
	Asset        string          `json:"asset"`
	Amount       Decimal         `json:"amount"`
	Interval     string          `json:"interval,omitempty"`
	LifetimeDays int             `json:"lifetime_days,omitempty"`
	Purpose      string          `json:"purpose,omitempty"`
}

func encodeVersion(prices []Price, ents []Entitlement) (string, string) {
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

func decodeVersion(pricesJSON, entsJSON []byte) ([]Price, []Entitlement, error) {
	var pr []priceRow
	var er []entitlementRow
	if err := json.Unmarshal(pricesJSON, &pr); err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(entsJSON, &er); err != nil {
		return nil, nil, err
	}
	prices := make([]Price, len(pr))
	for i, r := range pr {
		p := Price{ID: r.ID, Name: r.Name, Model: r.Model, Asset: r.Asset, UnitAmount: r.UnitAmount, Field: r.Field,
			BlockSize: r.BlockSize, BlockAmount: r.BlockAmount, Dimensions: r.Dimensions, TierMode: r.TierMode, Vendor: r.Vendor,
			MarkupPercent: r.MarkupPercent, MarkupFixed: r.MarkupFixed, Interval: r.Interval, Amount: r.Amount}
		for _, d := range r.Rates {
			p.Rates = append(p.Rates, DimensionRate{Values: d.Values, Amount: d.Amount})
		}
		for _, t := range r.Tiers {
			p.Tiers = append(p.Tiers, Tier{UpTo: t.UpTo, UnitAmount: t.UnitAmount, FlatAmount: t.FlatAmount})
		}
		prices[i] = p
	}
	ents := make([]Entitlement, len(er))
	for i, r := range er {
		ents[i] = Entitlement{Kind: r.Kind, Asset: r.Asset, Amount: r.Amount, Interval: r.Interval, LifetimeDays: r.LifetimeDays, Purpose: r.Purpose}
	}
	return prices, ents, nil
}

const productColumns = `id, code, name, description, event_type, default_version, archived_at, created_at`

func scanProduct(row pgx.Row) (Product, error) {
	var p Product
	err := row.Scan(&p.ID, &p.Code, &p.Name, &p.Description, &p.EventType, &p.DefaultVersion, &p.ArchivedAt, &p.CreatedAt)
	return p, translate(err)
}

func insertProduct(ctx context.Context, db dbtx, c Caller, p Product) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO products (id, account_id, mode, code, name, description, event_type, default_version, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (account_id, mode, code) DO NOTHING`,
		p.ID, c.AccountID, c.Mode, p.Code, p.Name, p.Description, p.EventType, p.DefaultVersion, p.CreatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

// getProduct finds a product by id or code.
func getProduct(ctx context.Context, db dbtx, c Caller, ref string) (Product, error) {
	return scanProduct(db.QueryRow(ctx, `SELECT `+productColumns+` FROM products
		WHERE account_id = $1 AND mode = $2 AND (code = $3 OR id = $3)`, c.AccountID, c.Mode, ref))
}

func getProductView(ctx context.Context, db dbtx, c Caller, ref string) (ProductView, error) {
	p, err := getProduct(ctx, db, c, ref)
	if err != nil {
		return ProductView{}, err
	}
	rows, err := db.Query(ctx, `SELECT id, product_id, version, prices, entitlements, published_at FROM product_versions
		WHERE product_id = $1 ORDER BY version DESC`, p.ID)
	if err != nil {
		return ProductView{}, translate(err)
	}
	versions, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProductVersion, error) { return scanVersion(r) })
	return ProductView{Product: p, Versions: versions}, translate(err)
}

func scanVersion(row pgx.Row) (ProductVersion, error) {
	var v ProductVersion
	var prices, ents []byte
	if err := row.Scan(&v.ID, &v.ProductID, &v.Version, &prices, &ents, &v.PublishedAt); err != nil {
		return v, err
	}
	var err error
	v.Prices, v.Entitlements, err = decodeVersion(prices, ents)
	return v, err
}

func latestVersion(ctx context.Context, db dbtx, productID string) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM product_versions WHERE product_id = $1`, productID).Scan(&n)
	return n, translate(err)
}

func insertVersion(ctx context.Context, db dbtx, v ProductVersion) error {
	prices, ents := encodeVersion(v.Prices, v.Entitlements)
	_, err := db.Exec(ctx, `INSERT INTO product_versions (id, product_id, version, prices, entitlements, published_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, v.ID, v.ProductID, v.Version, prices, ents, v.PublishedAt)
	if ErrorCode(translate(err)) == EConflict {
		return Errorf(EConflict, "another version of this product was published at the same moment; retry")
	}
	return translate(err)
}

func setDefaultVersion(ctx context.Context, db dbtx, productID string, version int) error {
	_, err := db.Exec(ctx, `UPDATE products SET default_version = $2 WHERE id = $1`, productID, version)
	return translate(err)
}

func archiveProduct(ctx context.Context, db dbtx, productID string, at time.Time) error {
	_, err := db.Exec(ctx, `UPDATE products SET archived_at = $2 WHERE id = $1`, productID, at)
	return translate(err)
}

func listProducts(ctx context.Context, db dbtx, c Caller, in ListProductsInput, limit int) ([]Product, error) {
	rows, err := db.Query(ctx, `SELECT `+productColumns+` FROM products
		WHERE account_id = $1 AND mode = $2 AND ($3 = '' OR id < $3) AND ($4 OR archived_at IS NULL)
		ORDER BY id DESC LIMIT $5`, c.AccountID, c.Mode, in.Cursor, in.IncludeArchived, limit)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Product, error) { return scanProduct(r) })
	return out, translate(err)
}

func insertVendor(ctx context.Context, db dbtx, c Caller, v Vendor) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO vendors (id, account_id, mode, code, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account_id, mode, code) DO NOTHING`, v.ID, c.AccountID, c.Mode, v.Code, v.Name, v.CreatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

func scanVendor(row pgx.Row) (Vendor, error) {
	var v Vendor
	err := row.Scan(&v.ID, &v.Code, &v.Name, &v.CreatedAt)
	return v, translate(err)
}

func getVendor(ctx context.Context, db dbtx, c Caller, code string) (Vendor, error) {
	return scanVendor(db.QueryRow(ctx, `SELECT id, code, name, created_at FROM vendors WHERE account_id = $1 AND mode = $2 AND code = $3`,
		c.AccountID, c.Mode, code))
}

func listVendors(ctx context.Context, db dbtx, c Caller) ([]Vendor, error) {
	rows, err := db.Query(ctx, `SELECT id, code, name, created_at FROM vendors WHERE account_id = $1 AND mode = $2 ORDER BY code`, c.AccountID, c.Mode)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Vendor, error) { return scanVendor(r) })
	return out, translate(err)
}

// lockCustomer serialises changes to one customer's subscriptions.
func lockCustomer(ctx context.Context, tx txn, customerID string) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, customerID)
	return translate(err)
}

const subscriptionColumns = `s.id, s.customer_id, s.product_id, p.code, s.version, s.started_at, s.ended_at`

func scanSubscription(row pgx.Row) (Subscription, error) {
	var x Subscription
	err := row.Scan(&x.ID, &x.CustomerID, &x.ProductID, &x.ProductCode, &x.Version, &x.StartedAt, &x.EndedAt)
	return x, translate(err)
}

func currentSubscription(ctx context.Context, db dbtx, customerID, productID string) (Subscription, error) {
	return scanSubscription(db.QueryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions s JOIN products p ON p.id = s.product_id
		WHERE s.customer_id = $1 AND s.product_id = $2 AND s.ended_at IS NULL`, customerID, productID))
}

func endSubscription(ctx context.Context, db dbtx, id string, at time.Time) error {
	_, err := db.Exec(ctx, `UPDATE subscriptions SET ended_at = $2 WHERE id = $1`, id, at)
	return translate(err)
}

func insertSubscription(ctx context.Context, db dbtx, c Caller, x Subscription) error {
	_, err := db.Exec(ctx, `INSERT INTO subscriptions (id, account_id, mode, customer_id, product_id, version, started_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, x.ID, c.AccountID, c.Mode, x.CustomerID, x.ProductID, x.Version, x.StartedAt)
	return translate(err)
}

func listSubscriptions(ctx context.Context, db dbtx, customerID string) ([]Subscription, error) {
	rows, err := db.Query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions s JOIN products p ON p.id = s.product_id
		WHERE s.customer_id = $1 ORDER BY s.ended_at IS NULL DESC, s.started_at DESC`, customerID)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Subscription, error) { return scanSubscription(r) })
	return out, translate(err)
}

// pricedVersion is a subscription's version as rating needs it.
type pricedVersion struct {
	ProductID   string
	ProductCode string
	Version     ProductVersion
}

// versionsForEvent returns, for each of the customer's products with this
// event type, the version in force at t: the subscription that had started
// by t and not ended, or, for an event older than every subscription to the
// product, the first one.
func versionsForEvent(ctx context.Context, db dbtx, customerID, eventType string, t time.Time) ([]pricedVersion, error) {
	rows, err := db.Query(ctx, versionsForEventSQL, customerID, eventType, t)
	if err != nil {
		return nil, translate(err)
	}
	out, err := collectPricedVersions(rows)
	return out, translate(err)
}

const versionsForEventSQL = `SELECT DISTINCT ON (s.product_id) s.product_id, p.code,
		v.id, v.product_id, v.version, v.prices, v.entitlements, v.published_at
	FROM subscriptions s
	JOIN products p ON p.id = s.product_id
	JOIN product_versions v ON v.product_id = s.product_id AND v.version = s.version
	WHERE s.customer_id = $1 AND p.event_type = $2 AND (s.ended_at IS NULL OR s.ended_at > $3 OR s.started_at > $3)
	ORDER BY s.product_id, (s.started_at <= $3) DESC, CASE WHEN s.started_at <= $3 THEN s.started_at END DESC, s.started_at`

func collectPricedVersions(rows pgx.Rows) ([]pricedVersion, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (pricedVersion, error) {
		var pv pricedVersion
		var prices, ents []byte
		if err := r.Scan(&pv.ProductID, &pv.ProductCode, &pv.Version.ID, &pv.Version.ProductID, &pv.Version.Version, &prices, &ents, &pv.Version.PublishedAt); err != nil {
			return pv, err
		}
		var err error
		pv.Version.Prices, pv.Version.Entitlements, err = decodeVersion(prices, ents)
		return pv, err
	})
}

// versionOf loads one version of a product.
func versionOf(ctx context.Context, db dbtx, productID string, version int) (ProductVersion, error) {
	return scanVersionRow(db.QueryRow(ctx, `SELECT id, product_id, version, prices, entitlements, published_at FROM product_versions
		WHERE product_id = $1 AND version = $2`, productID, version))
}

func scanVersionRow(row pgx.Row) (ProductVersion, error) {
	v, err := scanVersion(row)
	return v, translate(err)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
