package wire

import (
	"github.com/tollgatehq/tollgate/billing"
)

// Authorization is a hold on available balance and the decision behind it. A
// decline is a decision (approved false, with decline_reason, required,
// available and shortfall), not an error. REST and MCP answer this one shape.
type Authorization struct {
	ID             string   `json:"id" jsonschema_description:"Authorization id; send it as authorization_id with the usage event" jsonschema:"example=auth_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	IdempotencyKey string   `json:"idempotency_key" jsonschema_description:"Your idempotency key for this authorization" jsonschema:"example=req_8f2a-authorize"`
	CustomerID     string   `json:"customer_id" jsonschema_description:"The customer" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	WalletID       string   `json:"wallet_id" jsonschema_description:"The wallet holding the money" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	EventType      string   `json:"event_type,omitempty" jsonschema_description:"The event type priced, when the estimate came from one" jsonschema:"example=image.generated"`
	Approved       bool     `json:"approved" jsonschema_description:"true when the amount is held; false for a decline" jsonschema:"example=true"`
	Status         string   `json:"status" jsonschema_description:"active (holding), captured, voided, expired or declined" jsonschema:"enum=active,enum=captured,enum=voided,enum=expired,enum=declined,example=active"`
	DeclineReason  string   `json:"decline_reason,omitempty" jsonschema_description:"Why it was declined" jsonschema:"enum=insufficient_funds,enum=no_subscription,enum=subscription_suspended,example=insufficient_funds"`
	Asset          string   `json:"asset" jsonschema_description:"Asset of the amounts" jsonschema:"example=USD"`
	Amount         Decimal  `json:"amount" jsonschema_description:"Held (approved) or required (declined)" jsonschema:"example=0.04"`
	Required       Decimal  `json:"required" jsonschema_description:"What the request needs available: the estimate, or the amount sent (the same as amount; named for declines)" jsonschema:"example=0.04"`
	Available      Decimal  `json:"available" jsonschema_description:"Available balance after the hold, or when declined" jsonschema:"example=9.96"`
	Shortfall      Decimal  `json:"shortfall" jsonschema_description:"What a top-up must add for the request to pass; 0 when approved" jsonschema:"example=0"`
	ExpiresAt      string   `json:"expires_at" jsonschema_description:"When an unused hold is released (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:15:00Z"`
	CapturedAmount *Decimal `json:"captured_amount,omitempty" jsonschema_description:"What the usage event captured" jsonschema:"example=0.04"`
	EventID        string   `json:"event_id,omitempty" jsonschema_description:"The usage event that captured it" jsonschema:"example=evt_123"`
	SettledAt      *string  `json:"settled_at" jsonschema_description:"When it was captured or voided; null otherwise"`
	CreatedAt      string   `json:"created_at" jsonschema_description:"When it was decided (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	Replayed       bool     `json:"replayed" jsonschema_description:"true when this answer is the stored one for a repeated idempotency_key" jsonschema:"example=false"`
	Livemode       bool     `json:"livemode" jsonschema_description:"true for live data, false for test data" jsonschema:"example=false"`
}

// FromAuthorization maps a domain authorization.
func FromAuthorization(a billing.Authorization, mode billing.Mode) Authorization {
	return Authorization{ID: a.ID, IdempotencyKey: a.IdempotencyKey, CustomerID: a.CustomerID, WalletID: a.WalletID,
		EventType: a.EventType, Approved: a.Approved, Status: a.Status, DeclineReason: a.DeclineReason, Asset: a.Asset,
		Amount: A(a.Amount, a.Precision), Required: A(a.Amount, a.Precision), Available: A(a.Available, a.Precision), Shortfall: A(a.Shortfall, a.Precision), ExpiresAt: Time(a.ExpiresAt),
		CapturedAmount: AP(a.CapturedAmount, a.Precision), EventID: a.EventID, SettledAt: TimeP(a.SettledAt), CreatedAt: Time(a.CreatedAt),
		Replayed: a.Replayed, Livemode: mode == billing.ModeLive}
}

// Settlement says what recording an event did to its authorization.
type Settlement struct {
	AuthorizationID string  `json:"authorization_id" jsonschema_description:"The authorization" jsonschema:"example=auth_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Status          string  `json:"status" jsonschema_description:"captured, or the status that prevented capture" jsonschema:"example=captured"`
	Held            Decimal `json:"held" jsonschema_description:"What the hold reserved" jsonschema:"example=0.05"`
	Captured        Decimal `json:"captured" jsonschema_description:"What the event cost, in the hold's asset" jsonschema:"example=0.04"`
	Released        Decimal `json:"released" jsonschema_description:"Held minus captured, when positive" jsonschema:"example=0.01"`
	Exceeded        Decimal `json:"exceeded" jsonschema_description:"Captured minus held, when positive: debited beyond the hold" jsonschema:"example=0"`
}

// Event is a recorded usage event with its fees.
type Event struct {
	ID              string         `json:"id" jsonschema_description:"Your unique id for the event" jsonschema:"example=evt_123"`
	CustomerID      string         `json:"customer_id" jsonschema_description:"The customer" jsonschema:"example=cus_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	WalletID        string         `json:"wallet_id" jsonschema_description:"The wallet debited" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	EventType       string         `json:"event_type" jsonschema_description:"The activity" jsonschema:"example=image.generated"`
	OccurredAt      string         `json:"occurred_at" jsonschema_description:"When the usage happened (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	Data            map[string]any `json:"data" jsonschema_description:"Volume fields and dimensions"`
	Costs           []Cost         `json:"costs" jsonschema_description:"Vendor costs; null when unknown"`
	AuthorizationID string         `json:"authorization_id,omitempty" jsonschema_description:"The authorization it settled" jsonschema:"example=auth_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Fees            []Fee          `json:"fees" jsonschema_description:"What it was charged"`
	Settlement      *Settlement    `json:"settlement,omitempty" jsonschema_description:"What happened to its authorization"`
	CreatedAt       string         `json:"created_at" jsonschema_description:"When it was recorded (RFC 3339, UTC)" jsonschema:"format=date-time,example=2026-11-01T12:00:01Z"`
	Replayed        bool           `json:"replayed" jsonschema_description:"true when this id was already recorded with the same payload: nothing was charged again" jsonschema:"example=false"`
	Livemode        bool           `json:"livemode" jsonschema_description:"true for live data, false for test data" jsonschema:"example=false"`
}

// FromEvent maps a domain event.
func FromEvent(e billing.Event, mode billing.Mode) Event {
	out := Event{ID: e.ID, CustomerID: e.CustomerID, WalletID: e.WalletID, EventType: e.EventType, OccurredAt: Time(e.OccurredAt),
		Data: e.Data, AuthorizationID: e.AuthorizationID, Fees: Map(e.Fees, FromFee), CreatedAt: Time(e.CreatedAt),
		Replayed: e.Replayed, Livemode: mode == billing.ModeLive}
	if out.Data == nil {
		out.Data = map[string]any{}
	}
	if e.Costs != nil {
		out.Costs = Map(e.Costs, FromCost)
	}
	if s := e.Settlement; s != nil {
		p := s.Precision
		out.Settlement = &Settlement{AuthorizationID: s.AuthorizationID, Status: s.Status, Held: A(s.Held, p), Captured: A(s.Captured, p),
			Released: A(s.Released, p), Exceeded: A(s.Exceeded, p)}
	}
	return out
}
