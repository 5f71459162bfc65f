package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Console is the console workload's name: an operator signed in like a
// browser requests each console page in turn.
const Console = "console"

// ConsolePage is one console page the console workload requests.
type ConsolePage struct {
	Name string // as the report shows it, such as "usage (filtered)"
	Path string // under the console's base URL, such as /console/usage?customer=c-000001
}

// ConsolePages are the pages the console workload requests: home, customer
// search by id, external id, name and email, the customer with the
// preloaded history (busy: its id or external id), usage (first page and
// filtered to a customer), a day of usage as CSV (day: YYYY-MM-DD),
// profitability (the month, by product and by customer), catalog, webhooks,
// payments and settings.
func ConsolePages(busy, busyID, other, day string) []ConsolePage {
	q := url.QueryEscape
	return []ConsolePage{
		{"home", "/console/"},
		{"search: id", "/console/customers?q=" + q(busyID)},
		{"search: external id", "/console/customers?q=" + q(other)},
		{"search: name", "/console/customers?q=" + q(SeedName(other))},
		{"search: email", "/console/customers?q=" + q(SeedEmail(other))},
		{"customer (busy)", "/console/customers/" + url.PathEscape(busy)},
		{"customer", "/console/customers/" + url.PathEscape(other)},
		{"usage", "/console/usage"},
		{"usage (filtered)", "/console/usage?customer=" + q(other) + "&event_type=bench.call"},
		{"usage (busy customer)", "/console/usage?customer=" + q(busy)},
		{"usage (busy customer, type)", "/console/usage?customer=" + q(busy) + "&event_type=bench.history"},
		{"usage CSV (a day)", "/console/usage.csv?from=" + day + "&to=" + day},
		{"profitability (month)", "/console/profitability?group=month"},
		{"profitability (product)", "/console/profitability?group=product"},
		{"profitability (customer)", "/console/profitability?group=customer"},
		{"catalog", "/console/catalog"},
		{"webhooks", "/console/webhooks"},
		{"payments", "/console/payments"},
		{"settings", "/console/settings"},
	}
}

// PageResult is one console page's figures over its requests: latency to
// the last byte of the body.
type PageResult struct {
	Name     string        `json:"name"`
	Path     string        `json:"path"`
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"` // a status other than 200, or a failed read
	Bytes    int64         `json:"bytes"`  // the last response's body
	P50      time.Duration `json:"-"`
	P99      time.Duration `json:"-"`
	Max      time.Duration `json:"-"`
	Error    string        `json:"error,omitempty"` // the first error, to say what went wrong
}

// ConsoleSession is an operator's browser: a cookie jar that holds the
// session a sign-in link opened.
type ConsoleSession struct {
	base string
	hc   *http.Client
}

// SignInConsole opens link (a console sign-in link, which opens once) as a
// browser would and keeps the session cookie it sets. The console at base
// must then answer its home page.
func SignInConsole(ctx context.Context, base, link string) (*ConsoleSession, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	s := &ConsoleSession{base: strings.TrimRight(base, "/"), hc: &http.Client{Jar: jar, Transport: t}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.hc.Do(req) // 303 to /console/, followed
	if err != nil {
		return nil, fmt.Errorf("open the sign-in link: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/" {
		return nil, fmt.Errorf("opening the sign-in link ended at %s with %s, want the console's home page with 200 OK", resp.Request.URL.Path, resp.Status)
	}
	return s, nil
}

// Close lets go of the session's idle connections.
func (s *ConsoleSession) Close() { s.hc.CloseIdleConnections() }

// get requests one page and reads its whole body; redirects are not
// followed (one to the sign-in form would mean the session is gone).
func (s *ConsoleSession) get(ctx context.Context, path string) (time.Duration, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return 0, 0, err
	}
	hc := *s.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		return d, n, err
	}
	if resp.StatusCode != http.StatusOK {
		return d, n, fmt.Errorf("%s: %s", path, resp.Status)
	}
	return d, n, nil
}

// MeasurePages requests each page n times, one request at a time (page by
// page, round after round, after one warm-up round that is not counted),
// and returns each page's latencies.
func (s *ConsoleSession) MeasurePages(ctx context.Context, pages []ConsolePage, n int) ([]PageResult, error) {
	if n < 1 {
		return nil, errors.New("measure console pages: need at least one request per page")
	}
	lat := make([][]time.Duration, len(pages))
	out := make([]PageResult, len(pages))
	for i, p := range pages {
		out[i] = PageResult{Name: p.Name, Path: p.Path}
	}
	for round := -1; round < n; round++ {
		for i, p := range pages {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			d, size, err := s.get(ctx, p.Path)
			if round < 0 {
				continue // warm-up: caches, connections, prepared statements
			}
			out[i].Requests++
			out[i].Bytes = size
			if err != nil {
				out[i].Errors++
				if out[i].Error == "" {
					out[i].Error = err.Error()
				}
				continue
			}
			lat[i] = append(lat[i], d)
		}
	}
	for i := range out {
		out[i].P50, out[i].P99 = percentiles([][]time.Duration{lat[i]})
		if len(lat[i]) > 0 {
			out[i].Max = slices.Max(lat[i])
		}
	}
	return out, nil
}
