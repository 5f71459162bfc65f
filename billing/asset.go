package billing

import (
	"context"

	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// AssetKind tells a currency from a custom unit.
type AssetKind string

// Asset kinds.
const (
	AssetCurrency AssetKind = "currency"
	AssetCustom   AssetKind = "custom"
)

// Asset is a unit of value: a currency (USD) or a custom unit (credits).
type Asset struct {
	AccountID string
	Mode      Mode
	Code      string
	Kind      AssetKind
	Name      string
	Symbol    string
	Precision int32
	CreatedAt time.Time
}

// AssetRate says 1 Asset is worth Rate Currency from EffectiveAt on.
type AssetRate struct {
	Asset       string
	Currency    string
	Rate        rating.Decimal
	EffectiveAt time.Time
	CreatedAt   time.Time
}

// CreateAssetInput defines a custom asset.
type CreateAssetInput struct {
	Code      string
	Name      string
	Symbol    string
	Precision int32
}

var assetCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// ListAssets lists the caller's assets, currencies first.
func (s *Catalog) ListAssets(ctx context.Context) ([]Asset, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	return listAssets(ctx, s.pool, c)
}

// GetAsset returns an asset by code. Returns ENotFound with the known codes.
func (s *Catalog) GetAsset(ctx context.Context, code string) (Asset, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Asset{}, err
	}
	return s.assetTx(ctx, s.pool, c, "asset", code)
}

// assetTx loads an asset by code; a miss names the codes that exist.
func (s *core) assetTx(ctx context.Context, db DBTX, c Caller, field, code string) (Asset, error) {
	a, err := getAsset(ctx, db, c, code)
	if kernel.ErrorCode(err) != kernel.ENotFound {
		return a, err
	}
	all, lerr := listAssets(ctx, db, c)
	if lerr != nil {
		return a, lerr
	}
	codes := make([]string, len(all))
	for i, x := range all {
		codes[i] = x.Code
	}
	return a, kernel.NotFoundf(field, "asset %q not found; existing assets: %s", code, strings.Join(codes, ", ")).With(ActCreateAsset)
}

// CreateAsset creates a custom asset. Creating the same asset again returns it
// with created false; the same code with other settings is EConflict.
func (s *Catalog) CreateAsset(ctx context.Context, in CreateAssetInput) (a Asset, created bool, err error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Asset{}, false, err
	}
	if !assetCodeRE.MatchString(in.Code) {
		return Asset{}, false, kernel.Invalidf("code", "code %q is not valid: use 1-32 lower-case letters, digits or _ starting with a letter, such as \"credits\" or \"gpu_hours\" (upper-case codes are ISO currencies, which are built in)", in.Code)
	}
	if in.Precision < 0 || in.Precision > rating.MaxPrecision {
		return Asset{}, false, kernel.Invalidf("precision", "precision must be between 0 and %d decimal places; got %d", rating.MaxPrecision, in.Precision)
	}
	if strings.TrimSpace(in.Name) == "" {
		in.Name = in.Code
	}
	a = Asset{AccountID: c.AccountID, Mode: c.Mode, Code: in.Code, Kind: AssetCustom, Name: in.Name, Symbol: in.Symbol, Precision: in.Precision, CreatedAt: s.clock()}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		inserted, err := insertAssetIfAbsent(ctx, tx, a)
		if err != nil || inserted {
			created = inserted
			return err
		}
		old, err := getAsset(ctx, tx, c, in.Code)
		if err != nil {
			return err
		}
		if old.Name != a.Name || old.Symbol != a.Symbol || old.Precision != a.Precision {
			return kernel.Errorf(kernel.EConflict, "asset %s already exists (name %q, symbol %q, precision %d); asset settings cannot change: use another code", old.Code, old.Name, old.Symbol, old.Precision)
		}
		a = old
		return nil
	})
	return a, created, err
}

// AddAssetRateInput dates an exchange rate: 1 Asset = Rate Currency from EffectiveAt.
type AddAssetRateInput struct {
	Asset       string
	Currency    string
	Rate        rating.Decimal
	EffectiveAt time.Time // zero means now
}

// AddAssetRate records a dated exchange rate. Rates are never changed: a new
// rate with a later EffectiveAt takes over from then on. Returns EInvalid,
// ENotFound, EConflict (another rate at the same instant).
func (s *Catalog) AddAssetRate(ctx context.Context, in AddAssetRateInput) (AssetRate, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return AssetRate{}, err
	}
	if err := rating.CheckAmount("rate", in.Rate); err != nil {
		return AssetRate{}, err
	}
	if !in.Rate.IsPositive() {
		return AssetRate{}, kernel.Invalidf("rate", "rate must be above zero: the value of 1 %s in %s, such as \"0.05\"", in.Asset, in.Currency)
	}
	now := s.clock()
	r := AssetRate{Asset: in.Asset, Currency: in.Currency, Rate: in.Rate, EffectiveAt: in.EffectiveAt.UTC().Truncate(time.Microsecond), CreatedAt: now}
	if in.EffectiveAt.IsZero() {
		r.EffectiveAt = now
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := s.assetTx(ctx, tx, c, "asset", in.Asset); err != nil {
			return err
		}
		cur, err := s.assetTx(ctx, tx, c, "currency", in.Currency)
		if err != nil {
			return err
		}
		if cur.Kind != AssetCurrency {
			return kernel.Invalidf("currency", "currency must be a currency such as USD; %s is a custom asset", cur.Code)
		}
		if in.Asset == in.Currency {
			return kernel.Invalidf("currency", "an asset's rate to itself is always 1; name another currency")
		}
		inserted, err := insertRate(ctx, tx, c, r)
		if err != nil || inserted {
			return err
		}
		old, err := rateAt(ctx, tx, c, r.Asset, r.Currency, r.EffectiveAt)
		if err == nil && old.Rate.Equal(r.Rate) && old.EffectiveAt.Equal(r.EffectiveAt) {
			r = old
			return nil
		}
		return kernel.Errorf(kernel.EConflict, "a rate from %s to %s already takes effect at %s; add the new rate with a later effective_at", r.Asset, r.Currency, r.EffectiveAt.Format(time.RFC3339Nano))
	})
	return r, err
}

// ListAssetRates lists an asset's rates, newest first.
func (s *Catalog) ListAssetRates(ctx context.Context, asset string) ([]AssetRate, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	return listRates(ctx, s.pool, c, asset)
}

// QuoteInput asks what an amount of one side is worth on the other: set
// exactly one of AssetAmount ("what do 250 credits cost?") and CurrencyAmount
// ("what does $10 buy?").
type QuoteInput struct {
	Asset          string
	Currency       string // empty: the currency of the asset's latest rate
	AssetAmount    *rating.Decimal
	CurrencyAmount *rating.Decimal
	At             time.Time // zero means now
}

// Quote is the answer: both amounts at the rate in force at At, the computed
// side exact at AccrualScale (a quotient rounded once, by Divide). A payment
// later made for it moves whole units of the currency (see WholeUnits).
type Quote struct {
	Asset          string
	Currency       string
	Rate           rating.Decimal
	RateEffective  time.Time
	AssetAmount    rating.Decimal
	CurrencyAmount rating.Decimal
	At             time.Time
	// The precisions of the asset and the currency, for showing the amounts.
	AssetPrecision, CurrencyPrecision int32
}

// Quote converts between an asset and a currency at a dated rate. Returns
// EInvalid, ENotFound (asset or rate).
func (s *Catalog) Quote(ctx context.Context, in QuoteInput) (Quote, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return Quote{}, err
	}
	for field, d := range map[string]*rating.Decimal{"asset_amount": in.AssetAmount, "currency_amount": in.CurrencyAmount} {
		if d != nil {
			if err := rating.CheckAmount(field, *d); err != nil {
				return Quote{}, err
			}
		}
	}
	if (in.AssetAmount == nil) == (in.CurrencyAmount == nil) {
		return Quote{}, kernel.Invalidf("asset_amount", "set exactly one of asset_amount (what do N %s cost?) and currency_amount (what does this money buy?)", in.Asset)
	}
	at := in.At.UTC()
	if in.At.IsZero() {
		at = s.clock()
	}
	asset, err := s.assetTx(ctx, s.pool, c, "asset", in.Asset)
	if err != nil {
		return Quote{}, err
	}
	if in.Currency == "" {
		rates, err := listRates(ctx, s.pool, c, asset.Code)
		if err != nil {
			return Quote{}, err
		}
		if len(rates) == 0 {
			return Quote{}, kernel.NotFoundf("asset", "%s has no exchange rate (a rate says what 1 %s is worth, e.g. 0.05 USD)", asset.Code, asset.Code).With(ActAddAssetRate)
		}
		in.Currency = rates[0].Currency
	}
	cur, err := s.assetTx(ctx, s.pool, c, "currency", in.Currency)
	if err != nil {
		return Quote{}, err
	}
	rate, err := s.rateAt(ctx, s.pool, c, asset.Code, cur.Code, at)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{Asset: asset.Code, Currency: cur.Code, Rate: rate.Rate, RateEffective: rate.EffectiveAt, At: at,
		AssetPrecision: asset.Precision, CurrencyPrecision: cur.Precision}
	if in.AssetAmount != nil {
		if in.AssetAmount.IsNegative() {
			return Quote{}, kernel.Invalidf("asset_amount", "asset_amount must not be negative")
		}
		q.AssetAmount = *in.AssetAmount
		q.CurrencyAmount = rating.Accrue(in.AssetAmount.Mul(rate.Rate))
	} else {
		if in.CurrencyAmount.IsNegative() {
			return Quote{}, kernel.Invalidf("currency_amount", "currency_amount must not be negative")
		}
		q.CurrencyAmount = *in.CurrencyAmount
		q.AssetAmount, _ = rating.Divide(*in.CurrencyAmount, rate.Rate)
	}
	return q, nil
}

// rateAt returns the rate from asset to currency in force at t (1 for an asset
// to itself). Returns ENotFound naming the fix.
func (s *core) rateAt(ctx context.Context, db DBTX, c Caller, asset, currency string, t time.Time) (AssetRate, error) {
	if asset == currency {
		return AssetRate{Asset: asset, Currency: currency, Rate: rating.One}, nil
	}
	r, err := rateAt(ctx, db, c, asset, currency, t)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return r, kernel.NotFoundf("currency", "no rate from %s to %s in force at %s (a rate applies from its effective_at on)", asset, currency, t.Format(time.RFC3339)).With(ActAddAssetRate)
	}
	return r, err
}
