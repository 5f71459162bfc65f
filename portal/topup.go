package portal

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

// Top up.

type topUpPage struct {
	base
	Presets  []preset
	Min, Max string
	Amount   string
	Currency string
	Key      string
	Error    string
	Card     string
}

type preset struct{ Value, Label string }

// payIn is what the customer pays in under the branding's limits.
func payIn(set billing.PortalBranding) string {
	if set.Currency != "" {
		return set.Currency
	}
	return set.Asset
}

func (s *Server) topUpPage(c common, amount, problem string) topUpPage {
	cur := payIn(c.branding)
	p := topUpPage{base: c.base, Min: c.assets.money(c.branding.TopUpMin, cur), Max: c.assets.money(c.branding.TopUpMax, cur),
		Amount: amount, Currency: cur, Key: nonce(), Error: problem}
	for _, v := range c.branding.TopUpPresets {
		p.Presets = append(p.Presets, preset{Value: v.String(), Label: c.assets.money(v, cur)})
	}
	return p
}

func (s *Server) topUpForm(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "top-up", "Top up")
	if err != nil {
		return err
	}
	p := s.topUpPage(c, "", "")
	if card, err := s.svc.Payments.GetSavedCard(r.ctx, r.sess.Customer); err == nil {
		p.Card = maskCard(card)
	}
	s.render(w, http.StatusOK, "topup", p)
	return nil
}

func maskCard(c billing.SavedCard) string {
	if c.Last4 == "" {
		return "Card saved with " + label(c.Provider)
	}
	return fmt.Sprintf("%s •••• %s", c.Brand, c.Last4)
}

// amountIn parses an amount typed by a person ("25", "25.00", "1,000")
// and checks it against the platform's limits.
func amountIn(raw string, set billing.PortalBranding, as assets, field string) (rating.Decimal, string) {
	cur := payIn(set)
	v, err := rating.ParseAmount(strings.ReplaceAll(strings.TrimSpace(raw), ",", ""))
	if err != nil || !v.IsPositive() {
		return v, fmt.Sprintf("Enter the %s as a number, such as 25.", field)
	}
	if v.LessThan(set.TopUpMin) || v.GreaterThan(set.TopUpMax) {
		return v, fmt.Sprintf("The %s must be between %s and %s.", field, as.money(set.TopUpMin, cur), as.money(set.TopUpMax, cur))
	}
	if p := as[cur].Precision; !v.Equal(v.Truncate(p)) {
		return v, fmt.Sprintf("The %s can have at most %d decimal places.", field, p)
	}
	return v, ""
}

// topUp starts a top-up through the account's checkout (the test
// provider's in test mode) and sends the browser there.
func (s *Server) topUp(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "top-up", "Top up")
	if err != nil {
		return err
	}
	raw := r.PostFormValue("preset")
	if raw == "" {
		raw = r.PostFormValue("amount")
	}
	amount, problem := amountIn(raw, c.branding, c.assets, "amount")
	if problem != "" {
		s.render(w, http.StatusUnprocessableEntity, "topup", s.topUpPage(c, raw, problem))
		return nil
	}
	key := r.PostFormValue("key")
	if len(key) < 16 || len(key) > 64 {
		key = nonce()
	}
	t, err := s.svc.Payments.CreateTopUp(r.ctx, billing.CreateTopUpInput{
		// One form, one amount, one top-up: a double click does not pay twice.
		IdempotencyKey: "portal_" + key + "_" + amount.String(),
		Customer:       r.sess.Customer, Asset: c.branding.Asset, Currency: c.branding.Currency, Paid: amount,
		SuccessURL: s.base + "/portal/top-up/result", CancelURL: s.base + "/portal/top-up/result?canceled=1",
	})
	switch kernel.ErrorCode(err) {
	case "":
	case kernel.EInvalid, kernel.ENotFound, kernel.EConflict:
		s.log.Info("portal top-up refused", "customer", r.sess.Customer, "err", err)
		s.render(w, http.StatusUnprocessableEntity, "topup", s.topUpPage(c, raw, "This top-up could not be started. "+topUpHint(err)))
		return nil
	default:
		return err
	}
	if t.CheckoutURL == "" {
		s.render(w, http.StatusServiceUnavailable, "topup", s.topUpPage(c, raw, "The payment page could not be opened. Try again in a moment."))
		return nil
	}
	http.Redirect(w, r.Request, t.CheckoutURL, http.StatusSeeOther)
	return nil
}

func topUpHint(err error) string {
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return "Payments are not set up for this account yet; contact support."
	}
	return "Check the amount and try again."
}

type topUpResultPage struct {
	base
	Status, Heading, Message string
	Balance                  string
}

// topUpResult shows how the customer's latest top-up ended. It takes no id
// from the address bar: it reads this session's customer's own top-ups.
func (s *Server) topUpResult(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "top-up", "Top-up")
	if err != nil {
		return err
	}
	p := topUpResultPage{base: c.base, Status: "info", Heading: "No top-up yet", Message: "You have not started a top-up."}
	list, err := s.svc.Payments.ListTopUps(r.ctx, r.sess.Customer, 20)
	if err != nil {
		return err
	}
	for _, t := range list {
		if t.Auto {
			continue
		}
		paid := c.assets.money(t.Paid, t.Currency)
		switch t.Status {
		case billing.TopUpSucceeded:
			p.Status, p.Heading, p.Message = "ok", "Top-up complete", fmt.Sprintf("You paid %s; %s was added to your balance.", paid, c.assets.money(t.Credit, t.Asset))
		case billing.TopUpPending, billing.TopUpRequiresAction:
			p.Status, p.Heading, p.Message = "info", "Top-up processing", fmt.Sprintf("Your payment of %s is being confirmed. Your balance updates as soon as it is.", paid)
			if r.URL.Query().Get("canceled") != "" {
				p.Heading, p.Message = "Top-up canceled", "You left the payment page; nothing was charged."
			}
		case billing.TopUpCanceled, billing.TopUpExpired:
			p.Status, p.Heading, p.Message = "warn", "Top-up canceled", "Nothing was charged."
		default:
			p.Status, p.Heading, p.Message = "error", "Payment failed", "Your payment of "+paid+" did not go through. "+t.FailureMessage
		}
		break
	}
	wv, err := s.svc.GetWallet(r.ctx, r.sess.Customer, "")
	if err != nil {
		return err
	}
	for _, b := range wv.Balances {
		if b.Asset == c.branding.Asset {
			p.Balance = c.assets.money(b.Available, b.Asset)
		}
	}
	s.render(w, http.StatusOK, "topup_result", p)
	return nil
}

// Auto top-up.

type autoTopUpPage struct {
	base
	Enabled                    bool
	Threshold, Amount, Cap     string
	Min, Max, CapMax, Currency string
	Asset                      string
	Card                       string
	State                      string
	Saved                      bool
	Error                      string
}

func (s *Server) autoTopUpPage(r *request, c common) (autoTopUpPage, error) {
	set, cur := c.branding, payIn(c.branding)
	p := autoTopUpPage{base: c.base, Min: c.assets.money(set.TopUpMin, cur), Max: c.assets.money(set.TopUpMax, cur),
		CapMax: c.assets.money(set.MonthlyCapMax, cur), Currency: cur, Asset: set.Asset, Saved: r.URL.Query().Get("saved") != ""}
	if len(set.TopUpPresets) > 0 {
		p.Amount = set.TopUpPresets[len(set.TopUpPresets)/2].String()
	} else {
		p.Amount = set.TopUpMin.String()
	}
	p.Threshold, p.Cap = set.TopUpMin.String(), set.MonthlyCapMax.String()
	a, err := s.svc.Payments.GetAutoTopUp(r.ctx, r.sess.Customer, "", set.Asset)
	switch kernel.ErrorCode(err) {
	case "":
		p.Enabled = a.Enabled
		p.Threshold, p.Amount = rating.FormatAmount(a.Threshold, a.Precision), rating.FormatAmount(a.Paid, a.PaidPrecision)
		if a.MonthlyCap != nil {
			p.Cap = rating.FormatAmount(*a.MonthlyCap, a.PaidPrecision)
		}
	case kernel.ENotFound:
	default:
		return p, err
	}
	p.State, _, err = s.autoTopUpSummary(r, c)
	if err != nil {
		return p, err
	}
	card, err := s.svc.Payments.GetSavedCard(r.ctx, r.sess.Customer)
	switch kernel.ErrorCode(err) {
	case "":
		p.Card = maskCard(card)
	case kernel.ENotFound:
	default:
		return p, err
	}
	return p, nil
}

func (s *Server) autoTopUpForm(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "auto-top-up", "Auto top-up")
	if err != nil {
		return err
	}
	p, err := s.autoTopUpPage(r, c)
	if err != nil {
		return err
	}
	s.render(w, http.StatusOK, "autotopup", p)
	return nil
}

// autoTopUp turns auto top-up on or off with the customer's amounts,
// within the platform's limits.
func (s *Server) autoTopUp(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "auto-top-up", "Auto top-up")
	if err != nil {
		return err
	}
	p, err := s.autoTopUpPage(r, c)
	if err != nil {
		return err
	}
	p.Saved = false
	p.Enabled = r.PostFormValue("enabled") == "on"
	p.Threshold, p.Amount, p.Cap = r.PostFormValue("threshold"), r.PostFormValue("amount"), r.PostFormValue("monthly_cap")
	in, problem := s.autoTopUpInput(r, c, p)
	if problem == "" {
		_, err = s.svc.Payments.ConfigureAutoTopUp(r.ctx, in)
		switch {
		case err == nil:
			http.Redirect(w, r.Request, "/portal/auto-top-up?saved=1", http.StatusSeeOther)
			return nil
		case kernel.ErrorCode(err) == kernel.EInvalid && kernel.ErrorField(err) == "customer":
			problem = "Auto top-up charges the card you paid your last top-up with, and there is none yet. Make a top-up first."
		case kernel.ErrorCode(err) == kernel.EInvalid || kernel.ErrorCode(err) == kernel.ENotFound:
			s.log.Info("portal auto top-up refused", "customer", r.sess.Customer, "err", err)
			problem = "These settings could not be saved. Check the amounts and try again."
		default:
			return err
		}
	}
	p.Error = problem
	s.render(w, http.StatusUnprocessableEntity, "autotopup", p)
	return nil
}

func (s *Server) autoTopUpInput(r *request, c common, p autoTopUpPage) (billing.ConfigureAutoTopUpInput, string) {
	set, cur := c.branding, payIn(c.branding)
	in := billing.ConfigureAutoTopUpInput{Customer: r.sess.Customer, Asset: set.Asset, Currency: set.Currency, Enabled: p.Enabled}
	var problem string
	if in.Paid, problem = amountIn(p.Amount, set, c.assets, "top-up amount"); problem != "" {
		return in, problem
	}
	th, err := rating.ParseAmount(strings.ReplaceAll(strings.TrimSpace(p.Threshold), ",", ""))
	if err != nil || th.IsNegative() || th.GreaterThan(set.TopUpMax) {
		return in, fmt.Sprintf("The balance to top up at must be a number between 0 and %s.", c.assets.money(set.TopUpMax, cur))
	}
	in.Threshold = th
	capv, err := rating.ParseAmount(strings.ReplaceAll(strings.TrimSpace(p.Cap), ",", ""))
	if err != nil || capv.LessThan(in.Paid) || capv.GreaterThan(set.MonthlyCapMax) || !capv.Equal(capv.Truncate(c.assets[cur].Precision)) {
		return in, fmt.Sprintf("The monthly limit must be at least one top-up (%s) and at most %s.", c.assets.money(in.Paid, cur), c.assets.money(set.MonthlyCapMax, cur))
	}
	in.MonthlyCap = &capv
	return in, ""
}
