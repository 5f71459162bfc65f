// SPDX-License-Identifier: Apache-2.0

// Package client is Tollgate's REST API for Go backends: the runtime loop
// (authorize, record, void, read the wallet), the set-up calls, the Meter
// helper that wraps a costly call in that loop, usage readers for OpenAI and
// Anthropic answers, and Standard Webhooks verification.
//
// The request and answer types are generated from the OpenAPI document
// (api/openapi.json) by oapi-codegen; the calls are written by hand so that
// every write carries an idempotency key, reused by its retries, and every
// failure is an *Error with the API's code. The package imports only the
// standard library.
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Options configure a Client. The zero value reads TOLLGATE_URL and
// TOLLGATE_API_KEY.
type Options struct {
	// BaseURL is where `tollgate serve` answers; default TOLLGATE_URL, else
	// http://127.0.0.1:8080.
	BaseURL string
	// APIKey is a tg_test_… or tg_live_… key; default TOLLGATE_API_KEY.
	APIKey string
	// HTTPClient sends the requests; default a client with a 60 s timeout.
	HTTPClient *http.Client
	// MaxRetries is how many times a request answered 429, 503 or 409
	// idempotency_key_in_progress, or lost on the network, is sent again;
	// 0 means 3, a negative number none.
	MaxRetries int
	// NoIdempotencyKeys leaves out the Idempotency-Key header a write
	// otherwise gets (a new one per call, the same for its retries). The
	// domain ids (an event's id, an authorization's idempotency_key, an
	// adjustment's transaction_id) keep those writes idempotent without it;
	// the load generator of `tollgate bench` sets it, as a backend that
	// always sends them may.
	NoIdempotencyKeys bool
}

// Client calls the REST API. It is safe for concurrent use.
type Client struct {
	base    string
	key     string
	http    *http.Client
	retries int
	noKeys  bool
	// sleep waits between retries; tests shorten it.
	sleep func(context.Context, time.Duration) error
}

// New returns a client for opts.
func New(opts Options) *Client {
	c := &Client{base: opts.BaseURL, key: opts.APIKey, http: opts.HTTPClient, retries: opts.MaxRetries, noKeys: opts.NoIdempotencyKeys, sleep: sleepCtx}
	if c.base == "" {
		c.base = os.Getenv("TOLLGATE_URL")
	}
	if c.base == "" {
		c.base = "http://127.0.0.1:8080"
	}
	c.base = strings.TrimRight(c.base, "/")
	if c.key == "" {
		c.key = os.Getenv("TOLLGATE_API_KEY")
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	switch {
	case c.retries == 0:
		c.retries = 3
	case c.retries < 0:
		c.retries = 0
	}
	return c
}

// CallOption changes one call.
type CallOption func(*call)

type call struct {
	idempotencyKey string
}

// WithIdempotencyKey sends key as the call's Idempotency-Key header instead
// of a new one: the same key and request again answer the first response
// (for 24 hours) and change nothing.
func WithIdempotencyKey(key string) CallOption {
	return func(c *call) { c.idempotencyKey = key }
}

// NewIdempotencyKey returns a new random key (a UUID).
func NewIdempotencyKey() string {
	var b [16]byte
	if _, err := crand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on the systems Go supports
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// do sends one request, retrying what may be retried, and decodes a 2xx
// answer into out (when not nil). body is JSON-encoded once, so every retry
// sends the same bytes under the same Idempotency-Key.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any, opts []CallOption) error {
	var cl call
	for _, o := range opts {
		o(&cl)
	}
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		payload = b
	}
	if method == http.MethodPost && cl.idempotencyKey == "" && !c.noKeys {
		cl.idempotencyKey = NewIdempotencyKey()
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		res, err := c.send(ctx, method, u, payload, cl.idempotencyKey)
		if err == nil && res.StatusCode < 300 {
			err = decode(res, out)
			res.Body.Close()
			return err
		}
		var wait time.Duration
		if err == nil {
			apiErr := readError(res)
			res.Body.Close()
			if !apiErr.retryable() || attempt >= c.retries {
				return apiErr
			}
			wait = apiErr.RetryAfter
			err = apiErr
		} else if ctx.Err() != nil || attempt >= c.retries || !c.mayResend(method, cl.idempotencyKey) {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		if wait <= 0 {
			wait = backoff(attempt)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s %s: %w (waiting to retry after %v)", method, path, err, wait)
		}
	}
}

// mayResend says whether a request lost on the network may be sent again:
// a read, or a write under an idempotency key (the server answers a repeat
// with the stored response and does nothing twice).
func (c *Client) mayResend(method, key string) bool {
	return method == http.MethodGet || key != ""
}

func (c *Client) send(ctx context.Context, method, u string, payload []byte, key string) (*http.Response, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return c.http.Do(req)
}

func decode(res *http.Response, out any) error {
	if out == nil {
		_, err := io.Copy(io.Discard, res.Body)
		return err
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", res.Request.Method, res.Request.URL.Path, err)
	}
	return nil
}

// backoff is the wait before retry attempt+1 when the server named none:
// 200 ms doubling, capped at 5 s, with jitter so that clients spread out.
func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt, 5)
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Error is an answer of the API outside 2xx: its status and the error
// envelope's type, code, field (param) and message. Match codes with
// errors.As, never the message:
//
//	var e *client.Error
//	if errors.As(err, &e) && e.Code == "not_found" { … }
type Error struct {
	Status    int    // HTTP status, such as 404
	Type      string // error family: invalid_request_error, conflict_error, rate_limit_error, api_error, …
	Code      string // machine-readable: invalid, not_found, conflict, insufficient_funds, rate_limited, unavailable, …
	Field     string // the input at fault, such as "customer" or "prices[0].unit_amount"; may be empty
	Message   string // what went wrong and how to fix it; safe to show
	RequestID string // the Request-Id header, for the server's log
	// RetryAfter is the server's Retry-After (429, 503, idempotency_key_in_progress).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("tollgate: %d %s", e.Status, e.Code)
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// retryable: the request did nothing (429, 503 unavailable), or may have
// and is answered once on a resend with the same id (503 outcome_unknown),
// or is still running under the same key (409 idempotency_key_in_progress).
func (e *Error) retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable ||
		(e.Status == http.StatusConflict && e.Code == "idempotency_key_in_progress")
}

func readError(res *http.Response) *Error {
	e := &Error{Status: res.StatusCode, RequestID: res.Header.Get("Request-Id"), RetryAfter: retryAfter(res.Header.Get("Retry-After"))}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var env ErrorEnvelope
	if json.Unmarshal(b, &env) == nil && env.Error.Code != "" {
		e.Type, e.Code, e.Field, e.Message = env.Error.Type, env.Error.Code, env.Error.Param, env.Error.Message
		return e
	}
	// Not the API's envelope (a proxy's page, say): the status says it all.
	e.Code, e.Message = "http_"+strconv.Itoa(res.StatusCode), strings.TrimSpace(string(b))
	if len(e.Message) > 200 {
		e.Message = e.Message[:200] + "…"
	}
	return e
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// DeclinedError is a declined authorization: the customer cannot pay for
// the work, which was not run. Show the user DeclineReason and the
// Shortfall a top-up must cover (an HTTP backend answers 402).
type DeclinedError struct {
	Authorization *Authorization
}

func (e *DeclinedError) Error() string {
	a := e.Authorization
	return fmt.Sprintf("tollgate: authorization declined (%s): required %s %s, available %s, shortfall %s",
		a.DeclineReason, a.Required, a.Asset, a.Available, a.Shortfall)
}
