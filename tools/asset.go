package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// ListAssets lists currencies and custom units with their exchange rates.
func ListAssets(d Deps) Tool {
	return newTool(catalogSet, "list_assets", "List assets",
		"Lists currencies and custom assets (with their exchange rates). Call it before naming an asset.",
		readOnly,
		func(ctx context.Context, _ wire.ListAssetsArgs) (wire.ListAssetsResult, error) {
			assets, err := d.Billing.Catalog.ListAssets(ctx)
			if err != nil {
				return wire.ListAssetsResult{}, err
			}
			r := wire.ListAssetsResult{Assets: []wire.AssetWithRates{}}
			var currencies, custom []string
			for _, a := range assets {
				item := wire.AssetWithRates{Asset: wire.FromAsset(a), Rates: []wire.AssetRate{}}
				if a.Kind == billing.AssetCurrency {
					currencies = append(currencies, a.Code)
				} else {
					rates, err := d.Billing.Catalog.ListAssetRates(ctx, a.Code)
					if err != nil {
						return wire.ListAssetsResult{}, err
					}
					item.Rates = wire.Map(rates, wire.FromAssetRate)
					custom = append(custom, a.Code)
				}
				r.Assets = append(r.Assets, item)
			}
			r.Summary = fmt.Sprintf("%d currencies (%s)", len(currencies), strings.Join(currencies, ", "))
			if len(custom) == 0 {
				r.Summary += " and no custom units."
				r.NextSteps = []string{"create_asset to define a custom unit such as credits, then add_asset_rate to price it"}
			} else {
				r.Summary += fmt.Sprintf(" and %d custom units (%s).", len(custom), strings.Join(custom, ", "))
			}
			return r, nil
		})
}

// CreateAsset defines a custom unit.
func CreateAsset(d Deps) Tool {
	return newTool(catalogSet, "create_asset", "Create a custom asset",
		"Defines a custom unit of value (credits, tokens, …) with its precision; currencies are built in. Idempotent on code; settings never change. Price it with add_asset_rate.",
		additiveIdempotent,
		func(ctx context.Context, in wire.CreateAssetRequest) (wire.CreateAssetResult, error) {
			a, created, err := d.Billing.Catalog.CreateAsset(ctx, billing.CreateAssetInput{Code: in.Code, Name: in.Name, Symbol: in.Symbol, Precision: in.Precision})
			if err != nil {
				return wire.CreateAssetResult{}, err
			}
			r := wire.CreateAssetResult{Asset: wire.FromAsset(a), Created: created, Livemode: a.Mode == billing.ModeLive}
			if created {
				r.Summary = fmt.Sprintf("Created asset %s (%s, %d decimal places) in %s mode.", a.Code, a.Name, a.Precision, a.Mode)
			} else {
				r.Summary = fmt.Sprintf("Asset %s already exists with these settings; nothing changed.", a.Code)
			}
			r.NextSteps = []string{
				fmt.Sprintf("add_asset_rate to say what 1 %s is worth in a currency (e.g. 0.05 USD)", a.Code),
				fmt.Sprintf("quote_asset to check what $10 buys in %s", a.Code),
			}
			return r, nil
		})
}

// AddAssetRate records a dated exchange rate.
func AddAssetRate(d Deps) Tool {
	return newTool(catalogSet, "add_asset_rate", "Add an exchange rate",
		"Records what 1 unit of a custom asset is worth in a currency from effective_at on. Rates are never edited: add a later one. Check it with quote_asset.",
		additive,
		func(ctx context.Context, in wire.AddAssetRateArgs) (wire.AddAssetRateResult, error) {
			rate, err := d.Billing.Catalog.AddAssetRate(ctx, in.ToInput(in.Asset))
			if err != nil {
				return wire.AddAssetRateResult{}, err
			}
			r := wire.AddAssetRateResult{Rate: wire.FromAssetRate(rate), Livemode: livemode(ctx)}
			r.Summary = fmt.Sprintf("From %s, 1 %s = %s %s.", wire.Time(rate.EffectiveAt), rate.Asset, rate.Rate, rate.Currency)
			r.NextSteps = []string{fmt.Sprintf("quote_asset with currency_amount to check what money buys in %s", rate.Asset)}
			return r, nil
		})
}

// QuoteAsset converts between an asset and a currency.
func QuoteAsset(d Deps) Tool {
	return newTool(catalogSet, "quote_asset", "Quote an asset in a currency",
		"Converts a custom asset to a currency or back at the rate in force (now or at a time). Changes nothing.",
		readOnly,
		func(ctx context.Context, in wire.QuoteAssetArgs) (wire.QuoteAssetResult, error) {
			q, err := d.Billing.Catalog.Quote(ctx, billing.QuoteInput{Asset: in.Asset, Currency: in.Currency, AssetAmount: in.AssetAmount.Ptr(), CurrencyAmount: in.CurrencyAmount.Ptr(), At: in.At.Value()})
			if err != nil {
				return wire.QuoteAssetResult{}, err
			}
			r := wire.QuoteAssetResult{Quote: wire.FromQuote(q)}
			r.Summary = fmt.Sprintf("%s %s = %s %s at 1 %s = %s %s (rate effective %s).",
				rating.Display(q.AssetAmount, q.AssetPrecision), q.Asset, rating.Display(q.CurrencyAmount, q.CurrencyPrecision), q.Currency, q.Asset, q.Rate, q.Currency, wire.Time(q.RateEffective))
			return r, nil
		})
}

// livemode reports whether the caller works on live data.
func livemode(ctx context.Context) bool {
	c, _ := billing.CallerFrom(ctx)
	return c.Mode == billing.ModeLive
}
