package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/gateway"
	"github.com/tollgatehq/tollgate/internal/testdb"
	"github.com/tollgatehq/tollgate/payments"
	"github.com/tollgatehq/tollgate/rating"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// env is the real gateway handler over its own database, in front of a mock
// upstream, with a product pricing llm.tokens per model and a test-mode key.
type env struct {
	pool *pgxpool.Pool
	svc  *billing.Service
	gw   *gateway.Handler
	ctx  context.Context // the default account, test mode
	key  string
	up   *upstream
	url  string        // the gateway server
	done chan struct{} // one signal per gateway request answered (ServeHTTP returned)
}

func dec(s string) rating.Decimal { return decimal.RequireFromString(s) }

// Rates per 1,000 tokens, per model.
func tokenPrice(field string, rates map[string]string) rating.Price {
	p := rating.Price{Name: field, Model: rating.Dimensional, Asset: "USD", Field: field, BlockSize: dec("1000"), Dimensions: []string{"model"}}
	for model, amount := range rates {
		p.Rates = append(p.Rates, rating.DimensionRate{Values: map[string]string{"model": model}, Amount: dec(amount)})
	}
	return p
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, testdb.New(t), gateway.Options{})
}

// newEnvOn is newEnv over a given pool, with options beside the upstreams.
func newEnvOn(t *testing.T, pool *pgxpool.Pool, opts gateway.Options) *env {
	t.Helper()
	svc := billing.NewService(pool, billing.Options{})
	acct, err := svc.Accounts.EnsureDefaultAccount(context.Background())
	if err != nil {
		t.Fatalf("EnsureDefaultAccount = %v", err)
	}
	_, key, err := svc.Accounts.CreateAPIKey(context.Background(), acct.ID, billing.ModeTest, "gateway test")
	if err != nil {
		t.Fatalf("CreateAPIKey = %v", err)
	}
	ctx := billing.WithCaller(context.Background(), billing.Caller{AccountID: acct.ID, Mode: billing.ModeTest})
	if _, _, err := svc.Catalog.CreateProduct(ctx, billing.CreateProductInput{Code: "llm", Name: "LLM tokens", EventType: gateway.DefaultEventType, Prices: []rating.Price{
		tokenPrice("input_tokens", map[string]string{"gpt-4o": "0.01", "claude-x": "0.02", "*": "0.10"}),
		tokenPrice("cached_input_tokens", map[string]string{"gpt-4o": "0.005", "claude-x": "0.002", "*": "0.10"}),
		tokenPrice("cache_write_tokens", map[string]string{"claude-x": "0.025", "*": "0.10"}),
		tokenPrice("output_tokens", map[string]string{"gpt-4o": "0.03", "claude-x": "0.06", "*": "0.30"}),
	}}); err != nil {
		t.Fatalf("CreateProduct = %v", err)
	}
	up := newUpstream(t)
	opts.OpenAI = gateway.Upstream{BaseURL: up.URL + "/v1", APIKey: payments.Secret(openAIKey)}
	opts.Anthropic = gateway.Upstream{BaseURL: up.URL, APIKey: payments.Secret(anthropicKey)}
	gw := gateway.New(svc, opts)
	done := make(chan struct{}, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw.ServeHTTP(w, r)
		done <- struct{}{}
	}))
	// Cleanups run last first: the server stops answering, then the
	// gateway's settlements end, then the database goes.
	t.Cleanup(func() { gw.Close(context.Background()) })
	t.Cleanup(srv.Close)
	return &env{pool: pool, svc: svc, gw: gw, ctx: ctx, key: key, up: up, url: srv.URL, done: done}
}

// customer creates a customer whose wallet holds usd.
func (e *env) customer(t *testing.T, id, usd string) {
	t.Helper()
	if _, _, err := e.svc.CreateCustomer(e.ctx, billing.CreateCustomerInput{ExternalID: id}); err != nil {
		t.Fatalf("CreateCustomer(%s) = %v", id, err)
	}
	if usd == "0" {
		return
	}
	in := billing.CreateAdjustmentInput{TransactionID: "fund-" + id, Kind: billing.AdjustTopUp, Customer: id, Asset: "USD", Amount: dec(usd)}
	if _, err := e.svc.CreateAdjustment(e.ctx, in); err != nil {
		t.Fatalf("CreateAdjustment(%+v) = %v", in, err)
	}
}

func (e *env) balance(t *testing.T, customer string) billing.Balance {
	t.Helper()
	v, err := e.svc.GetWallet(e.ctx, customer, "")
	if err != nil {
		t.Fatalf("GetWallet(%s) = %v", customer, err)
	}
	for _, b := range v.Balances {
		if b.Asset == "USD" {
			return b
		}
	}
	t.Fatalf("GetWallet(%s) has no USD balance", customer)
	return billing.Balance{}
}

// wantBalance checks the customer's total and that nothing is held.
func (e *env) wantBalance(t *testing.T, customer, total string) {
	t.Helper()
	b := e.balance(t, customer)
	if !b.Total.Equal(dec(total)) || !b.Held.IsZero() {
		t.Errorf("balance of %s = total %s held %s, want total %s held 0", customer, b.Total, b.Held, total)
	}
}

// events lists the customer's recorded events.
func (e *env) events(t *testing.T, customer string) []billing.Event {
	t.Helper()
	p, err := e.svc.ListEvents(e.ctx, billing.ListEventsInput{Customer: customer, Limit: 100})
	if err != nil {
		t.Fatalf("ListEvents(%s) = %v", customer, err)
	}
	return p.Items
}

func (e *env) request(ctx context.Context, t *testing.T, path, customer, body string, header ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set(gateway.CustomerHeader, customer)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	return req
}

// post sends a call and reads its whole answer; it returns once the gateway
// has settled the call.
func (e *env) post(t *testing.T, path, customer, body string, header ...string) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(e.request(context.Background(), t, path, customer, body, header...))
	if err != nil {
		t.Fatalf("POST %s = %v", path, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read answer of POST %s = %v", path, err)
	}
	e.settled(t, 1)
	return resp.StatusCode, string(b)
}

// settled waits until n more gateway requests were answered and then every
// settlement running after its answer has ended: what a call charged is in
// the wallet.
func (e *env) settled(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for range n {
		select {
		case <-e.done:
		case <-deadline:
			t.Fatalf("the gateway did not answer %d requests in 30 s", n)
		}
	}
	select {
	case <-gateway.Settled(e.gw):
	case <-deadline:
		t.Fatalf("the gateway's settlements did not end within 30 s of the answers")
	}
}

// Expected debits at the test's prices for the mock's usage (input 1000,
// cached 200, cache write 100, output 300, reasoning 50):
//   - gpt-4o:   1000×0.01 + 200×0.005 + 300×0.03, per 1,000 = 0.01 + 0.001 + 0.009 = 0.020
//   - claude-x: 1000×0.02 + 200×0.002 + 100×0.025 + 300×0.06 = 0.02 + 0.0004 + 0.0025 + 0.018 = 0.0409
//
// OpenAI reports no cache writes, so gpt-4o's cache_write_tokens is 0. From
// 10.00: 9.980 after a gpt-4o call, 9.9591 after a claude-x one.

func TestGatewayOpenAIChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("NonStreamed", func(t *testing.T) {
		e.customer(t, "chat-plain", "10")
		status, body := e.post(t, "/gateway/openai/v1/chat/completions", "chat-plain", `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"max_tokens":500}`)
		if status != http.StatusOK || !strings.Contains(body, `"content":"Hello, world!"`) {
			t.Fatalf("POST chat = %d %s, want 200 with the answer", status, body)
		}
		e.wantBalance(t, "chat-plain", "9.980")
		ev := e.events(t, "chat-plain")
		if len(ev) != 1 || ev[0].ID != "openai:"+jsonField(t, body, "id") {
			t.Fatalf("events = %+v, want one with the response id", ev)
		}
		want := map[string]string{"provider": "openai", "model": "gpt-4o", "input_tokens": "1000", "cached_input_tokens": "200",
			"cache_write_tokens": "0", "output_tokens": "300", "reasoning_tokens": "50", "total_tokens": "1500"}
		for k, v := range want {
			if got := fmt.Sprint(ev[0].Data[k]); got != v {
				t.Errorf("event data %s = %s, want %s", k, got, v)
			}
		}
		seen := e.up.requests()
		last := seen[len(seen)-1]
		if last.header.Get("Authorization") != "Bearer "+openAIKey || strings.Contains(fmt.Sprint(last.header), e.key) {
			t.Errorf("upstream saw headers %v, want the platform's OpenAI key and never the Tollgate key", last.header)
		}
		if _, ok := last.body["stream_options"]; ok {
			t.Errorf("upstream saw stream_options on a non-streamed call: %v", last.body)
		}
	})

	t.Run("Streamed", func(t *testing.T) {
		e.customer(t, "chat-stream", "10")
		status, body := e.post(t, "/gateway/openai/v1/chat/completions", "chat-stream", `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true}`)
		if status != http.StatusOK || !strings.HasSuffix(body, "data: [DONE]\n\n") || strings.Count(body, "data: ") != 5 {
			t.Fatalf("POST chat stream = %d %q, want 200 with 3 text chunks, the stop chunk and [DONE]", status, body)
		}
		if strings.Contains(body, `"usage"`) {
			t.Errorf("the caller got the usage chunk, or a \"usage\": null, it did not ask for: %q", body)
		}
		seen := e.up.requests()
		if opts, _ := seen[len(seen)-1].body["stream_options"].(map[string]any); opts["include_usage"] != true {
			t.Errorf("upstream saw %v, want stream_options.include_usage added", seen[len(seen)-1].body)
		}
		e.wantBalance(t, "chat-stream", "9.980")
	})

	t.Run("StreamedWithUsage", func(t *testing.T) {
		e.customer(t, "chat-usage", "10")
		status, body := e.post(t, "/gateway/openai/v1/chat/completions", "chat-usage",
			`{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true}}`)
		if status != http.StatusOK || !strings.Contains(body, `"prompt_tokens":1200`) || strings.Count(body, `"usage":null`) != 4 {
			t.Fatalf("POST chat stream = %d %q, want 200 with the usage chunk the caller asked for, and \"usage\": null on the 4 others", status, body)
		}
		e.wantBalance(t, "chat-usage", "9.980")
	})
}

func jsonField(t *testing.T, body, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("answer %q is not JSON: %v", body, err)
	}
	s, _ := m[field].(string)
	return s
}

func TestGatewayAnthropicMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const req = `{"model":"claude-x","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}]%s}`

	t.Run("NonStreamedBearer", func(t *testing.T) {
		e.customer(t, "msg-plain", "10")
		status, body := e.post(t, "/gateway/anthropic/v1/messages", "msg-plain", fmt.Sprintf(req, ""), "anthropic-version", "2023-06-01")
		if status != http.StatusOK || !strings.Contains(body, `"text":"Hello, world!"`) {
			t.Fatalf("POST messages = %d %s, want 200 with the answer", status, body)
		}
		e.wantBalance(t, "msg-plain", "9.9591")
		seen := e.up.requests()
		h := seen[len(seen)-1].header
		if h.Get("X-Api-Key") != anthropicKey || h.Get("Authorization") != "" || h.Get("Anthropic-Version") != "2023-06-01" {
			t.Errorf("upstream saw headers %v, want x-api-key with the platform's key, anthropic-version, no Authorization", h)
		}
	})

	t.Run("StreamedXAPIKey", func(t *testing.T) {
		e.customer(t, "msg-stream", "10")
		status, body := e.post(t, "/gateway/anthropic/v1/messages", "msg-stream", fmt.Sprintf(req, `,"stream":true`),
			"Authorization", "", "x-api-key", e.key, "anthropic-version", "2023-06-01")
		if status != http.StatusOK || !strings.Contains(body, "event: message_stop") {
			t.Fatalf("POST messages stream = %d %q, want 200 with the whole stream", status, body)
		}
		e.wantBalance(t, "msg-stream", "9.9591")
		if ev := e.events(t, "msg-stream"); len(ev) != 1 || fmt.Sprint(ev[0].Data["output_tokens"]) != "300" || fmt.Sprint(ev[0].Data["cache_write_tokens"]) != "100" {
			t.Errorf("events = %+v, want one with message_delta's output_tokens (300, replacing message_start's 1)", ev)
		}
	})
}

func TestGatewayResponsesAndEmbeddings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "resp", "10")
	for _, body := range []string{`{"model":"gpt-4o","input":"Hi"}`, `{"model":"gpt-4o","input":"Hi","stream":true}`} {
		if status, answer := e.post(t, "/gateway/openai/v1/responses", "resp", body); status != http.StatusOK || !strings.Contains(answer, "Hello") {
			t.Fatalf("POST responses %s = %d %q", body, status, answer)
		}
	}
	e.wantBalance(t, "resp", "9.960")
	// Embeddings: 1000 input tokens at 0.01 per 1,000.
	if status, answer := e.post(t, "/gateway/openai/v1/embeddings", "resp", `{"model":"gpt-4o","input":"Hi"}`); status != http.StatusOK {
		t.Fatalf("POST embeddings = %d %s", status, answer)
	}
	e.wantBalance(t, "resp", "9.950")
}

func TestGatewayDeclineNeverReachesUpstream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "broke", "0.01")
	for _, c := range []struct{ path, body string }{
		{"/gateway/openai/v1/chat/completions", `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true}`},
		{"/gateway/anthropic/v1/messages", `{"model":"claude-x","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}]}`},
	} {
		status, body := e.post(t, c.path, "broke", c.body)
		var answer struct {
			Type  string `json:"type"`
			Error struct {
				Type, Message string
				Decline       string `json:"decline_reason"`
				Shortfall     string `json:"shortfall"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &answer); err != nil || status != http.StatusPaymentRequired ||
			answer.Error.Decline != billing.DeclineInsufficientFunds || answer.Error.Message == "" || answer.Error.Shortfall == "" {
			t.Errorf("POST %s = %d %s, want 402 in the provider's error shape with decline_reason and shortfall", c.path, status, body)
		}
		if strings.Contains(c.path, "anthropic") && answer.Type != "error" {
			t.Errorf("POST %s = %s, want Anthropic's {\"type\": \"error\"} shape", c.path, body)
		}
	}
	if n := e.up.calls.Load(); n != 0 {
		t.Errorf("upstream calls = %d, want 0: a declined call never reaches the provider", n)
	}
	e.wantBalance(t, "broke", "0.01")
}

func TestGatewayRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u", "10")
	const chat = `{"model":"gpt-4o","messages":[]}`
	for _, c := range []struct {
		name   string
		header []string
		body   string
		want   int
	}{
		{"NoKey", []string{"Authorization", ""}, chat, http.StatusUnauthorized},
		{"BadKey", []string{"Authorization", "Bearer tg_test_nope"}, chat, http.StatusUnauthorized},
		{"NoCustomer", []string{gateway.CustomerHeader, ""}, chat, http.StatusBadRequest},
		{"UnknownCustomer", []string{gateway.CustomerHeader, "nobody"}, chat, http.StatusNotFound},
		{"NoModel", nil, `{"messages":[]}`, http.StatusBadRequest},
		{"NotJSON", nil, `{`, http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := e.post(t, "/gateway/openai/v1/chat/completions", "u", c.body, c.header...)
			if status != c.want || !strings.Contains(body, `"error"`) {
				t.Errorf("POST = %d %s, want %d in OpenAI's error shape", status, body, c.want)
			}
		})
	}
	if n := e.up.calls.Load(); n != 0 {
		t.Errorf("upstream calls = %d, want 0", n)
	}
}

func TestGatewayUpstreamErrorReleasesHold(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u", "10")
	e.up.status = http.StatusInternalServerError
	status, body := e.post(t, "/gateway/openai/v1/chat/completions", "u", `{"model":"gpt-4o","messages":[],"stream":true}`)
	if status != http.StatusInternalServerError || body != `{"error":{"message":"the mock upstream failed","type":"server_error","param":null,"code":null}}` {
		t.Errorf("POST = %d %s, want the upstream's 500 as is", status, body)
	}
	e.wantBalance(t, "u", "10")
	if ev := e.events(t, "u"); len(ev) != 0 {
		t.Errorf("events = %+v, want none", ev)
	}
}

func TestGatewaySameResponseIDChargedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u", "10")
	e.up.id = "chatcmpl-replayed"
	for range 2 {
		if status, body := e.post(t, "/gateway/openai/v1/chat/completions", "u", `{"model":"gpt-4o","messages":[]}`); status != http.StatusOK {
			t.Fatalf("POST = %d %s", status, body)
		}
	}
	e.wantBalance(t, "u", "9.980")
	if ev := e.events(t, "u"); len(ev) != 1 || ev[0].ID != "openai:chatcmpl-replayed" {
		t.Errorf("events = %+v, want one, openai:chatcmpl-replayed", ev)
	}
}

func TestGatewayClientDisconnect(t *testing.T) {
	t.Parallel()

	// The caller reads the first text event and goes away: the call is
	// captured for what was streamed, estimated and marked so.
	t.Run("Estimated", func(t *testing.T) {
		for _, c := range []struct{ path, body, want string }{
			// input: the estimate, ceil(len(body)/4); output: ceil(len("Hello")/4) = 2.
			{"/gateway/openai/v1/chat/completions", `{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true}`, "openai"},
			// input: message_start's counts (1000, cached 200, written 100), output 2.
			{"/gateway/anthropic/v1/messages", `{"model":"claude-x","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}],"stream":true}`, "anthropic"},
		} {
			t.Run(c.want, func(t *testing.T) {
				e := newEnv(t)
				e.customer(t, "u", "10")
				e.up.hold = make(chan struct{}) // never released: the caller leaves first
				ctx, cancel := context.WithCancel(context.Background())
				resp, err := http.DefaultClient.Do(e.request(ctx, t, c.path, "u", c.body))
				if err != nil {
					t.Fatalf("POST = %v", err)
				}
				readUntil(t, resp.Body, "Hello")
				cancel()
				resp.Body.Close()
				e.settled(t, 1)
				ev := e.events(t, "u")
				if len(ev) != 1 || ev[0].Data["estimated"] != true || fmt.Sprint(ev[0].Data["output_tokens"]) != "2" {
					t.Fatalf("events = %+v, want one estimated event with output_tokens 2", ev)
				}
				var want rating.Decimal
				if c.want == "openai" {
					in := (len(c.body) + 3) / 4
					if got := fmt.Sprint(ev[0].Data["input_tokens"]); got != fmt.Sprint(in) {
						t.Errorf("input_tokens = %s, want the estimate %d", got, in)
					}
					want = dec("10").Sub(dec(fmt.Sprint(in)).Mul(dec("0.00001"))).Sub(dec("0.00006"))
				} else {
					want = dec("10").Sub(dec("0.0229")).Sub(dec("0.00012")) // 0.02 + 0.0004 + 0.0025 input, 2 × 0.00006 output
				}
				e.wantBalance(t, "u", want.String())
			})
		}
	})

	// The stream ends before any text: nothing passed, so nothing is charged.
	t.Run("NothingStreamed", func(t *testing.T) {
		e := newEnv(t)
		e.customer(t, "u", "10")
		e.up.pieces, e.up.cut = nil, true
		status, _ := e.post(t, "/gateway/openai/v1/chat/completions", "u", `{"model":"gpt-4o","messages":[],"stream":true}`)
		if status != http.StatusOK {
			t.Fatalf("POST = %d, want 200 (the upstream's)", status)
		}
		e.wantBalance(t, "u", "10")
		if ev := e.events(t, "u"); len(ev) != 0 {
			t.Errorf("events = %+v, want none", ev)
		}
	})
}

// readUntil reads a stream until it has seen text.
func readUntil(t *testing.T, r io.Reader, text string) {
	t.Helper()
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if strings.Contains(line, text) {
			return
		}
		if err != nil {
			t.Fatalf("stream ended (%v) before %q", err, text)
		}
	}
}

// 100 concurrent streamed calls against a wallet that covers 37 of them:
// each holds exactly what it will cost (input 1,000 tokens estimated from a
// 4,000-byte body and reported as such; output 1,000 = max_tokens), so 37 are
// served, 63 are declined before reaching the upstream, and the balance ends
// at 0, never below.
func TestGatewayConcurrentHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.customer(t, "u", "1.48") // 37 × (1000 × 0.01 + 1000 × 0.03) / 1000
	prefix, suffix := `{"model":"gpt-4o","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"`, `"}]}`
	body := prefix + strings.Repeat("x", 4000-len(prefix)-len(suffix)) + suffix
	e.up.usage = usage{Input: 1000, Output: 1000}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 100 {
		wg.Go(func() {
			resp, err := http.DefaultClient.Do(e.request(context.Background(), t, "/gateway/openai/v1/chat/completions", "u", body))
			if err != nil {
				t.Errorf("POST = %v", err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	e.settled(t, 100)
	if statuses[http.StatusOK] != 37 || statuses[http.StatusPaymentRequired] != 63 {
		t.Errorf("statuses = %v, want 37 × 200 and 63 × 402", statuses)
	}
	if n := e.up.calls.Load(); n != 37 {
		t.Errorf("upstream calls = %d, want 37", n)
	}
	b := e.balance(t, "u")
	if !b.Total.IsZero() || !b.Held.IsZero() || b.Debt.IsPositive() {
		t.Errorf("balance = total %s held %s debt %s, want 0, 0, 0", b.Total, b.Held, b.Debt)
	}
}
