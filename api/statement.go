package api

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
	"github.com/tollgatehq/tollgate/wire"
)

// statementParams are the query parameters of both statement routes.
var statementParams = []param{
	{"asset", "string", "Asset of the statement, such as USD (required)"},
	{"month", "string", "UTC calendar month, YYYY-MM; default the current month (to now)"},
	{"wallet", "string", "Wallet id or name; default the customer's default wallet"},
}

// statement reads the statement the query names.
func (s *server) statement(r *http.Request) (billing.Statement, error) {
	q := newQuery(r, "asset", "month", "wallet")
	asset, monthArg, wallet := q.str("asset"), q.str("month"), q.str("wallet")
	if q.err != nil {
		return billing.Statement{}, q.err
	}
	if asset == "" {
		return billing.Statement{}, badRequest("missing_parameter", "asset", "query parameter asset is required: the asset of the statement, such as USD")
	}
	month, err := wire.ParseMonth("month", monthArg, s.svc.Now())
	if err != nil {
		return billing.Statement{}, err
	}
	return s.svc.Plans.GetStatement(r.Context(), r.PathValue("id"), wallet, asset, month)
}

func (s *server) getStatement(w http.ResponseWriter, r *http.Request) error {
	st, err := s.statement(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromStatement(st))
}

//go:embed templates/statement.html
var statementHTML string

var statementPage = template.Must(template.New("statement").Parse(statementHTML))

// statementView is the statement as the page shows it: amounts for people.
type statementView struct {
	Month, MonthName, Customer, Wallet, Asset, Period, Generated string
	Opening, Closing, AllowanceUsed                              string
	Lines, Products                                              []statementRow
}

type statementRow struct{ Label, Amount string }

// getStatementHTML serves the statement as a printable page. Errors answer
// in JSON like every route: a client that shows the page checks the status.
func (s *server) getStatementHTML(w http.ResponseWriter, r *http.Request) error {
	st, err := s.statement(r)
	if err != nil {
		return err
	}
	c, err := s.svc.GetCustomer(r.Context(), st.CustomerID)
	if err != nil {
		return err
	}
	ws := wire.FromStatement(st)
	show := func(d rating.Decimal) string { return rating.Display(d, st.Precision) + " " + st.Asset }
	v := statementView{Month: ws.Month, MonthName: st.From.Format("January 2006"), Customer: customerLabel(c), Wallet: st.WalletID, Asset: st.Asset,
		Period: st.From.Format("2 Jan 2006") + " – " + st.To.AddDate(0, 0, -1).Format("2 Jan 2006"), Generated: s.svc.Now().UTC().Format("2 Jan 2006 15:04 UTC"),
		Opening: show(st.Opening), Closing: show(st.Closing)}
	for _, l := range ws.Lines {
		v.Lines = append(v.Lines, statementRow{Label: l.Label, Amount: show(l.Amount.Decimal)})
	}
	for _, p := range ws.UsageByProduct {
		v.Products = append(v.Products, statementRow{Label: p.Product, Amount: show(p.Amount.Decimal)})
	}
	if st.AllowanceUsed.IsPositive() {
		v.AllowanceUsed = show(st.AllowanceUsed)
	}
	var b bytes.Buffer
	if err := statementPage.Execute(&b, v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes()) // a write error means the client is gone
	return nil
}

// customerLabel names a customer for people: name and external id.
func customerLabel(c billing.Customer) string {
	if c.Name != "" {
		return c.Name + " (" + c.ExternalID + ")"
	}
	return c.ExternalID
}
