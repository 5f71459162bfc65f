package wire

import (
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// The hosted customer portal: links for one customer, and its branding and
// top-up limits per account and mode.

// CreatePortalSessionRequest asks for a link to the portal: the body of
// POST /v1/portal_sessions and create_portal_session's arguments.
type CreatePortalSessionRequest struct {
	Customer  string `json:"customer" jsonschema_description:"The customer who opens the portal: id or external_id" jsonschema:"example=user_42"`
	ReturnURL string `json:"return_url" jsonschema_description:"Absolute http(s) URL of your app where the portal's Back link leads" jsonschema:"example=https://app.example.com/settings/billing"`
}

// PortalSession is a link to the portal for one customer.
type PortalSession struct {
	Object    string    `json:"object" jsonschema_description:"Always portal_session" jsonschema:"enum=portal_session,example=portal_session"`
	URL       string    `json:"url" jsonschema_description:"Send the customer's browser here (a redirect or a link); it must be opened before expires_at and opens a session of at most an hour" jsonschema:"example=https://billing.example.com/portal/session?token=eyJh…"`
	ExpiresAt time.Time `json:"expires_at" jsonschema_description:"The link must be opened before then (10 minutes)" jsonschema:"example=2026-11-30T12:10:00Z"`
	Livemode  bool      `json:"livemode" jsonschema_description:"true for a live-mode customer; in test mode the portal shows a Test mode banner" jsonschema:"example=false"`
}

// SetPortalBrandingRequest changes the fields it holds of the portal's
// branding and limits: the body of POST /v1/portal_branding and
// set_portal_branding's arguments.
type SetPortalBrandingRequest struct {
	DisplayName   *string   `json:"display_name,omitempty" jsonschema_description:"Your product's name in the portal's header, up to 80 characters; empty shows Billing" jsonschema:"example=Acme AI"`
	LogoURL       *string   `json:"logo_url,omitempty" jsonschema_description:"https URL of a square logo; empty for none" jsonschema:"example=https://acme.example/logo.png"`
	AccentColor   *string   `json:"accent_color,omitempty" jsonschema_description:"Buttons and links colour, #rrggbb; empty for the default" jsonschema:"example=#0f766e"`
	SupportEmail  *string   `json:"support_email,omitempty" jsonschema_description:"Shown in the footer; empty hides it" jsonschema:"example=support@acme.example"`
	Asset         *string   `json:"asset,omitempty" jsonschema_description:"The balance the portal charts and tops up; default USD" jsonschema:"example=USD"`
	Currency      *string   `json:"currency,omitempty" jsonschema_description:"What customers pay in when asset is not a currency; empty when it is" jsonschema:"example=USD"`
	TopUpPresets  []Decimal `json:"top_up_presets,omitempty" jsonschema_description:"Up to 6 amounts offered as buttons, each within the limits" jsonschema:"example=10,example=25,example=50"`
	TopUpMin      *Decimal  `json:"top_up_min,omitempty" jsonschema_description:"The smallest amount a customer may pay in one top-up or auto top-up" jsonschema:"example=5"`
	TopUpMax      *Decimal  `json:"top_up_max,omitempty" jsonschema_description:"The largest amount a customer may pay in one top-up or auto top-up" jsonschema:"example=500"`
	MonthlyCapMax *Decimal  `json:"monthly_cap_max,omitempty" jsonschema_description:"The highest monthly cap a customer may set on auto top-up" jsonschema:"example=1000"`
}

// ToInput maps the request to billing's input.
func (r SetPortalBrandingRequest) ToInput() billing.SetPortalBrandingInput {
	in := billing.SetPortalBrandingInput{DisplayName: r.DisplayName, LogoURL: r.LogoURL, AccentColor: r.AccentColor, SupportEmail: r.SupportEmail,
		Asset: r.Asset, Currency: r.Currency}
	if r.TopUpPresets != nil {
		in.TopUpPresets = make([]rating.Decimal, len(r.TopUpPresets))
		for i, d := range r.TopUpPresets {
			in.TopUpPresets[i] = d.Decimal
		}
	}
	unwrap := func(d *Decimal) *rating.Decimal {
		if d == nil {
			return nil
		}
		return &d.Decimal
	}
	in.TopUpMin, in.TopUpMax, in.MonthlyCapMax = unwrap(r.TopUpMin), unwrap(r.TopUpMax), unwrap(r.MonthlyCapMax)
	return in
}

// PortalBranding is the portal's branding and limits in one mode.
type PortalBranding struct {
	Object        string    `json:"object" jsonschema_description:"Always portal_branding" jsonschema:"enum=portal_branding,example=portal_branding"`
	DisplayName   string    `json:"display_name" jsonschema_description:"Name in the portal's header; empty shows Billing" jsonschema:"example=Acme AI"`
	LogoURL       string    `json:"logo_url" jsonschema_description:"Logo shown beside the name; empty for none" jsonschema:"example=https://acme.example/logo.png"`
	AccentColor   string    `json:"accent_color" jsonschema_description:"Buttons and links colour; empty for the default" jsonschema:"example=#0f766e"`
	SupportEmail  string    `json:"support_email" jsonschema_description:"Shown in the footer; empty hides it" jsonschema:"example=support@acme.example"`
	Asset         string    `json:"asset" jsonschema_description:"The balance the portal charts and tops up" jsonschema:"example=USD"`
	Currency      string    `json:"currency" jsonschema_description:"What customers pay in; empty when asset is a currency" jsonschema:"example=USD"`
	TopUpPresets  []Decimal `json:"top_up_presets" jsonschema_description:"Amounts offered as buttons"`
	TopUpMin      Decimal   `json:"top_up_min" jsonschema_description:"Smallest amount of one top-up" jsonschema:"example=5"`
	TopUpMax      Decimal   `json:"top_up_max" jsonschema_description:"Largest amount of one top-up" jsonschema:"example=500"`
	MonthlyCapMax Decimal   `json:"monthly_cap_max" jsonschema_description:"Highest monthly cap of auto top-up" jsonschema:"example=1000"`
	Livemode      bool      `json:"livemode" jsonschema_description:"true in live mode" jsonschema:"example=false"`
}

// FromPortalBranding maps billing's branding to the wire.
func FromPortalBranding(p billing.PortalBranding, mode billing.Mode) PortalBranding {
	out := PortalBranding{Object: "portal_branding", DisplayName: p.DisplayName, LogoURL: p.LogoURL, AccentColor: p.AccentColor,
		SupportEmail: p.SupportEmail, Asset: p.Asset, Currency: p.Currency, TopUpPresets: make([]Decimal, len(p.TopUpPresets)),
		TopUpMin: D(p.TopUpMin), TopUpMax: D(p.TopUpMax), MonthlyCapMax: D(p.MonthlyCapMax), Livemode: mode == billing.ModeLive}
	for i, d := range p.TopUpPresets {
		out.TopUpPresets[i] = D(d)
	}
	return out
}

// CreatePortalSessionResult is create_portal_session's result.
type CreatePortalSessionResult struct {
	PortalSession
	Guidance
}

// SetPortalBrandingResult is set_portal_branding's result.
type SetPortalBrandingResult struct {
	Branding PortalBranding `json:"branding" jsonschema_description:"The portal's branding and limits after the change"`
	Guidance
}
