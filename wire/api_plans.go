package wire

import (
	"maps"
	"slices"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
)

// ChangeSubscriptionRequest moves a plan to another version of its product:
// the body of POST /v1/subscriptions/{id}/change; change_subscription adds
// the subscription.
type ChangeSubscriptionRequest struct {
	Version     int  `json:"version" jsonschema_description:"Target version (same interval and asset); the current one cancels a scheduled change" jsonschema:"minimum=1,example=2"`
	AtPeriodEnd bool `json:"at_period_end,omitempty" jsonschema_description:"At the next renewal; default now, prorated" jsonschema:"example=false"`
}

// CancelSubscriptionRequest ends a plan: the body of POST
// /v1/subscriptions/{id}/cancel; cancel_subscription adds the subscription.
type CancelSubscriptionRequest struct {
	AtPeriodEnd bool `json:"at_period_end,omitempty" jsonschema_description:"Run to the paid period's end; default now, no refund" jsonschema:"example=true"`
}

// SubscriptionPeriod is one billing period of a plan.
type SubscriptionPeriod struct {
	Start         string  `json:"start" jsonschema_description:"When the period started (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	End           string  `json:"end" jsonschema_description:"When it ends: the renewal (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-12-01T12:00:00Z"`
	Status        string  `json:"status" jsonschema_description:"paid, trial (free), due (not paid yet) or waived (never charged: the plan was suspended)" jsonschema:"enum=paid,enum=trial,enum=due,enum=waived,example=paid"`
	Asset         string  `json:"asset" jsonschema_description:"Asset of the fee" jsonschema:"example=USD"`
	Fee           Decimal `json:"fee" jsonschema_description:"The fee of the period (0 for a trial)" jsonschema:"example=20.00"`
	TransactionID string  `json:"transaction_id" jsonschema_description:"The ledger transaction that took the fee; empty when none was taken" jsonschema:"example=txn_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	PaidAt        *string `json:"paid_at" jsonschema_description:"When the fee was taken; null when unpaid or free"`
}

// FromSubscriptionPeriod maps a period; precision is the fee asset's.
func FromSubscriptionPeriod(p billing.SubscriptionPeriod, precision int32) SubscriptionPeriod {
	return SubscriptionPeriod{Start: Time(p.Start), End: Time(p.End), Status: p.Status, Asset: p.Asset, Fee: A(p.Fee, precision),
		TransactionID: p.TransactionID, PaidAt: TimeP(p.PaidAt)}
}

// JSONSchemaExtend marks paid_at nullable.
func (SubscriptionPeriod) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableTime(s, "paid_at", exampleTime)
}

// SubscriptionDetail is a subscription with its billing periods: what GET
// /v1/subscriptions/{id} answers.
type SubscriptionDetail struct {
	Subscription
	Periods []SubscriptionPeriod `json:"periods" jsonschema_description:"The plan's billing periods, oldest first; empty for usage-only subscriptions"`
}

// CustomerDetail is a customer with its subscriptions: what GET
// /v1/customers/{id} answers.
type CustomerDetail struct {
	Customer
	Subscriptions []Subscription `json:"subscriptions" jsonschema_description:"The customer's subscriptions, those in force first, each with its state and next renewal"`
}

// StatementLine is the month's sum of one kind of wallet movement.
type StatementLine struct {
	Kind   string  `json:"kind" jsonschema_description:"top_up, gift, plan_fee, allowance, usage, refund, expiry, proration, charge, correction (the ledger transaction kind)" jsonschema:"example=plan_fee"`
	Label  string  `json:"label" jsonschema_description:"The kind, for people" jsonschema:"example=Plan fees"`
	Amount Decimal `json:"amount" jsonschema_description:"Their sum: positive for money in, negative for money out" jsonschema:"example=-20.00"`
}

// ProductUsage is a product's usage debited in a month.
type ProductUsage struct {
	Product string  `json:"product" jsonschema_description:"Product code" jsonschema:"example=chat"`
	Amount  Decimal `json:"amount" jsonschema_description:"Usage debited for it, allowance included" jsonschema:"example=12.50"`
}

// Statement is a wallet's month in one asset: opening plus the lines is the
// closing, exactly.
type Statement struct {
	CustomerID     string          `json:"customer_id" jsonschema_description:"The customer" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	WalletID       string          `json:"wallet_id" jsonschema_description:"The wallet" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Asset          string          `json:"asset" jsonschema_description:"The asset every amount is in" jsonschema:"example=USD"`
	Month          string          `json:"month" jsonschema_description:"The UTC calendar month, YYYY-MM" jsonschema:"pattern=^[0-9]{4}-[0-9]{2}$,example=2026-11"`
	From           string          `json:"from" jsonschema_description:"The month's first instant (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T00:00:00Z"`
	To             string          `json:"to" jsonschema_description:"The next month's first instant, excluded (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-12-01T00:00:00Z"`
	Opening        Decimal         `json:"opening_balance" jsonschema_description:"The wallet's balance in the asset when the month began" jsonschema:"example=0.00"`
	Lines          []StatementLine `json:"lines" jsonschema_description:"The month's movements summed by kind, in a fixed order; kinds without movement are left out"`
	AllowanceUsed  Decimal         `json:"allowance_used" jsonschema_description:"Usage paid from plan allowances (bundled lots); included in the usage line" jsonschema:"example=10.00"`
	UsageByProduct []ProductUsage  `json:"usage_by_product" jsonschema_description:"Usage debited per product, by code"`
	Closing        Decimal         `json:"closing_balance" jsonschema_description:"The wallet's balance in the asset when the month ended (or now, for the current month): opening_balance plus every line" jsonschema:"example=77.50"`
}

// statementKinds orders statement lines and names them for people.
var statementKinds = []struct{ kind, label string }{
	{"top_up", "Top-ups"}, {"gift", "Gifts"}, {"plan_fee", "Plan fees"}, {"allowance", "Allowance granted"},
	{"proration", "Plan changes (prorated)"}, {"usage", "Usage"}, {"charge", "Charges"}, {"refund", "Refunds"},
	{"correction", "Corrections"}, {"expiry", "Expiries"},
}

// FromStatement maps a statement: lines in the order of statementKinds, any
// other kind after them by name; products by code.
func FromStatement(s billing.Statement) Statement {
	out := Statement{CustomerID: s.CustomerID, WalletID: s.WalletID, Asset: s.Asset, Month: s.From.Format("2006-01"),
		From: Time(s.From), To: Time(s.To), Opening: A(s.Opening, s.Precision), AllowanceUsed: A(s.AllowanceUsed, s.Precision),
		Closing: A(s.Closing, s.Precision), Lines: []StatementLine{}, UsageByProduct: []ProductUsage{}}
	known := map[string]bool{}
	for _, k := range statementKinds {
		known[k.kind] = true
		if v, ok := s.Lines[k.kind]; ok {
			out.Lines = append(out.Lines, StatementLine{Kind: k.kind, Label: k.label, Amount: A(v, s.Precision)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Lines)) {
		if !known[k] {
			out.Lines = append(out.Lines, StatementLine{Kind: k, Label: k, Amount: A(s.Lines[k], s.Precision)})
		}
	}
	for _, p := range slices.Sorted(maps.Keys(s.UsageByProduct)) {
		out.UsageByProduct = append(out.UsageByProduct, ProductUsage{Product: p, Amount: A(s.UsageByProduct[p], s.Precision)})
	}
	return out
}

// ParseMonth reads a YYYY-MM month; empty is the month holding now.
func ParseMonth(field, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, kernel.Invalidf(field, "%s must be a month written YYYY-MM, such as 2026-11; got %q", field, s)
	}
	return t, nil
}

// ToInput is the subscription the request asks for, of customer.
func (r SubscribeRequest) ToInput(customer string) billing.SubscribeInput {
	return billing.SubscribeInput{Customer: customer, Product: r.Product, Version: r.Version, Wallet: r.Wallet, TrialDays: r.TrialDays}
}
