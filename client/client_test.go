package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/api"
	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/client"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/profitability"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// server is the real REST API over its own database, on a loopback port,
// with a test-mode key.
type server struct {
	URL, Key string
}

func newServer(t *testing.T) server {
	t.Helper()
	pool := testdb.New(t)
	svc := billing.NewService(pool, billing.Options{})
	ctx := context.Background()
	acct, err := svc.Accounts.EnsureDefaultAccount(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	_, key, err := svc.Accounts.CreateAPIKey(ctx, acct.ID, billing.ModeTest, "client test")
	if err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	srv := httptest.NewServer(api.New(svc, profitability.New(pool, svc), api.Options{}))
	t.Cleanup(srv.Close)
	return server{URL: srv.URL, Key: key}
}

func (s server) client(rt http.RoundTripper) *client.Client {
	var hc *http.Client
	if rt != nil {
		hc = &http.Client{Transport: rt}
	}
	return client.New(client.Options{BaseURL: s.URL, APIKey: s.Key, HTTPClient: hc})
}

// perMillion is one dimensional price per token field, per million tokens,
// by model; "*" is any other model.
func perMillion(field string, rates map[string]string) client.Price {
	p := client.Price{Model: "dimensional", Asset: "USD", Name: field, Field: field, BlockSize: "1000000", Dimensions: []string{"model"}}
	for model, amount := range rates {
		p.Rates = append(p.Rates, client.Rate{Values: map[string]string{"model": model}, Amount: amount})
	}
	return p
}

// setUp creates the per-token product and a customer with balance USD.
func setUp(t *testing.T, c *client.Client, customer, balance string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateProduct(ctx, client.CreateProductRequest{Code: "llm-tokens", Name: "AI tokens", EventType: "llm.tokens",
		Prices: []client.Price{
			perMillion(client.FieldInputTokens, map[string]string{"gpt-4o-mini": "0.15", "*": "1"}),
			perMillion(client.FieldCachedInputTokens, map[string]string{"gpt-4o-mini": "0.075", "*": "0.5"}),
			perMillion(client.FieldCacheWriteTokens, map[string]string{"*": "1.25"}),
			perMillion(client.FieldOutputTokens, map[string]string{"gpt-4o-mini": "0.60", "*": "2"}),
		}}); err != nil {
		t.Fatalf("CreateProduct = %v", err)
	}
	if _, err := c.CreateCustomer(ctx, client.CreateCustomerRequest{ExternalID: customer}); err != nil {
		t.Fatalf("CreateCustomer = %v", err)
	}
	if balance != "0" {
		if _, err := c.CreateAdjustment(ctx, client.CreateAdjustmentRequest{TransactionID: "welcome-" + customer, Kind: "gift",
			Customer: customer, Asset: "USD", Amount: balance}); err != nil {
			t.Fatalf("CreateAdjustment = %v", err)
		}
	}
}

func available(t *testing.T, c *client.Client, customer string) (avail, held decimal.Decimal) {
	t.Helper()
	w, err := c.GetWallet(context.Background(), customer, "default")
	if err != nil {
		t.Fatalf("GetWallet(%s) = %v", customer, err)
	}
	for _, b := range w.Balances {
		if b.Asset == "USD" {
			return decimal.RequireFromString(b.Available), decimal.RequireFromString(b.Held)
		}
	}
	return decimal.Zero, decimal.Zero
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// A chat completion as OpenAI answers it: 1,200 prompt tokens of which 200
// were cached, 300 completion tokens.
const chatCompletion = `{"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
    "prompt_tokens_details": {"cached_tokens": 200}, "completion_tokens_details": {"reasoning_tokens": 0}}}`

// What those tokens cost at gpt-4o-mini's prices: 1,000 × 0.15 + 200 × 0.075
// + 300 × 0.60, per million.
var chatCost = dec("0.000345")

func TestGoClientMeter(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := s.client(nil)
	setUp(t, c, "user_1", "10.00")
	ctx := context.Background()
	estimate := map[string]any{"model": "gpt-4o-mini", "input_tokens": 4000, "output_tokens": 1000}

	t.Run("OK", func(t *testing.T) {
		before, _ := available(t, c, "user_1")
		ev, err := c.Meter(ctx, client.MeterInput{Customer: "user_1", EventType: "llm.tokens", Estimate: estimate, IdempotencyKey: "req-ok"},
			func(ctx context.Context, h *client.Hold) (client.Usage, error) {
				if h.Authorization.Status != "active" || h.EventID != "req-ok" {
					t.Errorf("hold = %+v, event id %s; want an active authorization and the key as event id", h.Authorization, h.EventID)
				}
				return client.OpenAIUsage([]byte(chatCompletion), "gpt-4o-mini")
			})
		if err != nil {
			t.Fatalf("Meter = %v", err)
		}
		fees := decimal.Zero
		for _, f := range ev.Fees {
			fees = fees.Add(dec(f.Amount))
		}
		if ev.ID != "req-ok" || !fees.Equal(chatCost) || ev.Settlement.Status != "captured" {
			t.Errorf("Meter = event %s, fees %s, settlement %q; want req-ok, %s, captured", ev.ID, fees, ev.Settlement.Status, chatCost)
		}
		if ev.Data["cached_input_tokens"] != float64(200) || ev.Data["input_tokens"] != float64(1000) || ev.Data["total_tokens"] != float64(1500) {
			t.Errorf("event data = %v, want input 1000, cached 200, total 1500", ev.Data)
		}
		after, held := available(t, c, "user_1")
		if !before.Sub(after).Equal(chatCost) || !held.IsZero() {
			t.Errorf("wallet went %s → %s (held %s), want exactly %s less and nothing held", before, after, held, chatCost)
		}
	})

	t.Run("ErrVoids", func(t *testing.T) {
		before, _ := available(t, c, "user_1")
		boom := errors.New("the model timed out")
		var hold *client.Hold
		_, err := c.Meter(ctx, client.MeterInput{Customer: "user_1", EventType: "llm.tokens", Estimate: estimate},
			func(_ context.Context, h *client.Hold) (client.Usage, error) {
				hold = h
				return client.Usage{}, boom
			})
		if !errors.Is(err, boom) {
			t.Fatalf("Meter = %v, want the work's error", err)
		}
		checkVoided(t, c, hold, before)
	})

	t.Run("PanicVoids", func(t *testing.T) {
		before, _ := available(t, c, "user_1")
		var hold *client.Hold
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Errorf("recover() = %v, want the work's panic", r)
				}
			}()
			c.Meter(ctx, client.MeterInput{Customer: "user_1", EventType: "llm.tokens", Estimate: estimate},
				func(_ context.Context, h *client.Hold) (client.Usage, error) {
					hold = h
					panic("boom")
				})
		}()
		checkVoided(t, c, hold, before)
	})

	t.Run("ErrDeclinedBeforeWork", func(t *testing.T) {
		if _, err := c.CreateCustomer(ctx, client.CreateCustomerRequest{ExternalID: "broke"}); err != nil {
			t.Fatal(err)
		}
		ran := false
		_, err := c.Meter(ctx, client.MeterInput{Customer: "broke", EventType: "llm.tokens", Estimate: estimate},
			func(context.Context, *client.Hold) (client.Usage, error) { ran = true; return client.Usage{}, nil })
		var d *client.DeclinedError
		if !errors.As(err, &d) || ran {
			t.Fatalf("Meter for a customer without money = %v (work ran: %v), want a *DeclinedError before the work", err, ran)
		}
		// 4,000 × 0.15 + 1,000 × 0.60 per million.
		if d.Authorization.DeclineReason != "insufficient_funds" || !dec(d.Authorization.Shortfall).Equal(dec("0.0012")) {
			t.Errorf("decline = %+v, want insufficient_funds with a shortfall of 0.0012", d.Authorization)
		}
	})

	t.Run("RetriedRecordChargedOnce", func(t *testing.T) {
		before, _ := available(t, c, "user_1")
		in := client.MeterInput{Customer: "user_1", EventType: "llm.tokens", Estimate: estimate, IdempotencyKey: "req-retried"}
		work := func(context.Context, *client.Hold) (client.Usage, error) {
			return client.OpenAIUsage([]byte(chatCompletion), "gpt-4o-mini")
		}
		var hold *client.Hold
		first, err := c.Meter(ctx, in, func(ctx context.Context, h *client.Hold) (client.Usage, error) { hold = h; return work(ctx, h) })
		if err != nil {
			t.Fatal(err)
		}
		u, _ := work(ctx, nil)
		again, err := hold.Record(ctx, u)
		// The same Idempotency-Key answers the stored response (the first
		// event as it was recorded); the event id alone would answer it
		// with replayed true. Either way nothing is charged again.
		if err != nil || again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("Hold.Record again = %+v, %v; want the first event", again, err)
		}
		// The whole request retried with the same key: the hold and the
		// event are the first ones.
		third, err := c.Meter(ctx, in, work)
		if err != nil || third.ID != first.ID || !third.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("Meter with the same key = %+v, %v; want the first event", third, err)
		}
		after, _ := available(t, c, "user_1")
		if !before.Sub(after).Equal(chatCost) {
			t.Errorf("wallet went %s → %s, want charged once (%s)", before, after, chatCost)
		}
	})
}

func checkVoided(t *testing.T, c *client.Client, hold *client.Hold, before decimal.Decimal) {
	t.Helper()
	if hold == nil {
		t.Fatal("the work did not run")
	}
	a, err := c.GetAuthorization(context.Background(), hold.Authorization.ID)
	if err != nil || a.Status != "voided" {
		t.Errorf("authorization after the work failed = %+v, %v; want voided", a, err)
	}
	after, held := available(t, c, "user_1")
	if !after.Equal(before) || !held.IsZero() {
		t.Errorf("wallet went %s → %s (held %s), want unchanged and nothing held", before, after, held)
	}
}

// flaky answers the first request to a path with status (and Retry-After),
// after passing it on to the server when pass is set: an answer lost on
// the way back.
type flaky struct {
	path       string
	status     int
	retryAfter string
	pass       bool

	mu   sync.Mutex
	keys []string // Idempotency-Key of every request to path
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != f.path {
		return http.DefaultTransport.RoundTrip(req)
	}
	f.mu.Lock()
	f.keys = append(f.keys, req.Header.Get("Idempotency-Key"))
	first := len(f.keys) == 1
	f.mu.Unlock()
	if !first {
		return http.DefaultTransport.RoundTrip(req)
	}
	if f.pass {
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		res.Body.Close()
	}
	h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {f.retryAfter}}
	body := `{"error": {"type": "api_error", "code": "outcome_unknown", "message": "retry with the same id"}}`
	if f.status == http.StatusTooManyRequests {
		body = `{"error": {"type": "rate_limit_error", "code": "rate_limited", "message": "slow down"}}`
	}
	return &http.Response{StatusCode: f.status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req,
		ContentLength: -1, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

func TestGoClientRetries(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	setUp(t, s.client(nil), "user_1", "10.00")
	ctx := context.Background()

	t.Run("LostAnswer503SameKey", func(t *testing.T) {
		rt := &flaky{path: "/v1/events", status: http.StatusServiceUnavailable, retryAfter: "0", pass: true}
		c := s.client(rt)
		before, _ := available(t, c, "user_1")
		ev, err := c.Meter(ctx, client.MeterInput{Customer: "user_1", EventType: "llm.tokens", IdempotencyKey: "req-503",
			Estimate: map[string]any{"model": "gpt-4o-mini", "input_tokens": 4000}},
			func(context.Context, *client.Hold) (client.Usage, error) {
				return client.OpenAIUsage([]byte(chatCompletion), "gpt-4o-mini")
			})
		if err != nil {
			t.Fatalf("Meter through a lost answer = %v", err)
		}
		if len(rt.keys) != 2 || rt.keys[0] != rt.keys[1] || rt.keys[0] != "req-503/record" || ev.ID != "req-503" {
			t.Errorf("record requests' Idempotency-Keys = %q, event %s; want two with the same key, and the event", rt.keys, ev.ID)
		}
		after, _ := available(t, c, "user_1")
		if !before.Sub(after).Equal(chatCost) {
			t.Errorf("wallet went %s → %s, want charged once (%s)", before, after, chatCost)
		}
	})

	t.Run("RateLimitedHonoursRetryAfter", func(t *testing.T) {
		rt := &flaky{path: "/v1/customers", status: http.StatusTooManyRequests, retryAfter: "1"}
		c := s.client(rt)
		start := time.Now()
		cus, err := c.CreateCustomer(ctx, client.CreateCustomerRequest{ExternalID: "user_429"})
		if err != nil || cus.ExternalID != "user_429" {
			t.Fatalf("CreateCustomer after a 429 = %+v, %v", cus, err)
		}
		if d := time.Since(start); d < 900*time.Millisecond || len(rt.keys) != 2 || rt.keys[0] == "" || rt.keys[0] != rt.keys[1] {
			t.Errorf("retried after %v with keys %q; want after Retry-After (1 s), under one generated key", d, rt.keys)
		}
	})

	t.Run("ErrTyped", func(t *testing.T) {
		c := s.client(nil)
		_, err := c.GetCustomer(ctx, "nobody")
		var e *client.Error
		if !errors.As(err, &e) || e.Status != 404 || e.Code != "not_found" || e.Message == "" || e.RequestID == "" {
			t.Errorf("GetCustomer(nobody) = %v, want a 404 *Error not_found with a message and a request id", err)
		}
		_, err = c.CreateAdjustment(ctx, client.CreateAdjustmentRequest{TransactionID: "t-bad", Kind: "gift", Customer: "user_1", Asset: "USD", Amount: "-5"})
		if !errors.As(err, &e) || e.Status != 422 || e.Field == "" {
			t.Errorf("CreateAdjustment(amount -5) = %v, want a 422 *Error naming the field", err)
		}
		bad := client.New(client.Options{BaseURL: s.URL, APIKey: "tg_test_notarealkey000000000000000000"})
		if _, err := bad.GetWallet(ctx, "user_1", "default"); !errors.As(err, &e) || e.Status != 401 || e.Code != "unauthorized" {
			t.Errorf("a wrong key = %v, want 401 unauthorized", err)
		}
	})

	t.Run("Lists", func(t *testing.T) {
		c := s.client(nil)
		ps, err := c.ListProducts(ctx, client.ListParams{Limit: 10})
		if err != nil || len(ps.Data) != 1 || ps.Data[0].Code != "llm-tokens" || ps.HasMore {
			t.Fatalf("ListProducts = %+v, %v", ps, err)
		}
		p, err := c.GetProduct(ctx, "llm-tokens")
		if err != nil || p.ID != ps.Data[0].ID {
			t.Fatalf("GetProduct(llm-tokens) = %+v, %v", p, err)
		}
		sim, err := c.SimulateUsage(ctx, "llm-tokens", client.SimulateRequest{Data: map[string]any{"model": "gpt-4o-mini",
			"input_tokens": 1000000, "cached_input_tokens": 0, "cache_write_tokens": 0, "output_tokens": 0}})
		if err != nil || len(sim.Fees) == 0 {
			t.Fatalf("SimulateUsage = %+v, %v", sim, err)
		}
		evs, err := c.ListEvents(ctx, "user_1", client.ListParams{})
		if err != nil {
			t.Fatalf("ListEvents = %v", err)
		}
		for _, e := range evs.Data {
			if !strings.HasPrefix(e.ID, "req-") {
				t.Errorf("ListEvents(user_1) has %s", e.ID)
			}
		}
	})
}
