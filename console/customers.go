package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

type customerRow struct {
	ID, ExternalID, Name, Email, Created string
}

type customersPage struct {
	base
	Q           string
	Rows        []customerRow
	Next, First string
	Searched    bool
	Error       string
}

func rowOf(c billing.Customer) customerRow {
	return customerRow{ID: c.ID, ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Created: date(c.CreatedAt)}
}

// customers lists the newest customers, or those a search finds.
func (c *Console) customers(w http.ResponseWriter, r *request) error {
	b, err := c.layout(r, "customers", "Customers")
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p := customersPage{base: b, Q: q}
	if q != "" {
		p.Searched = true
		list, err := c.svc.Overview.SearchCustomers(r.ctx, q, 50)
		if kernel.ErrorCode(err) == kernel.EInvalid {
			p.Error = sentence(kernel.ErrorMessage(err))
			c.render(w, http.StatusUnprocessableEntity, "customers", p)
			return nil
		}
		if err != nil {
			return err
		}
		for _, cus := range list {
			p.Rows = append(p.Rows, rowOf(cus))
		}
		c.render(w, http.StatusOK, "customers", p)
		return nil
	}
	cursor := r.URL.Query().Get("cursor")
	page, err := c.svc.ListCustomers(r.ctx, billing.ListCustomersInput{Limit: 25, Cursor: cursor})
	if kernel.ErrorCode(err) == kernel.EInvalid {
		http.Redirect(w, r.Request, "/console/customers", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	for _, cus := range page.Items {
		p.Rows = append(p.Rows, rowOf(cus))
	}
	if page.HasMore {
		p.Next = "/console/customers?cursor=" + url.QueryEscape(page.NextCursor)
	}
	if cursor != "" {
		p.First = "/console/customers"
	}
	c.render(w, http.StatusOK, "customers", p)
	return nil
}

type lotRow struct {
	Purpose, Amount, Remaining, Expires, Created string
	Soon                                         bool
}

type balanceRow struct {
	Asset, Name                         string
	Available, Held, Total, CreditLimit string
	Negative                            bool
	Lots                                []lotRow
}

type walletRow struct {
	ID, Name string
	Default  bool
	Balances []balanceRow
}

type holdRow struct{ ID, Amount, EventType, Expires, Created string }

type planRow struct {
	ID, Product, Status, Renews, Started string
	Warn                                 bool
}

type eventRow struct {
	ID, When, Type, Total string
	Fees                  []string
}

type statementView struct {
	Month, Asset     string
	Opening, Closing string
	Lines            []statementLine
	Months           []monthOption
	Assets           []string
}

type statementLine struct{ Label, Amount string }

type monthOption struct {
	Value, Label string
	Selected     bool
}

type customerPage struct {
	base
	Customer  billing.Customer
	Wallets   []walletRow
	Holds     []holdRow
	Plans     []planRow
	Events    []eventRow
	Statement *statementView
	Assets    []string // for the forms
	Portal    bool     // a portal link can be made
	GiftID    string   // the forms' idempotency ids, fresh per page view
	FixID     string
	Defaults  adjustForm
}

// adjustForm is what the gift and correction forms were sent with, kept
// when one is refused so nothing typed is lost.
type adjustForm struct {
	Kind, Asset, Amount, Reason, Expires, TransactionID string
}

func (c *Console) customer(w http.ResponseWriter, r *request) error {
	return c.customerPage(w, r, http.StatusOK, adjustForm{})
}

func (c *Console) customerPage(w http.ResponseWriter, r *request, status int, form adjustForm) error {
	cus, err := c.svc.GetCustomer(r.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := c.layout(r, "customers", customerTitle(cus))
	if err != nil {
		return err
	}
	as, err := c.assets(r)
	if err != nil {
		return err
	}
	p := customerPage{base: b, Customer: cus, Portal: c.links != nil, GiftID: "console-" + randomString()[:20], FixID: "console-" + randomString()[:20],
		Defaults: form}
	if p.Wallets, err = c.wallets(r, cus, as); err != nil {
		return err
	}
	holds, err := c.svc.Overview.OpenHolds(r.ctx, cus.ID)
	if err != nil {
		return err
	}
	for _, h := range holds {
		p.Holds = append(p.Holds, holdRow{ID: h.ID, Amount: as.money(h.Amount, h.Asset), EventType: h.EventType, Expires: dateTime(h.ExpiresAt), Created: dateTime(h.CreatedAt)})
	}
	subs, err := c.svc.Plans.ListSubscriptions(r.ctx, cus.ID)
	if err != nil {
		return err
	}
	for _, s := range subs {
		row := planRow{ID: s.ID, Product: fmt.Sprintf("%s v%d", s.ProductCode, s.Version), Status: label(s.Status), Started: date(s.StartedAt),
			Warn: s.Status == "past_due" || s.Status == "suspended"}
		if s.Status == "" {
			row.Status = "Usage only"
		}
		if s.EndedAt != nil {
			row.Status = "Ended " + date(*s.EndedAt)
		} else if s.PeriodEnd != nil {
			row.Renews = date(*s.PeriodEnd)
		}
		p.Plans = append(p.Plans, row)
	}
	events, err := c.svc.ListEvents(r.ctx, billing.ListEventsInput{Customer: cus.ID, Limit: 20})
	if err != nil {
		return err
	}
	for _, ev := range events.Items {
		p.Events = append(p.Events, eventRowOf(ev, as))
	}
	p.Assets = sortedCodes(as)
	if p.Statement, err = c.statement(r, cus, p.Wallets, as); err != nil {
		return err
	}
	if form.TransactionID != "" && form.Kind == "gift" {
		p.GiftID = form.TransactionID
	}
	if form.TransactionID != "" && form.Kind == "correction" {
		p.FixID = form.TransactionID
	}
	c.render(w, status, "customer", p)
	return nil
}

func customerTitle(c billing.Customer) string {
	if c.Name != "" {
		return c.Name
	}
	return c.ExternalID
}

// sortedCodes lists the caller's assets, currencies people use most first.
func sortedCodes(as assets) []string {
	codes := make([]string, 0, len(as))
	for code := range as {
		codes = append(codes, code)
	}
	first := map[string]int{"USD": 0, "EUR": 1, "GBP": 2}
	sort.Slice(codes, func(i, j int) bool {
		fi, iok := first[codes[i]]
		fj, jok := first[codes[j]]
		switch {
		case iok && jok:
			return fi < fj
		case iok != jok:
			return iok
		}
		return codes[i] < codes[j]
	})
	return codes
}

func (c *Console) wallets(r *request, cus billing.Customer, as assets) ([]walletRow, error) {
	list, err := c.svc.ListWallets(r.ctx, cus.ID)
	if err != nil {
		return nil, err
	}
	now := c.now()
	var out []walletRow
	for _, wl := range list {
		view, err := c.svc.GetWallet(r.ctx, cus.ID, wl.ID)
		if err != nil {
			return nil, err
		}
		row := walletRow{ID: wl.ID, Name: wl.Name, Default: wl.IsDefault}
		for _, bal := range view.Balances {
			br := balanceRow{Asset: bal.Asset, Name: as[bal.Asset].Name, Available: as.money(bal.Available, bal.Asset), Held: as.money(bal.Held, bal.Asset),
				Total: as.money(bal.Total, bal.Asset), CreditLimit: as.money(bal.CreditLimit, bal.Asset), Negative: bal.Available.IsNegative()}
			for _, l := range bal.Lots {
				lr := lotRow{Purpose: label(string(l.Purpose)), Amount: as.money(l.Amount, bal.Asset), Remaining: as.money(l.Remaining, bal.Asset),
					Expires: "Never", Created: date(l.CreatedAt)}
				if l.ExpiresAt != nil {
					lr.Expires, lr.Soon = dateTime(*l.ExpiresAt), l.ExpiresAt.Sub(now) < 7*24*time.Hour
				}
				br.Lots = append(br.Lots, lr)
			}
			row.Balances = append(row.Balances, br)
		}
		out = append(out, row)
	}
	return out, nil
}

func eventRowOf(ev billing.Event, as assets) eventRow {
	row := eventRow{ID: ev.ID, When: dateTime(ev.OccurredAt), Type: ev.EventType}
	totals := map[string]rating.Decimal{}
	var order []string
	for _, f := range ev.Fees {
		name := f.PriceName
		if name == "" {
			name = f.ProductCode
		}
		row.Fees = append(row.Fees, fmt.Sprintf("%s × %s: %s", f.Quantity.String(), name, as.money(f.Amount, f.Asset)))
		if _, ok := totals[f.Asset]; !ok {
			order = append(order, f.Asset)
			totals[f.Asset] = rating.Zero
		}
		totals[f.Asset] = totals[f.Asset].Add(f.Amount)
	}
	var parts []string
	for _, a := range order {
		parts = append(parts, as.money(totals[a], a))
	}
	row.Total = strings.Join(parts, " + ")
	if row.Total == "" {
		row.Total = "No fee"
	}
	return row
}

// statement is the month's statement of the default wallet in one asset
// (?month=2026-10&asset=USD; default this month and the first balance).
func (c *Console) statement(r *request, cus billing.Customer, ws []walletRow, as assets) (*statementView, error) {
	var codes []string
	for _, w := range ws {
		if w.Default {
			for _, b := range w.Balances {
				codes = append(codes, b.Asset)
			}
		}
	}
	if len(codes) == 0 {
		return nil, nil
	}
	q := r.URL.Query()
	asset := q.Get("asset")
	if !slices.Contains(codes, asset) {
		asset = codes[0]
	}
	now := c.now().UTC()
	month := rating.PeriodStart(now)
	if m, err := time.Parse("2006-01", q.Get("month")); err == nil && !m.After(month) && m.After(month.AddDate(-2, 0, 0)) {
		month = m
	}
	st, err := c.svc.Plans.GetStatement(r.ctx, cus.ID, "", asset, month)
	if err != nil {
		return nil, err
	}
	v := &statementView{Month: month.Format("January 2006"), Asset: asset, Opening: as.money(st.Opening, asset), Closing: as.money(st.Closing, asset), Assets: codes}
	kinds := make([]string, 0, len(st.Lines))
	for k := range st.Lines {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		v.Lines = append(v.Lines, statementLine{Label: label(k), Amount: as.signed(st.Lines[k], asset)})
	}
	for i := range 12 {
		m := rating.PeriodStart(now).AddDate(0, -i, 0)
		v.Months = append(v.Months, monthOption{Value: m.Format("2006-01"), Label: m.Format("January 2006"), Selected: m.Equal(month)})
	}
	return v, nil
}

// adjust gives credit (a gift) or makes a correction, idempotently under
// the form's id: sending the same form twice records it once. A reason is
// required.
func (c *Console) adjust(w http.ResponseWriter, r *request) error {
	form := adjustForm{Kind: r.PostFormValue("kind"), Asset: r.PostFormValue("asset"), Amount: strings.TrimSpace(r.PostFormValue("amount")),
		Reason: strings.TrimSpace(r.PostFormValue("reason")), Expires: r.PostFormValue("expires_at"), TransactionID: r.PostFormValue("transaction_id")}
	in, problem := adjustmentInput(form, r.PathValue("id"), r.PostFormValue("purpose"))
	if problem == "" {
		adj, err := c.svc.CreateAdjustment(r.ctx, in)
		switch kernel.ErrorCode(err) {
		case "":
			as, err := c.assets(r)
			if err != nil {
				return err
			}
			what := "Gave " + as.money(adj.Amount, adj.Asset)
			if adj.Kind == billing.AdjustCorrection {
				what = "Corrected the balance by " + as.signed(adj.Amount, adj.Asset)
			}
			if adj.Replayed {
				what = "This form was sent before; nothing new was recorded. " + what
			}
			r.alert = alert{Kind: "ok", Text: what + ". Available now: " + as.money(adj.Balance.Available, adj.Asset) + "."}
			return c.customerPage(w, r, http.StatusOK, adjustForm{})
		case kernel.EInvalid, kernel.EConflict, kernel.EInsufficientFunds:
			problem = sentence(kernel.ErrorMessage(err))
		default:
			return err
		}
	}
	r.alert = alert{Kind: "error", Text: problem}
	return c.customerPage(w, r, http.StatusUnprocessableEntity, form)
}

// adjustmentInput reads the gift or correction form; problem says what is
// wrong with it, for people.
func adjustmentInput(f adjustForm, customer, purpose string) (billing.CreateAdjustmentInput, string) {
	in := billing.CreateAdjustmentInput{TransactionID: f.TransactionID, Customer: customer, Asset: f.Asset, Reason: f.Reason}
	switch f.Kind {
	case "gift":
		in.Kind = billing.AdjustGift
	case "correction":
		in.Kind = billing.AdjustCorrection
		if purpose == "paid" {
			in.Purpose = billing.LotPaid
		}
	default:
		return in, "Choose a gift or a correction."
	}
	if !strings.HasPrefix(f.TransactionID, "console-") || len(f.TransactionID) > 64 {
		return in, "The form has no id: reload the page and fill it in again."
	}
	amount, err := decimal.NewFromString(f.Amount)
	if err != nil || len(f.Amount) > 40 {
		return in, "The amount must be a number such as 10 or 2.50 (a correction may be negative, such as -1.25)."
	}
	in.Amount = amount
	if in.Reason == "" || len(in.Reason) > 500 {
		return in, "Say why, in up to 500 characters: the reason is kept with the movement and shown in the ledger."
	}
	if f.Expires != "" {
		d, err := time.Parse(time.DateOnly, f.Expires)
		if err != nil {
			return in, "The expiry must be a date such as 2026-12-31."
		}
		end := d.AddDate(0, 0, 1) // the credit lasts through that day (UTC)
		in.ExpiresAt = &end
	}
	return in, ""
}

// portalLink makes a customer portal link to hand over to the customer;
// it is shown once.
func (c *Console) portalLink(w http.ResponseWriter, r *request) error {
	if c.links == nil {
		return &pageError{status: http.StatusNotFound, title: "No portal here", message: "This server does not serve the customer portal."}
	}
	cus, err := c.svc.GetCustomer(r.ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	link, exp, err := c.links(r.ctx, cus.ID, c.baseURL+"/console/customers/"+url.PathEscape(cus.ID))
	if err != nil {
		return err
	}
	r.alert = alert{Kind: "ok", Text: "A portal link for " + customerTitle(cus) + ". It opens their billing portal once, before " + exp.UTC().Format("15:04 UTC") +
		": give it to them privately, it is their key to their billing.", Secret: link}
	return c.customerPage(w, r, http.StatusOK, adjustForm{})
}
