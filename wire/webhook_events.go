package wire

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/webhooks"
)

// The data of outgoing webhook events: the objects the REST API returns.
// top_up.* carry a TopUp, authorization.declined an Authorization,
// subscription.* a Subscription, balance.* a BalanceEvent and auto_top_up.*
// an AutoTopUpEvent.

// BalanceEvent is the data of balance.* events: the wallet's balance in the
// asset, as GET /v1/customers/{id}/wallets/{wallet} shows it, with the
// wallet, its customer and, for balance.threshold_crossed, the threshold.
type BalanceEvent struct {
	WalletID   string   `json:"wallet_id" jsonschema_description:"The wallet" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	CustomerID string   `json:"customer_id" jsonschema_description:"The wallet's customer" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Threshold  *Decimal `json:"threshold,omitempty" jsonschema_description:"balance.threshold_crossed: the threshold the available balance went below" jsonschema:"example=10.00"`
	Balance
}

// AutoTopUpEvent is the data of auto_top_up.* events: the wallet's auto
// top-up as GET …/auto_top_up shows it, and the declined top-up.
type AutoTopUpEvent struct {
	AutoTopUp AutoTopUp `json:"auto_top_up" jsonschema_description:"The auto top-up configuration, with its failures and, once disabled, disabled_reason"`
	TopUp     TopUp     `json:"top_up" jsonschema_description:"The auto top-up whose charge was declined"`
}

// outboxIDs are the ids billing's outbox rows carry.
type outboxIDs struct {
	TopUpID         string `json:"top_up_id"`
	AuthorizationID string `json:"authorization_id"`
	SubscriptionID  string `json:"subscription_id"`
	WalletID        string `json:"wallet_id"`
	Asset           string `json:"asset"`
	Threshold       string `json:"threshold"`
}

// WebhookData renders an event's data from the ids of its outbox row by
// reading the objects through svc, for webhooks.Options.Render. An event
// type it does not know keeps the outbox payload.
func WebhookData(svc *billing.Service) webhooks.Render {
	return func(ctx context.Context, typ string, payload json.RawMessage) (any, error) {
		var p outboxIDs
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, kernel.Invalidf("payload", "outbox payload of %s: %v", typ, err)
		}
		c, err := billing.RequireCaller(ctx)
		if err != nil {
			return nil, err
		}
		kind, _, _ := strings.Cut(typ, ".")
		switch kind {
		case "top_up":
			t, err := svc.Payments.GetTopUp(ctx, p.TopUpID)
			return FromTopUp(t, c.Mode), err
		case "authorization":
			a, err := svc.GetAuthorization(ctx, p.AuthorizationID)
			return FromAuthorization(a, c.Mode), err
		case "subscription":
			s, _, err := svc.Plans.GetSubscription(ctx, p.SubscriptionID)
			return FromSubscription(s), err
		case "balance":
			return balanceEvent(ctx, svc, p)
		case "auto_top_up":
			t, err := svc.Payments.GetTopUp(ctx, p.TopUpID)
			if err != nil {
				return nil, err
			}
			a, err := svc.Payments.GetAutoTopUp(ctx, t.CustomerID, t.WalletID, t.Asset)
			return AutoTopUpEvent{AutoTopUp: FromAutoTopUp(a, c.Mode), TopUp: FromTopUp(t, c.Mode)}, err
		}
		return payload, nil
	}
}

func balanceEvent(ctx context.Context, svc *billing.Service, p outboxIDs) (BalanceEvent, error) {
	v, err := svc.GetWallet(ctx, "", p.WalletID)
	if err != nil {
		return BalanceEvent{}, err
	}
	for _, b := range v.Balances {
		if b.Asset != p.Asset {
			continue
		}
		out := BalanceEvent{WalletID: v.ID, CustomerID: v.CustomerID, Balance: FromBalance(b)}
		if p.Threshold != "" {
			d, err := rating.ParseAmount(p.Threshold)
			if err != nil {
				return BalanceEvent{}, kernel.Invalidf("threshold", "outbox threshold %q: %v", p.Threshold, err)
			}
			out.Threshold = AP(&d, b.Precision)
		}
		return out, nil
	}
	return BalanceEvent{}, kernel.NotFoundf("asset", "wallet %s has no %s balance", p.WalletID, p.Asset)
}

// WebhookTestEvent is the data of webhook.test, sent by send_test_webhook.
type WebhookTestEvent struct {
	EndpointID string `json:"endpoint_id" jsonschema_description:"The endpoint tested" jsonschema:"example=we_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Message    string `json:"message" jsonschema_description:"A fixed message" jsonschema:"example=a test event from Tollgate"`
}
