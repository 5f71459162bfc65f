package portal

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/kernel"
	"github.com/tollgatehq/tollgate/rating"
)

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"date": date, "dateTime": dateTime, "label": label}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("portal: parse %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[name].Execute(w, data); err != nil {
		s.log.Error("render portal page", "page", name, "err", err)
	}
}

// base is what every page's layout shows.
type base struct {
	Title    string
	Nav      string // the current section; "" for pages outside a session
	Brand    billing.PortalBranding
	TestMode bool
	Back     string // the platform's return_url
	CSRF     string
	Customer string // the customer's name or email, for the header
}

// BrandName is the brand's name or "Billing".
func (b base) BrandName() string {
	if b.Brand.DisplayName != "" {
		return b.Brand.DisplayName
	}
	return "Billing"
}

// common reads what every page of a session shows.
type common struct {
	base
	branding billing.PortalBranding
	assets   assets
}

func (s *Server) common(r *request, nav, title string) (common, error) {
	set, err := s.svc.Portal.GetPortalBranding(r.ctx)
	if err != nil {
		return common{}, err
	}
	cus, err := s.svc.GetCustomer(r.ctx, r.sess.Customer)
	if err != nil {
		return common{}, err
	}
	list, err := s.svc.Catalog.ListAssets(r.ctx)
	if err != nil {
		return common{}, err
	}
	as := assets{}
	for _, a := range list {
		as[a.Code] = a
	}
	who := cus.Name
	if who == "" {
		who = cus.Email
	}
	return common{
		base: base{Title: title, Nav: nav, Brand: set, TestMode: r.sess.Mode == billing.ModeTest, Back: r.sess.Return,
			CSRF: s.csrfToken(r.sess), Customer: who},
		branding: set, assets: as,
	}, nil
}

// theme is an accent colour as CSS, so pages need no inline style (which
// the Content-Security-Policy forbids). It takes the colour, validated,
// from the address: it reveals nothing and needs no session.
func (s *Server) theme(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	if c := "#" + r.URL.Query().Get("accent"); accentRE(c) {
		fmt.Fprintf(w, ":root{--accent:%s}\n", c)
	}
	return nil
}

// Accent is the brand's colour without its "#", for theme.css's address.
func (b base) Accent() string { return strings.TrimPrefix(b.Brand.AccentColor, "#") }

func accentRE(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// Overview.

type balanceView struct {
	Asset, Name     string
	Available, Held string
	Total           string
	Negative        bool
	Expiring        []expiringView
	AutoTopUp       string
}

type expiringView struct{ Amount, On string }

type overviewPage struct {
	base
	Balances   []balanceView
	MonthSpend string
	Chart      chart
	AutoTopUp  string
	AutoOn     bool
}

// expiringSoon is how far ahead the overview lists expiring credit.
const expiringSoon = 30 * 24 * time.Hour

func (s *Server) overview(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "overview", "Overview")
	if err != nil {
		return err
	}
	wv, err := s.svc.GetWallet(r.ctx, r.sess.Customer, "")
	if err != nil {
		return err
	}
	p := overviewPage{base: c.base}
	now := s.now()
	seen := false
	for _, b := range wv.Balances {
		seen = seen || b.Asset == c.branding.Asset
		p.Balances = append(p.Balances, balanceOf(b, c.assets, now))
	}
	if !seen {
		p.Balances = append([]balanceView{balanceOf(billing.Balance{Asset: c.branding.Asset, Total: rating.Zero, Held: rating.Zero, Available: rating.Zero}, c.assets, now)}, p.Balances...)
	}
	days, err := s.svc.Portal.DailySpend(r.ctx, r.sess.Customer, c.branding.Asset, 31)
	if err != nil {
		return err
	}
	month := rating.Zero
	start := rating.PeriodStart(now)
	for _, d := range days {
		if !d.Day.Before(start) {
			month = month.Add(d.Amount)
		}
	}
	p.MonthSpend = c.assets.money(month, c.branding.Asset)
	p.Chart = spendChart(days[1:], c.assets, c.branding.Asset)
	p.AutoTopUp, p.AutoOn, err = s.autoTopUpSummary(r, c)
	if err != nil {
		return err
	}
	s.render(w, http.StatusOK, "overview", p)
	return nil
}

func balanceOf(b billing.Balance, as assets, now time.Time) balanceView {
	v := balanceView{Asset: b.Asset, Name: as[b.Asset].Name, Available: as.money(b.Available, b.Asset), Held: as.money(b.Held, b.Asset),
		Total: as.money(b.Total, b.Asset), Negative: b.Available.IsNegative()}
	for _, l := range b.Lots {
		if l.ExpiresAt != nil && l.ExpiredAt == nil && l.Remaining.IsPositive() && l.ExpiresAt.Sub(now) < expiringSoon {
			v.Expiring = append(v.Expiring, expiringView{Amount: as.money(l.Remaining, b.Asset), On: date(*l.ExpiresAt)})
		}
	}
	return v
}

func (s *Server) autoTopUpSummary(r *request, c common) (string, bool, error) {
	a, err := s.svc.Payments.GetAutoTopUp(r.ctx, r.sess.Customer, "", c.branding.Asset)
	if kernel.ErrorCode(err) == kernel.ENotFound {
		return "Off", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if !a.Enabled {
		if a.DisabledReason != "" {
			return "Off: turned off after " + a.DisabledReason, false, nil
		}
		return "Off", false, nil
	}
	return fmt.Sprintf("On: adds %s when your balance falls below %s", c.assets.money(a.Credit, a.Asset), c.assets.money(a.Threshold, a.Asset)), true, nil
}

// Usage history.

type usageRow struct {
	When, Type, Total string
	Fees              []string
}

type usagePage struct {
	base
	From, To, Product string
	Products          []billing.Product
	Rows              []usageRow
	Next, CSV         string
	First             string // link to the newest page, when on a later one
	Error             string
}

// usageFilter is the usage page's query, validated.
type usageFilter struct {
	from, to, product string
	in                billing.ListEventsInput
}

func (s *Server) usageFilter(r *request) (usageFilter, []billing.Product, string) {
	q := r.URL.Query()
	f := usageFilter{from: q.Get("from"), to: q.Get("to"), product: q.Get("product")}
	f.in = billing.ListEventsInput{Customer: r.sess.Customer, Cursor: q.Get("cursor"), Limit: 25}
	var problem string
	if f.from != "" {
		t, err := time.Parse(time.DateOnly, f.from)
		if err != nil {
			problem = "The start date must be a date such as 2026-11-01."
		}
		f.in.From = t
	}
	if f.to != "" {
		t, err := time.Parse(time.DateOnly, f.to)
		if err != nil {
			problem = "The end date must be a date such as 2026-11-30."
		}
		f.in.To = t.AddDate(0, 0, 1) // the whole last day
	}
	// The customer's own products only: the account's others (another
	// customer's, or nobody's yet) are none of this customer's business.
	prods, err := s.svc.Portal.CustomerProducts(r.ctx, r.sess.Customer)
	if err != nil {
		return f, nil, "Products could not be listed."
	}
	if f.product != "" {
		found := false
		for _, p := range prods {
			if p.Code == f.product {
				f.in.EventType, found = p.EventType, true
			}
		}
		if !found {
			problem = "There is no such product."
		}
	}
	return f, prods, problem
}

func (f usageFilter) query(cursor string) string {
	v := url.Values{}
	for k, x := range map[string]string{"from": f.from, "to": f.to, "product": f.product, "cursor": cursor} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func (s *Server) usage(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "usage", "Usage")
	if err != nil {
		return err
	}
	f, prods, problem := s.usageFilter(r)
	p := usagePage{base: c.base, From: f.from, To: f.to, Product: f.product, Products: prods, CSV: "/portal/usage.csv" + f.query("")}
	if problem != "" {
		p.Error = problem
		s.render(w, http.StatusUnprocessableEntity, "usage", p)
		return nil
	}
	page, err := s.svc.ListEvents(r.ctx, f.in)
	if kernel.ErrorCode(err) == kernel.EInvalid {
		p.Error = "That page of your usage is no longer available; start from the newest."
		s.render(w, http.StatusUnprocessableEntity, "usage", p)
		return nil
	}
	if err != nil {
		return err
	}
	names := namesOf(prods)
	for _, ev := range page.Items {
		p.Rows = append(p.Rows, usageRowOf(ev, c.assets, names))
	}
	if page.HasMore {
		p.Next = "/portal/usage" + f.query(page.NextCursor)
	}
	if f.in.Cursor != "" {
		p.First = "/portal/usage" + f.query("")
	}
	s.render(w, http.StatusOK, "usage", p)
	return nil
}

// productNames are the names people read for what the API names by code.
type productNames struct {
	byCode      map[string]string // product code → name
	byEventType map[string]string // event type → its products' names
}

func namesOf(prods []billing.Product) productNames {
	n := productNames{byCode: map[string]string{}, byEventType: map[string]string{}}
	for _, p := range prods {
		n.byCode[p.Code] = p.Name
		if prev := n.byEventType[p.EventType]; prev != "" {
			n.byEventType[p.EventType] = prev + ", " + p.Name
		} else {
			n.byEventType[p.EventType] = p.Name
		}
	}
	return n
}

// product is a product's name, or its code when it has none.
func (n productNames) product(code string) string {
	if name := n.byCode[code]; name != "" {
		return name
	}
	return code
}

// eventType is the names of the products an event type is billed by, or
// the event type itself when no product bills it.
func (n productNames) eventType(t string) string {
	if name := n.byEventType[t]; name != "" {
		return name
	}
	return t
}

// usageRowOf shows an event by its products' names, and each fee by its
// price's name (else its product's) and quantity.
func usageRowOf(ev billing.Event, as assets, names productNames) usageRow {
	row := usageRow{When: dateTime(ev.OccurredAt), Type: names.eventType(ev.EventType)}
	totals := map[string]rating.Decimal{}
	var order, products []string
	for _, f := range ev.Fees {
		if n := names.byCode[f.ProductCode]; n != "" && !slices.Contains(products, n) {
			products = append(products, n)
		}
		name := f.PriceName
		if name == "" {
			name = names.product(f.ProductCode)
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
	if len(products) > 0 {
		row.Type = strings.Join(products, ", ")
	}
	row.Total = strings.Join(parts, " + ")
	if row.Total == "" {
		row.Total = "Free"
	}
	return row
}

// usageCSV writes every event of the filter (up to maxCSVRows fees), one
// line per fee, amounts exact.
func (s *Server) usageCSV(w http.ResponseWriter, r *request) error {
	const maxCSVRows = 50000
	f, _, problem := s.usageFilter(r)
	if problem != "" {
		return &pageError{status: http.StatusUnprocessableEntity, title: "Cannot download", message: problem}
	}
	f.in.Limit, f.in.Cursor = 100, ""
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="usage.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"event_id", "occurred_at", "event_type", "product", "price", "quantity", "amount", "asset"})
	rows := 0
	for rows < maxCSVRows {
		page, err := s.svc.ListEvents(r.ctx, f.in)
		if err != nil {
			s.log.Error("portal usage csv", "err", err)
			break // the header is sent: end the file short rather than lie about it
		}
		for _, ev := range page.Items {
			for _, fee := range ev.Fees {
				_ = cw.Write([]string{ev.ID, ev.OccurredAt.UTC().Format(time.RFC3339), ev.EventType, fee.ProductCode, fee.PriceName,
					fee.Quantity.String(), rating.FormatAmount(fee.Amount, fee.Precision), fee.Asset})
				rows++
			}
		}
		if !page.HasMore {
			break
		}
		f.in.Cursor = page.NextCursor
	}
	cw.Flush()
	return nil
}

// Transactions.

// autoTopUpIDs says which of the customer's recent top-ups auto top-up made.
func (s *Server) autoTopUpIDs(r *request) (map[string]bool, error) {
	list, err := s.svc.Payments.ListTopUps(r.ctx, r.sess.Customer, 100)
	if err != nil {
		return nil, err
	}
	auto := map[string]bool{}
	for _, t := range list {
		auto[t.ID] = t.Auto
	}
	return auto, nil
}

type transactionRow struct {
	When, Kind, Description string
	Amounts                 []string
	Credit                  bool
}

type transactionsPage struct {
	base
	Rows        []transactionRow
	Next, First string
}

func (s *Server) transactions(w http.ResponseWriter, r *request) error {
	c, err := s.common(r, "transactions", "Transactions")
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	page, err := s.svc.ListTransactions(r.ctx, billing.ListTransactionsInput{Customer: r.sess.Customer, Limit: 25, Cursor: cursor})
	if kernel.ErrorCode(err) == kernel.EInvalid {
		http.Redirect(w, r.Request, "/portal/transactions", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	auto, err := s.autoTopUpIDs(r)
	if err != nil {
		return err
	}
	prods, err := s.svc.Portal.CustomerProducts(r.ctx, r.sess.Customer)
	if err != nil {
		return err
	}
	names := namesOf(prods)
	p := transactionsPage{base: c.base}
	for _, t := range page.Items {
		row := transactionRowOf(t, auto, names)
		for a, v := range t.Amounts {
			row.Amounts = append(row.Amounts, c.assets.signed(v, a))
			row.Credit = row.Credit || v.IsPositive()
		}
		p.Rows = append(p.Rows, row)
	}
	if page.HasMore {
		p.Next = "/portal/transactions?cursor=" + url.QueryEscape(page.NextCursor)
	}
	if cursor != "" {
		p.First = "/portal/transactions"
	}
	s.render(w, http.StatusOK, "transactions", p)
	return nil
}

// transactionRowOf describes a ledger transaction for the customer. A
// top-up is a card payment only when a top-up (topup_…) paid it: the
// platform records payments made elsewhere (an invoice, a bank transfer) as
// adjustments of kind top_up (adj_…), described by their reason. Usage is
// named by its products.
func transactionRowOf(t billing.Transaction, auto map[string]bool, names productNames) transactionRow {
	row := transactionRow{When: dateTime(t.CreatedAt), Kind: label(t.Kind), Description: t.Description}
	switch {
	case t.Kind == "top_up" && billing.IsTopUpID(t.Reference):
		row.Kind, row.Description = "Top-up", "Card payment"
		if auto[t.Reference] {
			row.Kind, row.Description = "Auto top-up", "Card payment: your balance fell below your threshold"
		}
	case t.Kind == "top_up":
		row.Kind = "Top-up"
		if row.Description == "" {
			row.Description = "Payment received"
		}
	case t.Kind == "usage":
		// The recorder describes usage as "<event type> usage".
		if typ, ok := strings.CutSuffix(t.Description, " usage"); ok {
			row.Description = names.eventType(typ)
		}
	}
	return row
}
