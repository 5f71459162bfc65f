package billing

import (
	"context"
	"strings"

	"github.com/tollgatehq/tollgate/billing/internal/dbsqlc"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/payments"
)

// PaymentConnection is an account's Stripe connection in one mode, as it may
// be shown: the secrets only by their last 4 characters.
type PaymentConnection struct {
	Provider      string
	Mode          Mode
	SecretKey     string // redacted: "…abcd"
	WebhookSecret string // redacted
}

// ConnectStripe connects the caller's account, in the caller's mode, to
// Stripe with a secret key and the signing secret of the webhook endpoint
// that sends its events to Tollgate. A live key in test mode (or a test key
// in live mode) is refused. The secrets come from the operator (CLI or
// environment), never from an MCP tool. Returns EInvalid.
func (s *Payments) ConnectStripe(ctx context.Context, secretKey, webhookSecret string) (PaymentConnection, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return PaymentConnection{}, err
	}
	cfg := payments.Connection{SecretKey: payments.Secret(strings.TrimSpace(secretKey)), WebhookSecret: payments.Secret(strings.TrimSpace(webhookSecret)),
		Livemode: c.Mode == ModeLive}
	if _, err := s.connectStripe(cfg); err != nil {
		return PaymentConnection{}, err
	}
	now := s.clock()
	if err := queries.UpsertPaymentConnection(ctx, TranslateErrors(s.pool), dbsqlc.UpsertPaymentConnectionParams{AccountID: c.AccountID,
		Mode: string(c.Mode), SecretKey: string(cfg.SecretKey), WebhookSecret: string(cfg.WebhookSecret), Now: now}); err != nil {
		return PaymentConnection{}, err
	}
	return PaymentConnection{Provider: payments.ProviderStripe, Mode: c.Mode, SecretKey: cfg.SecretKey.Redacted(), WebhookSecret: cfg.WebhookSecret.Redacted()}, nil
}

// GetPaymentConnection returns how the caller's account takes payments in
// the caller's mode: its Stripe connection (secrets redacted), or the test
// provider. Returns ENotFound when it cannot take payments.
func (s *Payments) GetPaymentConnection(ctx context.Context) (PaymentConnection, error) {
	c, err := RequireCaller(ctx)
	if err != nil {
		return PaymentConnection{}, err
	}
	conn, err := savedConnection(ctx, s.pool, c)
	switch {
	case err == nil:
		return PaymentConnection{Provider: payments.ProviderStripe, Mode: c.Mode, SecretKey: conn.SecretKey.Redacted(), WebhookSecret: conn.WebhookSecret.Redacted()}, nil
	case kernel.ErrorCode(err) != kernel.ENotFound:
		return PaymentConnection{}, err
	case c.Mode == ModeTest && s.opts.TestPayments != nil:
		return PaymentConnection{Provider: payments.ProviderTest, Mode: c.Mode}, nil
	}
	return PaymentConnection{}, noProvider(c)
}

// savedConnection reads the account's Stripe connection in the caller's
// mode. Returns ENotFound.
func savedConnection(ctx context.Context, db DBTX, c Caller) (payments.Connection, error) {
	r, err := queries.GetPaymentConnection(ctx, TranslateErrors(db), dbsqlc.GetPaymentConnectionParams{AccountID: c.AccountID, Mode: string(c.Mode)})
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return payments.Connection{}, noProvider(c)
	}
	if err != nil {
		return payments.Connection{}, err
	}
	return payments.Connection{SecretKey: payments.Secret(r.SecretKey), WebhookSecret: payments.Secret(r.WebhookSecret), Livemode: c.Mode == ModeLive}, nil
}

func noProvider(c Caller) error {
	return kernel.NotFoundf("provider", "this account takes no payments in %s mode: it has no Stripe connection", c.Mode).With(ActConnectPayments)
}

// connectStripe builds the Stripe provider of a connection with the
// adapter main handed in.
func (s *core) connectStripe(conn payments.Connection) (payments.Provider, error) {
	if s.opts.Stripe == nil {
		return nil, kernel.Errorf(kernel.EUnavailable, "this server was started without the Stripe adapter; payments through Stripe are unavailable")
	}
	return s.opts.Stripe(conn)
}

// providerFor returns the provider that takes the caller's payments: the
// account's Stripe connection in its mode, else, in test mode, the test
// provider. Returns ENotFound naming the fix.
func (s *core) providerFor(ctx context.Context, db DBTX, c Caller) (payments.Provider, error) {
	conn, err := savedConnection(ctx, db, c)
	switch {
	case err == nil:
		return s.connectStripe(conn)
	case kernel.ErrorCode(err) == kernel.ENotFound && c.Mode == ModeTest && s.opts.TestPayments != nil:
		return s.opts.TestPayments, nil
	}
	return nil, err
}

// providerNamed returns the provider of a payment made through name.
func (s *core) providerNamed(ctx context.Context, db DBTX, c Caller, name string) (payments.Provider, error) {
	if name == payments.ProviderTest && s.opts.TestPayments != nil {
		return s.opts.TestPayments, nil
	}
	return s.providerFor(ctx, db, c)
}
