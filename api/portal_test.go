package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/wire"
)

func TestPortalBranding(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var b wire.PortalBranding
	e.must(t, http.StatusOK, "GET", "/v1/portal_branding", nil, &b)
	if b.Asset != "USD" || b.TopUpMin.String() != "5" || len(b.TopUpPresets) != 3 || b.DisplayName != "" {
		t.Fatalf("defaults = %+v", b)
	}
	e.must(t, http.StatusOK, "POST", "/v1/portal_branding", map[string]any{"display_name": "Acme AI", "accent_color": "#0f766e",
		"top_up_presets": []string{"20", "40"}, "top_up_min": "10"}, &b)
	if b.DisplayName != "Acme AI" || b.AccentColor != "#0f766e" || len(b.TopUpPresets) != 2 || b.TopUpMin.String() != "10" || b.TopUpMax.String() != "500" {
		t.Fatalf("after POST = %+v", b)
	}
	e.must(t, http.StatusOK, "POST", "/v1/portal_branding", map[string]any{"support_email": "help@acme.example"}, &b)
	if b.DisplayName != "Acme AI" || b.SupportEmail != "help@acme.example" {
		t.Errorf("a partial POST changed other fields: %+v", b)
	}
	e.wantError(t, e.do("POST", "/v1/portal_branding", e.key, map[string]any{"accent_color": "red"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "accent_color")
	e.wantError(t, e.do("POST", "/v1/portal_branding", e.key, map[string]any{"logo_url": "javascript:alert(1)"}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "logo_url")
	e.wantError(t, e.do("POST", "/v1/portal_branding", e.key, map[string]any{"top_up_presets": []string{"1000"}}), http.StatusUnprocessableEntity, typeInvalidRequest, "invalid", "top_up_presets")
	e.wantError(t, e.do("POST", "/v1/portal_branding", e.key, map[string]any{"asset": "GEMS"}), http.StatusNotFound, typeInvalidRequest, "not_found", "asset")
}

func TestPortalSessions(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 11, 30, 12, 10, 0, 0, time.UTC)
	var got struct{ customer, returnURL, account string }
	e := newEnv(t, func(o *Options) {
		o.PortalLinks = func(ctx context.Context, customer, returnURL string) (string, time.Time, error) {
			c, _ := billing.CallerFrom(ctx)
			got.customer, got.returnURL, got.account = customer, returnURL, c.AccountID
			return "https://billing.example.com/portal/session?token=t", exp, nil
		}
	})
	var s wire.PortalSession
	e.must(t, http.StatusCreated, "POST", "/v1/portal_sessions", map[string]any{"customer": "user_1", "return_url": "https://app.example.com/"}, &s)
	if s.Object != "portal_session" || s.URL != "https://billing.example.com/portal/session?token=t" || !s.ExpiresAt.Equal(exp) || s.Livemode {
		t.Errorf("session = %+v", s)
	}
	if got.customer != "user_1" || got.returnURL != "https://app.example.com/" || got.account == "" {
		t.Errorf("links called with %+v, want the customer, return_url and the key's account", got)
	}
	e.wantError(t, e.do("POST", "/v1/portal_sessions", e.key, map[string]any{"customer": "user_1", "extra": 1}), http.StatusBadRequest, typeInvalidRequest, "unknown_field", "extra")

	// Without the portal (a process that does not serve it): 404.
	bare := newEnv(t)
	bare.wantError(t, bare.do("POST", "/v1/portal_sessions", bare.key, map[string]any{"customer": "user_1", "return_url": "https://app.example.com/"}),
		http.StatusNotFound, typeInvalidRequest, "not_found", "portal")
}
