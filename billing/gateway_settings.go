package billing

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
)

// GatewaySettings are what an account sets for the metering gateway in one
// mode. Provider keys are not among them: they are the server's (its
// environment or files), never an account's.
type GatewaySettings struct {
	// EventType is the event type of the usage the gateway records and of
	// its holds; empty: none set, the server's default applies.
	EventType string
	// UpdatedAt is when it was last set; zero when never.
	UpdatedAt time.Time
}

// gatewaySettingsTTL is how long a process keeps an account's gateway
// settings: a change made through another server reaches this one within it.
const gatewaySettingsTTL = time.Second

type gatewayEntry struct {
	settings GatewaySettings
	until    time.Time
}

// GatewaySettings returns the caller's gateway settings in its mode. The
// gateway reads them for every call, so they are kept in memory for up to a
// second: a change made on another server applies here within one second
// (at once on the server that made it).
func (s *Accounts) GatewaySettings(ctx context.Context) (GatewaySettings, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return GatewaySettings{}, err
	}
	k := assetScope{c.AccountID, string(c.Mode)}
	now := time.Now()
	if v, ok := s.cache.gateway.Load(k); ok && now.Before(v.(gatewayEntry).until) {
		return v.(gatewayEntry).settings, nil
	}
	r, err := queries.GetGatewaySettings(ctx, s.pool, dbsqlc.GetGatewaySettingsParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	var g GatewaySettings
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return GatewaySettings{}, Translate(err)
	default:
		g = GatewaySettings{EventType: r.EventType, UpdatedAt: r.UpdatedAt}
	}
	s.cache.gateway.Store(k, gatewayEntry{g, now.Add(gatewaySettingsTTL)})
	return g, nil
}

// SetGatewayEventType sets the event type the gateway records the caller's
// usage under in its mode; setting the same one again changes nothing but
// the time. Returns EInvalid for a malformed event type.
func (s *Accounts) SetGatewayEventType(ctx context.Context, eventType string) (GatewaySettings, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return GatewaySettings{}, err
	}
	if !eventTypeRE.MatchString(eventType) {
		return GatewaySettings{}, kernel.Invalidf("event_type", "event_type %q is not valid: the event type the gateway's products price (1-100 letters, digits, '.', '_', ':', '/' or '-'), such as \"llm.tokens\"", eventType)
	}
	g := GatewaySettings{EventType: eventType, UpdatedAt: s.clock()}
	if err := queries.UpsertGatewaySettings(ctx, s.pool, dbsqlc.UpsertGatewaySettingsParams{AccountID: c.AccountID, Mode: string(c.Mode),
		EventType: g.EventType, UpdatedAt: g.UpdatedAt}); err != nil {
		return GatewaySettings{}, Translate(err)
	}
	s.cache.gateway.Store(assetScope{c.AccountID, string(c.Mode)}, gatewayEntry{g, time.Now().Add(gatewaySettingsTTL)})
	return g, nil
}
