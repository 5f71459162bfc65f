package wire

import (
	"time"

	"github.com/invopop/jsonschema"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/webhooks"
)

// Outgoing webhooks: endpoints, deliveries and balance thresholds, for the
// REST API and the MCP tools alike.

// WebhookEndpoint is an endpoint as every surface shows it: its secret only
// in the answer that made it.
type WebhookEndpoint struct {
	ID                      string    `json:"id" jsonschema_description:"Endpoint id" jsonschema:"example=we_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	URL                     string    `json:"url" jsonschema_description:"Where events are POSTed" jsonschema:"example=https://example.com/tollgate/webhooks"`
	Description             string    `json:"description" jsonschema_description:"Your note about the endpoint" jsonschema:"example=production receiver"`
	EventTypes              []string  `json:"event_types" jsonschema_description:"The event types sent; empty: all of them"`
	Enabled                 bool      `json:"enabled" jsonschema_description:"false: nothing new is sent (see disabled_reason)"`
	DisabledReason          string    `json:"disabled_reason" jsonschema_description:"Why the endpoint is disabled: by you, a 410 Gone, or 5 days of failed deliveries" jsonschema:"example=the endpoint answered 410 Gone"`
	FailingSince            *string   `json:"failing_since" jsonschema_description:"First failed attempt since the last success; null when healthy" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	SecretLast4             string    `json:"secret_last4" jsonschema_description:"Last 4 characters of the current signing secret" jsonschema:"example=LaSw"`
	Secret                  string    `json:"secret,omitempty" jsonschema_description:"The whole signing secret (whsec_…), only in the answer that created or rotated it (and in a replay of that create under its idempotency_key, until a rotation): store it now" jsonschema:"example=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"`
	PreviousSecretExpiresAt *string   `json:"previous_secret_expires_at" jsonschema_description:"After a rotation, when the previous secret stops signing; null when one secret signs" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	Livemode                bool      `json:"livemode" jsonschema_description:"true for a live-mode endpoint" jsonschema:"example=false"`
	CreatedAt               time.Time `json:"created_at" jsonschema_description:"When it was created" jsonschema:"example=2026-11-01T12:00:00Z"`
	UpdatedAt               time.Time `json:"updated_at" jsonschema_description:"When it last changed" jsonschema:"example=2026-11-01T12:00:00Z"`
}

// FromWebhookEndpoint maps an endpoint.
func FromWebhookEndpoint(e webhooks.Endpoint) WebhookEndpoint {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	return WebhookEndpoint{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: types, Enabled: e.Enabled, DisabledReason: e.DisabledReason,
		FailingSince: utcp(e.FailingSince), SecretLast4: e.SecretLast4, Secret: e.Secret, PreviousSecretExpiresAt: utcp(e.PreviousSecretExpiresAt),
		Livemode: e.Mode == billing.ModeLive, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
}

func utcp(t *time.Time) *string { return TimeP(t) }

// WebhookAttempt is one request of a delivery.
type WebhookAttempt struct {
	Number          int       `json:"number" jsonschema_description:"1 for the first attempt" jsonschema:"example=1"`
	AttemptedAt     time.Time `json:"attempted_at" jsonschema:"example=2026-11-01T12:00:00Z"`
	StatusCode      *int      `json:"status_code" jsonschema_description:"The endpoint's HTTP status; null when it did not answer" jsonschema:"example=200"`
	LatencyMS       int64     `json:"latency_ms" jsonschema_description:"Time to the answer, in milliseconds" jsonschema:"example=142"`
	ResponseExcerpt string    `json:"response_excerpt" jsonschema_description:"The first 512 bytes of the answer's body" jsonschema:"example=ok"`
	Error           string    `json:"error" jsonschema_description:"Why no answer came (refused, timed out), when none did" jsonschema:"example=refused to connect to 10.0.0.1: a private address"`
}

// WebhookDelivery is one event sent to one endpoint, with its attempts.
type WebhookDelivery struct {
	ID            string           `json:"id" jsonschema_description:"Delivery id" jsonschema:"example=whd_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	EndpointID    string           `json:"endpoint_id" jsonschema_description:"The endpoint (we_…)" jsonschema:"example=we_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	EventID       string           `json:"event_id" jsonschema_description:"The event's id, sent as webhook-id: the same on every attempt, so receivers can drop duplicates" jsonschema:"example=evt_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	EventType     string           `json:"event_type" jsonschema:"example=balance.threshold_crossed" jsonschema_description:"The event's type"`
	Status        string           `json:"status" jsonschema_description:"pending (being sent or waiting for a retry), succeeded or failed (every retry failed, or the endpoint is disabled)" jsonschema:"example=succeeded,enum=pending,enum=succeeded,enum=failed"`
	NextAttemptAt *string          `json:"next_attempt_at" jsonschema_description:"When a pending delivery is tried next" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
	Attempts      []WebhookAttempt `json:"attempts" jsonschema_description:"Every attempt, first to last"`
	CreatedAt     time.Time        `json:"created_at" jsonschema_description:"When it was created" jsonschema:"example=2026-11-01T12:00:00Z"`
	UpdatedAt     time.Time        `json:"updated_at" jsonschema_description:"When it last changed" jsonschema:"example=2026-11-01T12:00:00Z"`
}

// FromWebhookDelivery maps a delivery.
func FromWebhookDelivery(d webhooks.Delivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, Status: d.Status,
		NextAttemptAt: utcp(d.NextAttemptAt), Attempts: []WebhookAttempt{}, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	for _, a := range d.Attempts {
		out.Attempts = append(out.Attempts, WebhookAttempt{Number: a.Number, AttemptedAt: a.At.UTC(), StatusCode: a.StatusCode,
			LatencyMS: a.Latency.Milliseconds(), ResponseExcerpt: a.ResponseExcerpt, Error: a.Error})
	}
	return out
}

// CreateWebhookEndpointRequest is the body of POST /v1/webhook_endpoints and
// create_webhook_endpoint's arguments.
type CreateWebhookEndpointRequest struct {
	URL            string   `json:"url" jsonschema_description:"https URL that receives events (http and loopback allowed in test mode only); private, link-local and metadata addresses are refused" jsonschema:"example=https://example.com/tollgate/webhooks"`
	Description    string   `json:"description,omitempty" jsonschema_description:"Your note about the endpoint" jsonschema:"example=production receiver"`
	EventTypes     []string `json:"event_types,omitempty" jsonschema_description:"Event types to send (authorization.declined, balance.threshold_crossed, balance.depleted, balance.recovered, balance.below_zero, top_up.succeeded, top_up.failed, top_up.requires_action, auto_top_up.failed, auto_top_up.disabled, subscription.renewed, subscription.past_due, subscription.suspended, subscription.resumed, subscription.canceled); omit for all"`
	IdempotencyKey string   `json:"idempotency_key,omitempty" jsonschema_description:"Your unique id for this endpoint (1-200 characters): a retry with the same key and payload returns the same endpoint, not a second one; the same key with another payload is refused (REST: default the Idempotency-Key header)" jsonschema:"example=endpoint-prod-1"`
}

// UpdateWebhookEndpointRequest is the body of POST
// /v1/webhook_endpoints/{id}; fields left out stay.
type UpdateWebhookEndpointRequest struct {
	URL          *string   `json:"url,omitempty" jsonschema_description:"A new URL" jsonschema:"example=https://example.com/tollgate/webhooks"`
	Description  *string   `json:"description,omitempty" jsonschema_description:"A new note" jsonschema:"example=production receiver"`
	EventTypes   *[]string `json:"event_types,omitempty" jsonschema_description:"The new event types; [] for all"`
	Enabled      *bool     `json:"enabled,omitempty" jsonschema_description:"false disables the endpoint; true enables it again (clearing disabled_reason)"`
	RotateSecret bool      `json:"rotate_secret,omitempty" jsonschema_description:"Make a new signing secret, shown once in the answer; the old one keeps signing too for 24 hours"`
}

// BalanceThreshold is one threshold on a wallet's available balance.
type BalanceThreshold struct {
	WalletID  string  `json:"wallet_id" jsonschema_description:"The wallet" jsonschema:"example=wal_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Asset     string  `json:"asset" jsonschema:"example=USD" jsonschema_description:"Asset code"`
	Threshold Decimal `json:"threshold" jsonschema_description:"balance.threshold_crossed is sent when the available balance goes below it" jsonschema:"example=10.00"`
	RearmAt   Decimal `json:"rearm_at" jsonschema_description:"After a crossing, the threshold fires again only once the available balance has been back at or above this" jsonschema:"example=11.00"`
	Armed     bool    `json:"armed" jsonschema_description:"true: the next crossing sends an event"`
	CrossedAt *string `json:"crossed_at" jsonschema_description:"The last crossing" jsonschema:"format=date-time,example=2026-11-01T12:00:00Z"`
}

// FromBalanceThreshold maps a threshold.
func FromBalanceThreshold(t billing.BalanceThreshold) BalanceThreshold {
	return BalanceThreshold{WalletID: t.WalletID, Asset: t.Asset, Threshold: A(t.Threshold, t.Precision), RearmAt: A(t.RearmAt, t.Precision),
		Armed: t.Armed, CrossedAt: utcp(t.CrossedAt)}
}

// ThresholdParam is one threshold to set.
type ThresholdParam struct {
	Threshold Decimal  `json:"threshold" jsonschema_description:"More than 0, at most the asset's precision" jsonschema:"example=10.00"`
	RearmAt   *Decimal `json:"rearm_at,omitempty" jsonschema_description:"Above threshold; default threshold + 10%" jsonschema:"example=12.00"`
}

// SetBalanceThresholdsRequest is the body of POST
// /v1/customers/{id}/wallets/{wallet}/thresholds.
type SetBalanceThresholdsRequest struct {
	Asset      string           `json:"asset" jsonschema_description:"Asset code" jsonschema:"example=USD"`
	Thresholds []ThresholdParam `json:"thresholds" jsonschema_description:"The wallet's thresholds in the asset, replacing those set before (at most 10; [] removes them)"`
}

// WebhookEndpointResult is the answer of the tools that return one endpoint.
type WebhookEndpointResult struct {
	Endpoint WebhookEndpoint `json:"endpoint" jsonschema_description:"The endpoint"`
	Guidance
}

// ListWebhookEndpointsArgs takes no arguments.
type ListWebhookEndpointsArgs struct{}

// ListWebhookEndpointsResult lists the endpoints of this mode.
type ListWebhookEndpointsResult struct {
	Data []WebhookEndpoint `json:"data" jsonschema_description:"The endpoints of this mode"`
	Guidance
}

// UpdateWebhookEndpointArgs are update_webhook_endpoint's arguments.
type UpdateWebhookEndpointArgs struct {
	EndpointID string `json:"endpoint_id" jsonschema_description:"The endpoint (we_…)" jsonschema:"example=we_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	UpdateWebhookEndpointRequest
}

// SendTestWebhookArgs are send_test_webhook's arguments.
type SendTestWebhookArgs struct {
	EndpointID string `json:"endpoint_id" jsonschema_description:"The endpoint (we_…)" jsonschema:"example=we_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// WebhookDeliveryResult is the answer of the tools that return one delivery.
type WebhookDeliveryResult struct {
	Delivery WebhookDelivery `json:"delivery" jsonschema_description:"The delivery"`
	Guidance
}

// ListWebhookDeliveriesArgs are list_webhook_deliveries' arguments.
type ListWebhookDeliveriesArgs struct {
	EndpointID string `json:"endpoint_id" jsonschema_description:"The endpoint (we_…)" jsonschema:"example=we_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Status     string `json:"status,omitempty" jsonschema_description:"Only deliveries in this status" jsonschema:"example=succeeded,enum=pending,enum=succeeded,enum=failed"`
	Limit      int    `json:"limit,omitempty" jsonschema_description:"1-100; default 20" jsonschema:"example=20"`
	Cursor     string `json:"cursor,omitempty" jsonschema_description:"next_cursor of the previous page" jsonschema:"example=whd_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// ListWebhookDeliveriesResult is a page of deliveries, newest first.
type ListWebhookDeliveriesResult struct {
	Data       []WebhookDelivery `json:"data" jsonschema_description:"The deliveries, newest first"`
	HasMore    bool              `json:"has_more" jsonschema_description:"true when another page follows" jsonschema:"example=false"`
	NextCursor *string           `json:"next_cursor" jsonschema_description:"Pass as cursor for the next page; null on the last page" jsonschema:"example=whd_01jd8x2k7m3n4p5q6r7s8t9v0w"`
	Guidance
}

// RetryWebhookDeliveryArgs are retry_webhook_delivery's arguments.
type RetryWebhookDeliveryArgs struct {
	DeliveryID string `json:"delivery_id" jsonschema_description:"The delivery (whd_…)" jsonschema:"example=whd_01jd8x2k7m3n4p5q6r7s8t9v0w"`
}

// SetBalanceThresholdsArgs are set_balance_thresholds' arguments.
type SetBalanceThresholdsArgs struct {
	Customer string `json:"customer" jsonschema_description:"Customer id (cus_…) or external_id" jsonschema:"example=user_123"`
	Wallet   string `json:"wallet,omitempty" jsonschema_description:"Wallet id (wal_…) or name; default: the default wallet" jsonschema:"example=default"`
	SetBalanceThresholdsRequest
}

// SetBalanceThresholdsResult is the wallet's thresholds in the asset.
type SetBalanceThresholdsResult struct {
	Thresholds []BalanceThreshold `json:"thresholds" jsonschema_description:"The wallet's thresholds in the asset, highest first"`
	Livemode   bool               `json:"livemode" jsonschema_description:"true when this was written to live data" jsonschema:"example=false"`
	Guidance
}

// JSONSchemaExtend marks the endpoint's times nullable.
func (WebhookEndpoint) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableTime(s, "failing_since", exampleTime)
	nullableTime(s, "previous_secret_expires_at", exampleTime)
}

// JSONSchemaExtend marks next_attempt_at nullable.
func (WebhookDelivery) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableTime(s, "next_attempt_at", exampleTime)
}

// JSONSchemaExtend marks crossed_at nullable.
func (BalanceThreshold) JSONSchemaExtend(s *jsonschema.Schema) {
	nullableTime(s, "crossed_at", exampleTime)
}
