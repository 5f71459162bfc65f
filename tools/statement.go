package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// GetStatement reads a customer's monthly statement for a wallet and asset.
func GetStatement(d Deps) Tool {
	return newTool(plansSet, "get_statement", "Get a monthly statement",
		"A customer's statement for a UTC month, one wallet and asset: opening balance, movements by kind (top-ups, plan fees, allowance, usage, …), usage by product, closing balance.",
		readOnly,
		func(ctx context.Context, in wire.GetStatementArgs) (wire.GetStatementResult, error) {
			month, err := wire.ParseMonth("month", in.Month, d.Billing.Now())
			if err != nil {
				return wire.GetStatementResult{}, err
			}
			st, err := d.Billing.Plans.GetStatement(ctx, in.Customer, in.Wallet, in.Asset, month)
			if err != nil {
				return wire.GetStatementResult{}, err
			}
			r := wire.GetStatementResult{Statement: wire.FromStatement(st)}
			show := func(d rating.Decimal) string { return rating.Display(d, st.Precision) + " " + st.Asset }
			lines := make([]string, 0, len(r.Statement.Lines))
			for _, l := range r.Statement.Lines {
				lines = append(lines, fmt.Sprintf("%s %s", strings.ToLower(l.Label), show(l.Amount.Decimal)))
			}
			movements := "no movements"
			if len(lines) > 0 {
				movements = strings.Join(lines, ", ")
			}
			r.Summary = fmt.Sprintf("Statement of %s for %s in %s: opening %s; %s; closing %s.",
				in.Customer, r.Statement.Month, st.Asset, show(st.Opening), movements, show(st.Closing))
			if st.AllowanceUsed.IsPositive() {
				r.Summary += fmt.Sprintf(" Of the usage, %s came from plan allowances.", show(st.AllowanceUsed))
			}
			return r, nil
		}).withView(StatementView)
}
