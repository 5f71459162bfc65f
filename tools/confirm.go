package tools

import (
	"context"
	"fmt"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/schemas"
	"github.com/tollgatehq/tollgate/wire"
)

// ConfirmationTokenArg is the argument that carries a person's yes to a
// tool that moves money, when the client could not ask them itself: the
// token an earlier call of the same tool with the same arguments answered
// with. The MCP server takes it off the arguments before the tool sees them
// (mcp/confirm.go); every confirming tool lists it in its input schema.
const ConfirmationTokenArg = "confirmation_token"

// Confirmation is what a person sees and says yes to before a call moves
// money: the move billing judges (billing.Confirmations.Required) and a
// sentence naming the customer, the amount and what happens.
type Confirmation struct {
	Move    billing.Move
	Message string
}

// confirmFunc tells from a call's decoded arguments what it would move, or
// false when it moves nothing a person must confirm.
type confirmFunc func(ctx context.Context, args map[string]any, docs map[string]string) (Confirmation, bool, error)

// confirming returns t, whose calls may move money on an agent's word alone:
// describe tells from the arguments what a call would move (false when the
// call does nothing that needs asking, such as a top_up adjustment or a
// cancellation at the period's end), so the MCP server can ask the person
// first.
func confirming[In any](t Tool, describe func(context.Context, In) (Confirmation, bool, error)) Tool {
	t.confirm = func(ctx context.Context, args map[string]any, docs map[string]string) (Confirmation, bool, error) {
		var in In
		if err := decodeArgs(t.Name, args, docs, &in); err != nil {
			return Confirmation{}, false, err
		}
		return describe(ctx, in)
	}
	return t
}

// Confirms reports whether some calls of t need a person's confirmation.
func (t Tool) Confirms() bool { return t.confirm != nil }

// Confirmation tells what a call of t with args (without
// ConfirmationTokenArg) would move, and whether it is a move at all; an
// argument error is the one the call itself would answer. Only for tools
// that Confirm.
func (t Tool) Confirmation(ctx context.Context, args map[string]any) (Confirmation, bool, error) {
	if t.confirm == nil {
		return Confirmation{}, false, nil
	}
	in, _, ok := schemas.Tool(t.Name)
	if !ok {
		in, _ = t.schema(Input)
	}
	return t.confirm(ctx, args, propertyDocs(in))
}

// CallArguments returns a call's arguments as the tool reads them (numbers
// exact, as json.Number), for the MCP server's confirmation to judge and
// fingerprint the same thing the tool runs on.
func CallArguments(req mcpgo.CallToolRequest) (map[string]any, error) { return arguments(req) }

// The descriptions of the confirming tools' moves.

func confirmAdjustment(d Deps) func(context.Context, wire.CreateAdjustmentArgs) (Confirmation, bool, error) {
	return func(ctx context.Context, in wire.CreateAdjustmentArgs) (Confirmation, bool, error) {
		kind := billing.AdjustmentKind(in.Kind)
		if kind != billing.AdjustGift && kind != billing.AdjustRefund && kind != billing.AdjustCorrection {
			return Confirmation{}, false, nil
		}
		a, err := d.Billing.Catalog.GetAsset(ctx, in.Asset)
		if err != nil {
			return Confirmation{}, false, err
		}
		amount := in.Amount.Decimal
		show := rating.Display(amount.Abs(), a.Precision)
		var what string
		switch kind {
		case billing.AdjustGift:
			what = fmt.Sprintf("Give customer %s %s %s free (a gift)", in.Customer, show, a.Code)
		case billing.AdjustRefund:
			what = fmt.Sprintf("Refund %s %s of customer %s's paid balance (it leaves their wallet)", show, a.Code, in.Customer)
		default:
			sign := "+"
			if amount.IsNegative() {
				sign = "-"
			}
			what = fmt.Sprintf("Correct customer %s's %s balance by %s%s %s", in.Customer, a.Code, sign, show, a.Code)
		}
		return Confirmation{Move: billing.Move{Kind: billing.MoveKind(in.Kind), Asset: in.Asset, Amount: amount},
			Message: what + ", transaction_id " + in.TransactionID}, true, nil
	}
}

func confirmRefundTopUp(d Deps) func(context.Context, wire.RefundTopUpArgs) (Confirmation, bool, error) {
	return func(ctx context.Context, in wire.RefundTopUpArgs) (Confirmation, bool, error) {
		t, err := d.Billing.Payments.GetTopUp(ctx, in.TopUpID)
		if err != nil {
			return Confirmation{}, false, err
		}
		amount := t.Paid.Sub(t.Refunded)
		if p := in.Amount.Ptr(); p != nil {
			amount = *p
		}
		who, err := customerName(ctx, d, t.CustomerID)
		if err != nil {
			return Confirmation{}, false, err
		}
		return Confirmation{Move: billing.Move{Kind: billing.MoveRefund, Asset: t.Currency, Amount: amount},
			Message: fmt.Sprintf("Refund %s %s of top-up %s (paid %s %s) to customer %s's card",
				rating.Display(amount, t.PaidPrecision), t.Currency, t.ID, rating.Display(t.Paid, t.PaidPrecision), t.Currency, who)}, true, nil
	}
}

func confirmCancelSubscription(d Deps) func(context.Context, wire.CancelSubscriptionArgs) (Confirmation, bool, error) {
	return func(ctx context.Context, in wire.CancelSubscriptionArgs) (Confirmation, bool, error) {
		if in.AtPeriodEnd {
			return Confirmation{}, false, nil
		}
		sub, _, err := d.Billing.Plans.GetSubscription(ctx, in.Subscription)
		if err != nil {
			return Confirmation{}, false, err
		}
		who, err := customerName(ctx, d, sub.CustomerID)
		if err != nil {
			return Confirmation{}, false, err
		}
		return Confirmation{Move: billing.Move{Kind: billing.MoveCancelNow},
			Message: fmt.Sprintf("Cancel customer %s's plan %s (version %d, %s) now, with no refund", who, sub.ProductCode, sub.Version, sub.ID)}, true, nil
	}
}

func confirmRevokeCustomerKey(d Deps) func(context.Context, wire.RevokeCustomerKeyArgs) (Confirmation, bool, error) {
	return func(ctx context.Context, in wire.RevokeCustomerKeyArgs) (Confirmation, bool, error) {
		who, err := d.Billing.Confirmations.CustomerKeyCustomer(ctx, in.ID)
		if err != nil {
			return Confirmation{}, false, err
		}
		return Confirmation{Move: billing.Move{Kind: billing.MoveRevokeKey},
			Message: fmt.Sprintf("Revoke customer %s's gateway key %s: their app's calls through the gateway stop within a second", who, in.ID)}, true, nil
	}
}

func confirmAutoTopUpOff(_ Deps) func(context.Context, wire.ConfigureAutoTopUpArgs) (Confirmation, bool, error) {
	return func(ctx context.Context, in wire.ConfigureAutoTopUpArgs) (Confirmation, bool, error) {
		if in.Enabled {
			return Confirmation{}, false, nil
		}
		wallet := in.Wallet
		if wallet == "" {
			wallet = "default"
		}
		return Confirmation{Move: billing.Move{Kind: billing.MoveDisableAutoTopUp, Asset: in.Asset},
			Message: fmt.Sprintf("Turn off auto top-up in %s for customer %s's %s wallet: a low balance is no longer refilled from their card", in.Asset, in.Customer, wallet)}, true, nil
	}
}

// customerName is how a person knows a customer: the external id.
func customerName(ctx context.Context, d Deps, id string) (string, error) {
	c, err := d.Billing.GetCustomer(ctx, id)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return id, nil
	}
	return c.ExternalID, err
}
