package billing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

const assetColumns = `account_id, mode, code, kind, name, symbol, precision, created_at`

func scanAsset(row pgx.Row) (Asset, error) {
	var a Asset
	err := row.Scan(&a.AccountID, &a.Mode, &a.Code, &a.Kind, &a.Name, &a.Symbol, &a.Precision, &a.CreatedAt)
	return a, translate(err)
}

func getAsset(ctx context.Context, db dbtx, c Caller, code string) (Asset, error) {
	return scanAsset(db.QueryRow(ctx, `SELECT `+assetColumns+` FROM assets WHERE account_id = $1 AND mode = $2 AND code = $3`, c.AccountID, c.Mode, code))
}

func listAssets(ctx context.Context, db dbtx, c Caller) ([]Asset, error) {
	rows, err := db.Query(ctx, `SELECT `+assetColumns+` FROM assets WHERE account_id = $1 AND mode = $2
		ORDER BY kind, code`, c.AccountID, c.Mode)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Asset, error) { return scanAsset(r) })
	return out, translate(err)
}

func insertAsset(ctx context.Context, db dbtx, a Asset) error {
	_, err := insertAssetIfAbsent(ctx, db, a)
	return err
}

func insertAssetIfAbsent(ctx context.Context, db dbtx, a Asset) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO assets (`+assetColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT DO NOTHING`, a.AccountID, a.Mode, a.Code, a.Kind, a.Name, a.Symbol, a.Precision, a.CreatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

func insertRate(ctx context.Context, db dbtx, c Caller, r AssetRate) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO asset_rates (account_id, mode, asset, currency, rate, effective_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, c.AccountID, c.Mode, r.Asset, r.Currency, r.Rate, r.EffectiveAt, r.CreatedAt)
	return tag.RowsAffected() == 1, translate(err)
}

func scanRate(row pgx.Row) (AssetRate, error) {
	var r AssetRate
	err := row.Scan(&r.Asset, &r.Currency, &r.Rate, &r.EffectiveAt, &r.CreatedAt)
	return r, translate(err)
}

func rateAt(ctx context.Context, db dbtx, c Caller, asset, currency string, t time.Time) (AssetRate, error) {
	return scanRate(db.QueryRow(ctx, `SELECT asset, currency, rate, effective_at, created_at FROM asset_rates
		WHERE account_id = $1 AND mode = $2 AND asset = $3 AND currency = $4 AND effective_at <= $5
		ORDER BY effective_at DESC LIMIT 1`, c.AccountID, c.Mode, asset, currency, t))
}

func listRates(ctx context.Context, db dbtx, c Caller, asset string) ([]AssetRate, error) {
	rows, err := db.Query(ctx, `SELECT asset, currency, rate, effective_at, created_at FROM asset_rates
		WHERE account_id = $1 AND mode = $2 AND asset = $3 ORDER BY effective_at DESC, currency`, c.AccountID, c.Mode, asset)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AssetRate, error) { return scanRate(r) })
	return out, translate(err)
}
