package billing

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Product is a billable activity: the app reports events of EventType and the
// customer's subscribed version prices them.
type Product struct {
	ID             string
	Code           string
	Name           string
	Description    string
	EventType      string
	DefaultVersion int
	ArchivedAt     *time.Time
	CreatedAt      time.Time
}

// ProductVersion is an immutable set of prices and entitlements.
type ProductVersion struct {
	ID           string
	ProductID    string
	Version      int
	Prices       []rating.Price
	Entitlements []rating.Entitlement
	PublishedAt  time.Time
}

// ProductView is a product with its versions, newest first.
type ProductView struct {
	Product
	Versions []ProductVersion
}

// Vendor is a cost provider whose costs events report.
type Vendor struct {
	ID        string
	Code      string
	Name      string
	CreatedAt time.Time
}

// Subscription ties a customer to a product version from StartedAt until
// EndedAt (nil: still in force).
type Subscription struct {
	ID          string
	CustomerID  string
	ProductID   string
	ProductCode string
	Version     int
	StartedAt   time.Time
	EndedAt     *time.Time

	// The billing cycle of a plan (a version with a recurring price); empty
	// for usage-only subscriptions. See renewal.go.
	WalletID          string
	Status            string // a Subscription… status
	AnchorAt          *time.Time
	PeriodIndex       int // -1: the trial before AnchorAt
	PeriodStart       *time.Time
	PeriodEnd         *time.Time // the next renewal
	GraceEndsAt       *time.Time // past_due until then, suspended after
	CancelAtPeriodEnd bool
	NextVersion       int      // 0: none; else the version from PeriodEnd
	AllowanceLots     []string // the lots the current period granted
}

var (
	codeRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)
	eventTypeRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.:/-]{0,99}$`)
)

// CreateProductInput is a product with its first version.
type CreateProductInput struct {
	Code         string
	Name         string
	Description  string
	EventType    string
	Prices       []rating.Price
	Entitlements []rating.Entitlement
}

// CreateProduct creates a product with version 1 published and default. It is
// idempotent on Code: the same definition returns the existing product with
// created false; another definition under the same code is EConflict.
func (s *Catalog) CreateProduct(ctx context.Context, in CreateProductInput) (view ProductView, created bool, err error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return ProductView{}, false, err
	}
	if !codeRE.MatchString(in.Code) {
		return ProductView{}, false, kernel.Invalidf("code", "code %q is not valid: use 1-64 lower-case letters, digits, '.', '_' or '-', such as \"image-generation\"", in.Code)
	}
	if !eventTypeRE.MatchString(in.EventType) {
		return ProductView{}, false, kernel.Invalidf("event_type", "event_type %q is not valid: the activity name your app sends with each usage event (1-100 letters, digits, '.', '_', ':', '/' or '-'), such as \"image.generated\"", in.EventType)
	}
	if strings.TrimSpace(in.Name) == "" {
		in.Name = in.Code
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		now := s.clock()
		prices, ents, err := s.checkVersion(ctx, tx, c, in.Prices, in.Entitlements)
		if err != nil {
			return err
		}
		p := Product{ID: kernel.NewID(prefixProduct, now), Code: in.Code, Name: in.Name, Description: in.Description, EventType: in.EventType, DefaultVersion: 1, CreatedAt: now}
		inserted, err := insertProduct(ctx, tx, c, p)
		if err != nil {
			return err
		}
		if !inserted {
			old, err := getProductView(ctx, tx, c, in.Code)
			if err != nil {
				return err
			}
			first := old.Versions[len(old.Versions)-1]
			if old.Name != p.Name || old.Description != p.Description || old.EventType != p.EventType || !sameVersion(first, prices, ents) {
				return kernel.Errorf(kernel.EConflict, "product %s already exists with another definition; products are never edited", in.Code).With(ActNewVersion)
			}
			view = old
			return nil
		}
		v := ProductVersion{ID: kernel.NewID(prefixVersion, now), ProductID: p.ID, Version: 1, Prices: prices, Entitlements: ents, PublishedAt: now}
		if err := insertVersion(ctx, tx, v); err != nil {
			return err
		}
		view, created = ProductView{Product: p, Versions: []ProductVersion{v}}, true
		return nil
	})
	return view, created, err
}

// sameVersion compares a stored version with a proposed definition, ignoring
// the generated price ids.
func sameVersion(v ProductVersion, prices []rating.Price, ents []rating.Entitlement) bool {
	strip := func(ps []rating.Price) []rating.Price {
		out := make([]rating.Price, len(ps))
		for i, p := range ps {
			p.ID = ""
			out[i] = p
		}
		return out
	}
	ap, ae := encodeVersion(strip(v.Prices), v.Entitlements)
	bp, be := encodeVersion(strip(prices), ents)
	return ap == bp && ae == be
}

// checkVersion validates prices and entitlements against the account's assets
// and vendors and gives each price a fresh id.
func (s *core) checkVersion(ctx context.Context, tx txn, c Caller, prices []rating.Price, ents []rating.Entitlement) ([]rating.Price, []rating.Entitlement, error) {
	if len(prices) == 0 {
		return nil, nil, kernel.Invalidf("prices", "a version needs at least one price, e.g. {\"model\": \"per_unit\", \"asset\": \"USD\", \"unit_amount\": \"0.04\"}")
	}
	if len(prices) > 50 {
		return nil, nil, kernel.Invalidf("prices", "a version holds at most 50 prices; got %d", len(prices))
	}
	prec, err := s.precisions(ctx, tx, c)
	if err != nil {
		return nil, nil, err
	}
	lookup := func(code string) (int32, bool) { p, ok := prec[code]; return p, ok }
	out := make([]rating.Price, len(prices))
	for i, p := range prices {
		p.ID = kernel.NewID(prefixPrice, s.clock())
		out[i] = p
	}
	if err := rating.ValidatePrices(out, lookup); err != nil {
		if e, ok := err.(*kernel.Error); ok && strings.Contains(e.Message, "asset") {
			e.Message += fmt.Sprintf("; existing assets: %s", strings.Join(sortedKeys(prec), ", "))
			e.Action = ActCreateAsset
		}
		return nil, nil, err
	}
	for i, p := range out {
		if p.Model == rating.CostPlus && p.Vendor != "" {
			if _, err := getVendor(ctx, tx, c, p.Vendor); err != nil {
				return nil, nil, kernel.NotFoundf(fmt.Sprintf("prices[%d].vendor", i), "vendor %q not found", p.Vendor).With(ActCreateVendor)
			}
		}
	}
	for i, e := range ents {
		if err := rating.ValidateEntitlement(e, lookup); err != nil {
			if ee, ok := err.(*kernel.Error); ok {
				ee.Field = fmt.Sprintf("entitlements[%d].%s", i, ee.Field)
			}
			return nil, nil, err
		}
	}
	if ents == nil {
		ents = []rating.Entitlement{}
	}
	return out, ents, nil
}

// CreateVersionInput publishes a new version of a product.
type CreateVersionInput struct {
	Product      string // id or code
	Prices       []rating.Price
	Entitlements []rating.Entitlement
	// KeepDefault leaves the current default version in place; by default the
	// new version becomes the default for new subscriptions.
	KeepDefault bool
}

// CreateProductVersion publishes a new immutable version. Existing
// subscriptions and events already recorded keep their version. Returns
// EInvalid, ENotFound.
func (s *Catalog) CreateProductVersion(ctx context.Context, in CreateVersionInput) (ProductVersion, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return ProductVersion{}, err
	}
	var v ProductVersion
	err = s.tx(ctx, func(tx pgx.Tx) error {
		p, err := resolveProduct(ctx, tx, c, in.Product, true)
		if err != nil {
			return err
		}
		if p.ArchivedAt != nil {
			return kernel.Invalidf("product", "product %s is archived; create a new product instead", p.Code)
		}
		prices, ents, err := s.checkVersion(ctx, tx, c, in.Prices, in.Entitlements)
		if err != nil {
			return err
		}
		latest, err := latestVersion(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		v = ProductVersion{ID: kernel.NewID(prefixVersion, s.clock()), ProductID: p.ID, Version: latest + 1, Prices: prices, Entitlements: ents, PublishedAt: s.clock()}
		if err := insertVersion(ctx, tx, v); err != nil {
			return err
		}
		if !in.KeepDefault {
			return setDefaultVersion(ctx, tx, p.ID, v.Version)
		}
		return nil
	})
	return v, err
}

// GetProduct returns a product with its versions. Returns ENotFound.
func (s *Catalog) GetProduct(ctx context.Context, ref string) (ProductView, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return ProductView{}, err
	}
	if _, err := resolveProduct(ctx, s.pool, c, ref, true); err != nil {
		return ProductView{}, err
	}
	return getProductView(ctx, s.pool, c, ref)
}

// ListProductsInput pages products.
type ListProductsInput struct {
	IncludeArchived bool
	Limit           int
	Cursor          string
}

// ListProducts lists products newest first.
func (s *Catalog) ListProducts(ctx context.Context, in ListProductsInput) (Page[Product], error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Page[Product]{}, err
	}
	n, err := pageSize(in.Limit)
	if err != nil {
		return Page[Product]{}, err
	}
	items, err := listProducts(ctx, s.pool, c, in, n+1)
	if err != nil {
		return Page[Product]{}, err
	}
	return pageOf(items, n, func(p Product) string { return p.ID }), nil
}

// ArchiveProduct hides a product from new subscriptions; existing
// subscriptions keep working. Returns ENotFound.
func (s *Catalog) ArchiveProduct(ctx context.Context, ref string) (Product, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Product{}, err
	}
	var p Product
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if p, err = resolveProduct(ctx, tx, c, ref, true); err != nil {
			return err
		}
		if p.ArchivedAt == nil {
			now := s.clock()
			p.ArchivedAt = &now
			return archiveProduct(ctx, tx, p.ID, now)
		}
		return nil
	})
	return p, err
}

func resolveProduct(ctx context.Context, db DBTX, c Caller, ref string, forUpdate bool) (Product, error) {
	if ref == "" {
		return Product{}, kernel.Invalidf("product", "product is required: its code or id (prod_…)")
	}
	p, err := getProduct(ctx, db, c, ref)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return p, kernel.NotFoundf("product", "product %q not found by code or id", ref).With(ActFindProduct)
	}
	return p, err
}

// CreateVendor registers a cost provider. Idempotent on Code.
func (s *Catalog) CreateVendor(ctx context.Context, code, name string) (Vendor, bool, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Vendor{}, false, err
	}
	if !codeRE.MatchString(code) {
		return Vendor{}, false, kernel.Invalidf("code", "vendor code %q is not valid: use lower-case letters, digits, '.', '_' or '-', such as \"openai\"", code)
	}
	if name == "" {
		name = code
	}
	v := Vendor{ID: kernel.NewID(prefixVendor, s.clock()), Code: code, Name: name, CreatedAt: s.clock()}
	inserted, err := insertVendor(ctx, s.pool, c, v)
	if err != nil || inserted {
		return v, inserted, err
	}
	v, err = getVendor(ctx, s.pool, c, code)
	return v, false, err
}

// ListVendors lists the caller's vendors by code.
func (s *Catalog) ListVendors(ctx context.Context) ([]Vendor, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	return listVendors(ctx, s.pool, c)
}

// SubscribeInput subscribes a customer to a product version.
type SubscribeInput struct {
	Customer string
	Product  string
	Version  int // 0: the product's default version
	// For a plan (a version with a recurring price): the wallet that pays
	// (empty: the default wallet) and a free trial before the first fee.
	Wallet    string
	TrialDays int
}

// Subscribe puts a customer on a product version, at once (usage-only
// subscriptions need no billing cycle). Subscribing again to the same version
// returns the subscription in force; another version ends it now and starts
// the new one, so later events price at the new version and late events at
// the one in force when they occurred. Returns EInvalid, ENotFound.
func (s *Plans) Subscribe(ctx context.Context, in SubscribeInput) (Subscription, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	err = s.tx(ctx, func(tx pgx.Tx) error {
		sub, err = s.subscribeTx(ctx, tx, c, in)
		return err
	})
	return sub, err
}

func (s *core) subscribeTx(ctx context.Context, tx txn, c Caller, in SubscribeInput) (Subscription, error) {
	cus, err := resolveCustomer(ctx, tx, c, in.Customer)
	if err != nil {
		return Subscription{}, err
	}
	p, err := resolveProduct(ctx, tx, c, in.Product, false)
	if err != nil {
		return Subscription{}, err
	}
	if p.ArchivedAt != nil {
		return Subscription{}, kernel.Invalidf("product", "product %s is archived and takes no new subscriptions", p.Code)
	}
	version := in.Version
	if version == 0 {
		version = p.DefaultVersion
	}
	latest, err := latestVersion(ctx, tx, p.ID)
	if err != nil {
		return Subscription{}, err
	}
	if version < 1 || version > latest {
		return Subscription{}, kernel.Invalidf("version", "product %s has versions 1 to %d; got %d", p.Code, latest, version)
	}
	if err := lockCustomer(ctx, tx, cus.ID); err != nil {
		return Subscription{}, err
	}
	now, err := s.timeOf(ctx, tx, Wallet{TestClockID: cus.TestClockID}, true)
	if err != nil {
		return Subscription{}, err
	}
	cur, err := currentSubscription(ctx, tx, cus.ID, p.ID)
	switch {
	case err == nil && cur.Version == version:
		return cur, nil
	case err == nil:
		if err := endSubscription(ctx, tx, cur.ID, now); err != nil {
			return Subscription{}, err
		}
	case kernel.ErrorCode(err) != kernel.ENotFound:
		return Subscription{}, err
	}
	sub := Subscription{ID: kernel.NewID(prefixSubscription, now), CustomerID: cus.ID, ProductID: p.ID, ProductCode: p.Code, Version: version, StartedAt: now}
	pl, err := s.planFor(ctx, tx, p.ID, version)
	if err != nil || pl.interval == "" {
		if err == nil && in.TrialDays != 0 {
			err = kernel.Invalidf("trial_days", "product %s version %d has no recurring price, so there is nothing to try for free; send trial_days 0", p.Code, version)
		}
		if err != nil {
			return Subscription{}, err
		}
		return sub, insertSubscription(ctx, tx, c, sub)
	}
	return s.startPlan(ctx, tx, c, sub, pl, in)
}

// ListSubscriptions lists a customer's subscriptions, those in force first.
func (s *Plans) ListSubscriptions(ctx context.Context, customer string) ([]Subscription, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	cus, err := resolveCustomer(ctx, s.pool, c, customer)
	if err != nil {
		return nil, err
	}
	return listSubscriptions(ctx, s.pool, cus.ID)
}

// precisions maps the caller's asset codes to their decimal places.
func (s *core) precisions(ctx context.Context, db DBTX, c Caller) (map[string]int32, error) {
	assets, err := listAssets(ctx, db, c)
	if err != nil {
		return nil, err
	}
	m := make(map[string]int32, len(assets))
	for _, a := range assets {
		m[a.Code] = a.Precision
	}
	return m, nil
}
