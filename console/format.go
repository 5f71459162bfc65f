package console

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"date": date, "dateTime": dateTime, "label": label, "ago": ago}
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
			return nil, fmt.Errorf("console: parse %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (c *Console) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.pages[name].Execute(w, data); err != nil {
		c.log.Error("render console page", "page", name, "err", err)
	}
}

// base is what every page's layout shows.
type base struct {
	Title string
	Nav   string // the current section; "" outside a session
	CSRF  string
	// Signed in: who, where, and what they may do.
	Signed    bool
	Email     string
	Account   string
	AccountID string
	Accounts  []billing.OperatorAccount
	TestMode  bool
	Role      billing.Role
	CanChange bool
	CanManage bool
	Alert     alert
}

// layout reads what every page of a session shows.
func (c *Console) layout(r *request, nav, title string) (base, error) {
	accts, err := c.svc.Operators.Accounts(r.ctx, r.sess.OperatorID)
	if err != nil {
		return base{}, err
	}
	b := c.baseOf(r.sess, r.token, nav, title)
	b.Accounts, b.Alert = accts, r.alert
	return b, nil
}

// baseOf is layout without the reads: for error pages.
func (c *Console) baseOf(s billing.OperatorSession, token, nav, title string) base {
	return base{Title: title, Nav: nav, CSRF: csrfToken(token), Signed: true, Email: s.Email, Account: s.AccountName, AccountID: s.AccountID,
		TestMode: s.Mode == billing.ModeTest, Role: s.Role, CanChange: s.Role.CanChange(), CanManage: s.Role.CanManage()}
}

// assets writes amounts of the caller's assets for people.
type assets map[string]billing.Asset

func (c *Console) assets(r *request) (assets, error) {
	list, err := c.svc.Catalog.ListAssets(r.ctx)
	if err != nil {
		return nil, err
	}
	as := assets{}
	for _, a := range list {
		as[a.Code] = a
	}
	return as, nil
}

// money writes an amount for a person: the asset's symbol (or its code
// after it), thousands grouped, at least the asset's precision and exact
// beyond it up to rating.DisplayPlaces more ("≈" when rounded).
func (a assets) money(amount rating.Decimal, code string) string {
	as, ok := a[code]
	if !ok {
		as = billing.Asset{Code: code, Precision: 2}
	}
	return rating.DisplayMoney(amount, as.Precision, as.Symbol, as.Code)
}

// signed writes a change to a balance with its sign.
func (a assets) signed(amount rating.Decimal, code string) string {
	if amount.IsPositive() {
		return "+" + a.money(amount, code)
	}
	return a.money(amount, code)
}

// sentence starts a domain message with a capital and ends it with a full
// stop, for a page.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// count writes a whole number with thousands grouped.
func count(n int64) string { return rating.Group(strconv.FormatInt(n, 10)) }

func date(t time.Time) string     { return t.UTC().Format("2 Jan 2006") }
func dateTime(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

// ago writes how long before now a time was, roughly.
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return date(t)
}

// label turns a code ("past_due") into words ("Past due").
func label(code string) string {
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// series is one set of bars of a chart.
type series struct {
	Name   string
	Class  string // the bar's CSS class, which gives its colour
	Values []rating.Decimal
}

// chart is a bar chart drawn on the server as SVG, so it reads without
// script: a group of bars per day, each bar with a title, the figure with a
// summary.
type chart struct {
	SVG                        template.HTML
	Summary, Peak, First, Last string
	Legend                     []series
}

func barChart(days []time.Time, ss []series, money func(rating.Decimal) string, title string) chart {
	const w, h, top, bottom = 600.0, 180.0, 4.0, 1.0
	peak := rating.Zero
	for _, s := range ss {
		for _, v := range s.Values {
			if v.GreaterThan(peak) {
				peak = v
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="chart-title" preserveAspectRatio="none">`, w, h)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title>`, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%.1f" x2="%.0f" y2="%.1f"/>`, h-bottom, w, h-bottom)
	slot := w / float64(max(len(days), 1))
	bw := slot * 0.8 / float64(max(len(ss), 1))
	for i, d := range days {
		for j, s := range ss {
			v := s.Values[i]
			frac := 0.0
			if peak.IsPositive() {
				frac, _ = v.Div(peak).Float64() // for drawing only, never for money
			}
			bh := frac * (h - top - bottom)
			if v.IsPositive() && bh < 1.5 {
				bh = 1.5
			}
			x := float64(i)*slot + slot*0.1 + float64(j)*bw
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s, %s: %s</title></rect>`,
				s.Class, x, h-bottom-bh, bw, bh, date(d), template.HTMLEscapeString(s.Name), template.HTMLEscapeString(money(v)))
		}
	}
	b.WriteString(`</svg>`)
	c := chart{SVG: template.HTML(b.String()), Summary: title, Peak: money(peak), Legend: ss} // every dynamic part above is escaped
	if len(days) > 0 {
		c.First, c.Last = date(days[0]), date(days[len(days)-1])
	}
	return c
}
