package billing

import (
	"context"
	"crypto/rand"
	"errors"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// PortalBranding is how the hosted customer portal looks and what it lets
// customers pay, per account and mode: the portal_branding of the REST API
// and of the set_portal_branding tool. The zero fields of a new account are
// filled by DefaultPortalBranding. Its table keeps its first name,
// portal_settings: renaming it would take a migration and change nothing a
// caller sees.
type PortalBranding struct {
	DisplayName  string // shown in the header; "" shows "Billing"
	LogoURL      string // https (or http on loopback) image; "" for none
	AccentColor  string // "#rrggbb"; "" for the default
	SupportEmail string // "" hides the support link
	// Asset is what the portal shows first and tops up; Currency is what
	// the customer pays in ("" when Asset is a currency).
	Asset    string
	Currency string
	// TopUpPresets are the amounts offered as buttons; TopUpMin and
	// TopUpMax bound any amount the customer types, for a top-up and for
	// auto top-up; MonthlyCapMax bounds auto top-up's monthly cap. All in
	// what the customer pays.
	TopUpPresets  []rating.Decimal
	TopUpMin      rating.Decimal
	TopUpMax      rating.Decimal
	MonthlyCapMax rating.Decimal
	UpdatedAt     time.Time
}

// DefaultPortalBranding is the branding of an account that set none.
func DefaultPortalBranding() PortalBranding {
	return PortalBranding{Asset: "USD", TopUpPresets: []rating.Decimal{decimal.NewFromInt(10), decimal.NewFromInt(25), decimal.NewFromInt(50)},
		TopUpMin: decimal.NewFromInt(5), TopUpMax: decimal.NewFromInt(500), MonthlyCapMax: decimal.NewFromInt(1000)}
}

// SetPortalBrandingInput changes the fields that are not nil.
type SetPortalBrandingInput struct {
	DisplayName   *string
	LogoURL       *string
	AccentColor   *string
	SupportEmail  *string
	Asset         *string
	Currency      *string
	TopUpPresets  []rating.Decimal // nil: unchanged
	TopUpMin      *rating.Decimal
	TopUpMax      *rating.Decimal
	MonthlyCapMax *rating.Decimal
}

var accentRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// GetPortalBranding returns the caller's portal branding in its mode (the
// defaults when none were set).
func (s *Portal) GetPortalBranding(ctx context.Context) (PortalBranding, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return PortalBranding{}, err
	}
	return getPortalBranding(ctx, s.pool, c)
}

func getPortalBranding(ctx context.Context, db DBTX, c Caller) (PortalBranding, error) {
	r, err := queries.GetPortalBranding(ctx, db, dbsqlc.GetPortalBrandingParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultPortalBranding(), nil
	}
	if err != nil {
		return PortalBranding{}, Translate(err)
	}
	return PortalBranding{DisplayName: r.DisplayName, LogoURL: r.LogoUrl, AccentColor: r.AccentColor, SupportEmail: r.SupportEmail,
		Asset: r.Asset, Currency: r.Currency, TopUpPresets: r.TopUpPresets, TopUpMin: r.TopUpMin, TopUpMax: r.TopUpMax,
		MonthlyCapMax: r.MonthlyCapMax, UpdatedAt: r.UpdatedAt}, nil
}

// SetPortalBranding changes the caller's portal branding in its mode and
// returns them all. Returns EInvalid, ENotFound (an unknown asset or currency).
func (s *Portal) SetPortalBranding(ctx context.Context, in SetPortalBrandingInput) (PortalBranding, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return PortalBranding{}, err
	}
	var out PortalBranding
	err = s.tx(ctx, func(tx pgx.Tx) error {
		p, err := getPortalBranding(ctx, tx, c)
		if err != nil {
			return err
		}
		applyPortalBranding(&p, in)
		if err := s.checkPortalBranding(ctx, tx, c, p); err != nil {
			return err
		}
		p.UpdatedAt = s.clock()
		err = queries.UpsertPortalBranding(ctx, tx, dbsqlc.UpsertPortalBrandingParams{AccountID: c.AccountID, Mode: string(c.Mode),
			DisplayName: p.DisplayName, LogoUrl: p.LogoURL, AccentColor: p.AccentColor, SupportEmail: p.SupportEmail,
			Asset: p.Asset, Currency: p.Currency, TopUpPresets: p.TopUpPresets, TopUpMin: p.TopUpMin, TopUpMax: p.TopUpMax,
			MonthlyCapMax: p.MonthlyCapMax, UpdatedAt: p.UpdatedAt})
		out = p
		return Translate(err)
	})
	return out, err
}

func applyPortalBranding(p *PortalBranding, in SetPortalBrandingInput) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&p.DisplayName, in.DisplayName)
	set(&p.LogoURL, in.LogoURL)
	set(&p.AccentColor, in.AccentColor)
	set(&p.SupportEmail, in.SupportEmail)
	set(&p.Asset, in.Asset)
	set(&p.Currency, in.Currency)
	p.Asset, p.Currency = strings.ToUpper(p.Asset), strings.ToUpper(p.Currency)
	if in.TopUpPresets != nil {
		p.TopUpPresets = in.TopUpPresets
	}
	for dst, v := range map[*rating.Decimal]*rating.Decimal{&p.TopUpMin: in.TopUpMin, &p.TopUpMax: in.TopUpMax, &p.MonthlyCapMax: in.MonthlyCapMax} {
		if v != nil {
			*dst = *v
		}
	}
}

// checkPortalBranding decides whether p may be stored, field by field.
func (s *core) checkPortalBranding(ctx context.Context, db DBTX, c Caller, p PortalBranding) error {
	if len(p.DisplayName) > 80 {
		return kernel.Invalidf("display_name", "display_name is at most 80 characters")
	}
	if p.LogoURL != "" {
		u, err := url.Parse(p.LogoURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) || len(p.LogoURL) > 2000 {
			return kernel.Invalidf("logo_url", "logo_url must be an https URL of an image, such as \"https://example.com/logo.png\", or empty")
		}
	}
	if p.AccentColor != "" && !accentRE.MatchString(p.AccentColor) {
		return kernel.Invalidf("accent_color", "accent_color must be a colour such as \"#4f46e5\", or empty")
	}
	if p.SupportEmail != "" {
		if a, err := mail.ParseAddress(p.SupportEmail); err != nil || a.Address != p.SupportEmail || len(p.SupportEmail) > 254 {
			return kernel.Invalidf("support_email", "support_email must be a plain address such as \"support@example.com\", or empty")
		}
	}
	asset, err := s.assetTx(ctx, db, c, "asset", p.Asset)
	if err != nil {
		return err
	}
	if p.Currency == "" && asset.Kind != AssetCurrency {
		return kernel.Invalidf("currency", "asset %s is not a currency: set currency, what customers pay in, such as USD", asset.Code)
	}
	if p.Currency != "" {
		cur, err := s.assetTx(ctx, db, c, "currency", p.Currency)
		if err != nil {
			return err
		}
		if cur.Kind != AssetCurrency {
			return kernel.Invalidf("currency", "currency %s is not a currency; customers pay in a currency such as USD", cur.Code)
		}
	}
	if len(p.TopUpPresets) > 6 {
		return kernel.Invalidf("top_up_presets", "top_up_presets holds at most 6 amounts")
	}
	if !p.TopUpMin.IsPositive() || p.TopUpMax.LessThan(p.TopUpMin) || p.MonthlyCapMax.LessThan(p.TopUpMin) {
		return kernel.Invalidf("top_up_min", "top-up limits must satisfy 0 < top_up_min <= top_up_max and top_up_min <= monthly_cap_max")
	}
	for _, v := range p.TopUpPresets {
		if v.LessThan(p.TopUpMin) || v.GreaterThan(p.TopUpMax) {
			return kernel.Invalidf("top_up_presets", "preset %s is outside top_up_min %s and top_up_max %s", v, p.TopUpMin, p.TopUpMax)
		}
	}
	return nil
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// PortalSecret returns the secret that signs the portal's links and
// cookies: the one stored in the database, made at first call. It is shared
// by every process on the database and never shown.
func (s *Portal) PortalSecret(ctx context.Context) ([]byte, error) {
	secret, err := queries.GetPortalSecret(ctx, s.pool)
	if err == nil {
		return secret, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, Translate(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	if err := queries.InsertPortalSecret(ctx, s.pool, dbsqlc.InsertPortalSecretParams{Secret: b, CreatedAt: s.clock()}); err != nil {
		return nil, Translate(err)
	}
	secret, err = queries.GetPortalSecret(ctx, s.pool)
	return secret, Translate(err)
}

// UsePortalLink records the first use of the portal link whose nonce is
// given, valid until expiresAt, and says whether this was it: of any number
// of uses, concurrent or not, on any process sharing the database, exactly
// one gets true. The records of links that expired are deleted on the way.
// Returns EInvalid for an empty nonce.
func (s *Portal) UsePortalLink(ctx context.Context, nonce string, expiresAt time.Time) (bool, error) {
	if nonce == "" || len(nonce) > 64 {
		return false, kernel.Invalidf("nonce", "a portal link's nonce is 1-64 characters")
	}
	now := s.clock()
	first := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := queries.DeleteExpiredPortalLinkUses(ctx, tx, now); err != nil {
			return Translate(err)
		}
		n, err := queries.UsePortalLink(ctx, tx, dbsqlc.UsePortalLinkParams{Nonce: nonce, UsedAt: now, ExpiresAt: expiresAt})
		first = n == 1
		return Translate(err)
	})
	return first, err
}
