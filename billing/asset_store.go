package billing

import (
	"context"
	"time"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
)

func assetFromRow(r dbsqlc.Asset) Asset {
	return Asset{AccountID: r.AccountID, Mode: Mode(r.Mode), Code: r.Code, Kind: AssetKind(r.Kind), Name: r.Name,
		Symbol: r.Symbol, Precision: r.Precision, CreatedAt: r.CreatedAt}
}

func getAsset(ctx context.Context, db DBTX, c Caller, code string) (Asset, error) {
	r, err := queries.GetAsset(ctx, db, dbsqlc.GetAssetParams{AccountID: c.AccountID, Mode: string(c.Mode), Code: code})
	return assetFromRow(r), Translate(err)
}

func listAssets(ctx context.Context, db DBTX, c Caller) ([]Asset, error) {
	rows, err := queries.ListAssets(ctx, db, dbsqlc.ListAssetsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]Asset, len(rows))
	for i, r := range rows {
		out[i] = assetFromRow(r)
	}
	return out, nil
}

func insertAsset(ctx context.Context, db DBTX, a Asset) error {
	_, err := insertAssetIfAbsent(ctx, db, a)
	return err
}

func insertAssetIfAbsent(ctx context.Context, db DBTX, a Asset) (bool, error) {
	n, err := queries.InsertAsset(ctx, db, dbsqlc.InsertAssetParams{AccountID: a.AccountID, Mode: string(a.Mode), Code: a.Code,
		Kind: string(a.Kind), Name: a.Name, Symbol: a.Symbol, Precision: a.Precision, CreatedAt: a.CreatedAt})
	return n == 1, Translate(err)
}

func insertRate(ctx context.Context, db DBTX, c Caller, r AssetRate) (bool, error) {
	n, err := queries.InsertRate(ctx, db, dbsqlc.InsertRateParams{AccountID: c.AccountID, Mode: string(c.Mode), Asset: r.Asset,
		Currency: r.Currency, Rate: r.Rate, EffectiveAt: r.EffectiveAt, CreatedAt: r.CreatedAt})
	return n == 1, Translate(err)
}

// rateFromRow maps the row of RateAt and ListRates (same fields).
func rateFromRow(r dbsqlc.ListRatesRow) AssetRate {
	return AssetRate{Asset: r.Asset, Currency: r.Currency, Rate: r.Rate, EffectiveAt: r.EffectiveAt, CreatedAt: r.CreatedAt}
}

func rateAt(ctx context.Context, db DBTX, c Caller, asset, currency string, t time.Time) (AssetRate, error) {
	r, err := queries.RateAt(ctx, db, dbsqlc.RateAtParams{AccountID: c.AccountID, Mode: string(c.Mode), Asset: asset, Currency: currency, At: t})
	return rateFromRow(dbsqlc.ListRatesRow(r)), Translate(err)
}

func listRates(ctx context.Context, db DBTX, c Caller, asset string) ([]AssetRate, error) {
	rows, err := queries.ListRates(ctx, db, dbsqlc.ListRatesParams{AccountID: c.AccountID, Mode: string(c.Mode), Asset: asset})
	if err != nil {
		return nil, Translate(err)
	}
	out := make([]AssetRate, len(rows))
	for i, r := range rows {
		out[i] = rateFromRow(r)
	}
	return out, nil
}
