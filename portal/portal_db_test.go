package portal

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/rating"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// dbEnv is a portal over a billing service on its own database.
type dbEnv struct {
	svc *billing.Service
	srv *Server
	ctx context.Context // the default account, test mode
}

func newDBEnv(t *testing.T) *dbEnv {
	t.Helper()
	svc := billing.NewService(testdb.New(t), billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(context.Background(), svc, Options{BaseURL: "http://127.0.0.1:8080", Secret: testSecret, ExchangesPerMinute: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return &dbEnv{svc: svc, srv: srv, ctx: billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})}
}

func (e *dbEnv) customer(t *testing.T, ext string) billing.Customer {
	t.Helper()
	c, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: ext, Name: ext})
	if err != nil {
		t.Fatalf("CreateCustomer(%s) = %v", ext, err)
	}
	return c
}

func (e *dbEnv) product(t *testing.T, code, name, eventType, price string) {
	t.Helper()
	_, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: code, Name: name, EventType: eventType,
		Prices: []rating.Price{{Model: "per_unit", Asset: "USD", UnitAmount: rating.MustDecimal(price)}}})
	if err != nil {
		t.Fatalf("CreateProduct(%s) = %v", code, err)
	}
}

func (e *dbEnv) adjust(t *testing.T, id, customer string, kind billing.AdjustmentKind, amount, reason string) {
	t.Helper()
	_, err := e.svc.CreateAdjustment(e.ctx, billing.CreateAdjustmentInput{TransactionID: id, Kind: kind, Customer: customer,
		Asset: "USD", Amount: rating.MustDecimal(amount), Reason: reason})
	if err != nil {
		t.Fatalf("CreateAdjustment(%s) = %v", id, err)
	}
}

func (e *dbEnv) record(t *testing.T, id, customer, eventType string) {
	t.Helper()
	if _, err := e.svc.RecordUsage(e.ctx, billing.UsageEventInput{ID: id, Customer: customer, EventType: eventType}); err != nil {
		t.Fatalf("RecordUsage(%s) = %v", id, err)
	}
}

// open opens a link for customer and returns the session cookie.
func (e *dbEnv) open(t *testing.T, customer string) *http.Cookie {
	t.Helper()
	s, err := e.srv.CreateSession(e.ctx, customer, "https://app.example.com/settings")
	if err != nil {
		t.Fatalf("CreateSession(%s) = %v", customer, err)
	}
	w := e.get(t, s.URL, nil)
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	t.Fatalf("opening the link = %d, set no session cookie", w.Code)
	return nil
}

func (e *dbEnv) get(t *testing.T, target string, cookie *http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w
}

func (e *dbEnv) page(t *testing.T, path string, cookie *http.Cookie) string {
	t.Helper()
	w := e.get(t, path, cookie)
	b, _ := io.ReadAll(w.Body)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", path, w.Code, b)
	}
	return string(b)
}

// TestLinkOpensOnce opens one link from 16 goroutines at once, then again:
// exactly one open sets a session cookie; every other gets the page that
// says the link was used, with the way back, and no cookie.
func TestLinkOpensOnce(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	e.customer(t, "alice")
	s, err := e.srv.CreateSession(e.ctx, "alice", "https://app.example.com/settings")
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	results := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			r := httptest.NewRequest("GET", s.URL, nil)
			r.RemoteAddr = "192.0.2.1:1234"
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, r)
			results[i] = w
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, w := range results {
		cookies := w.Result().Cookies()
		switch w.Code {
		case http.StatusSeeOther:
			won++
			if len(cookies) != 1 || cookies[0].Name != cookieName {
				t.Errorf("open %d = 303 with cookies %v, want the session cookie", i, cookies)
			}
		case http.StatusGone:
			body := w.Body.String()
			if len(cookies) != 0 || !strings.Contains(body, "This link was already used") ||
				!strings.Contains(body, "https://app.example.com/settings") {
				t.Errorf("open %d = 410 with cookies %v and page\n%s\nwant no cookie, the used-link page and the way back", i, cookies, body)
			}
		default:
			t.Errorf("open %d = %d, want 303 (first) or 410 (used)", i, w.Code)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent opens set a session, want exactly 1", won, n)
	}
	if w := e.get(t, s.URL, nil); w.Code != http.StatusGone {
		t.Errorf("a later open from another browser = %d, want 410", w.Code)
	}
}

// TestLinkReopenedInItsBrowser: the browser holding the session a link
// opened is sent to the portal when it opens the link again.
func TestLinkReopenedInItsBrowser(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	e.customer(t, "alice")
	s, err := e.srv.CreateSession(e.ctx, "alice", "https://app.example.com/settings")
	if err != nil {
		t.Fatal(err)
	}
	first := e.get(t, s.URL, nil)
	cookies := first.Result().Cookies()
	if first.Code != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("first open = %d %v", first.Code, cookies)
	}
	again := e.get(t, s.URL, cookies[0])
	if again.Code != http.StatusSeeOther || again.Header().Get("Location") != "/portal/" {
		t.Errorf("reopening in the same browser = %d → %q, want 303 → /portal/", again.Code, again.Header().Get("Location"))
	}
}

// TestUsageFilterListsOwnProducts: the usage page offers the products the
// customer has usage of, never one only another customer uses (nor one
// nobody uses), and refuses filtering by another customer's product.
func TestUsageFilterListsOwnProducts(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	e.product(t, "chat", "Chat", "chat.completion", "1.50")
	e.product(t, "images", "Images", "image.generated", "0.04")
	e.product(t, "secret-beta", "Secret Beta Model", "beta.call", "2.00")
	e.product(t, "unused", "Unused Thing", "unused.call", "1.00")
	e.customer(t, "alice")
	e.customer(t, "bob")
	e.adjust(t, "gift-a", "alice", billing.AdjustGift, "30.00", "Welcome gift")
	e.adjust(t, "gift-b", "bob", billing.AdjustGift, "30.00", "Welcome gift")
	e.record(t, "a1", "alice", "chat.completion")
	e.record(t, "a2", "alice", "image.generated")
	e.record(t, "b1", "bob", "beta.call")
	html := e.page(t, "/portal/usage", e.open(t, "alice"))
	for _, want := range []string{`<option value="chat"`, `<option value="images"`} {
		if !strings.Contains(html, want) {
			t.Errorf("alice's usage filter lacks %s", want)
		}
	}
	for _, leak := range []string{"secret-beta", "Secret Beta Model", "unused", "Unused Thing"} {
		if strings.Contains(html, leak) {
			t.Errorf("alice's usage page shows %q, a product she has no usage of", leak)
		}
	}
	if w := e.get(t, "/portal/usage?product=secret-beta", e.open(t, "alice")); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("filtering alice's usage by bob's product = %d, want 422", w.Code)
	}
}

// TestPortalLabels: a top_up adjustment made over the API is not a card
// payment; usage shows its products' names, not codes or event types.
func TestPortalLabels(t *testing.T) {
	t.Parallel()
	e := newDBEnv(t)
	_, _, err := e.svc.Catalog.CreateProduct(e.ctx, billing.CreateProductInput{Code: "chat", Name: "Chat", EventType: "chat.completion",
		Prices: []rating.Price{{Model: "per_unit", Asset: "USD", UnitAmount: rating.MustDecimal("1.50")}}}) // a price with no name
	if err != nil {
		t.Fatal(err)
	}
	e.customer(t, "alice")
	e.adjust(t, "paid-by-invoice", "alice", billing.AdjustTopUp, "40.00", "Invoice 2026-118, paid by bank transfer")
	e.adjust(t, "paid-quietly", "alice", billing.AdjustTopUp, "5.00", "")
	e.record(t, "a1", "alice", "chat.completion")
	cookie := e.open(t, "alice")

	tx := e.page(t, "/portal/transactions", cookie)
	if strings.Contains(tx, "Card payment") {
		t.Errorf("a top_up adjustment shows as a card payment:\n%s", tx)
	}
	for _, want := range []string{"Invoice 2026-118, paid by bank transfer", "Payment received", "Chat"} {
		if !strings.Contains(tx, want) {
			t.Errorf("transactions lack %q:\n%s", want, tx)
		}
	}
	if strings.Contains(tx, "chat.completion") {
		t.Errorf("transactions show the raw event type where the product's name exists:\n%s", tx)
	}
	usage := e.page(t, "/portal/usage", cookie)
	if strings.Contains(usage, "chat.completion") || strings.Contains(usage, "× chat:") || !strings.Contains(usage, "1 × Chat: $1.50") {
		t.Errorf("usage shows a code or an event type where the product's name exists, or lacks \"1 × Chat: $1.50\":\n%s", usage)
	}
}
