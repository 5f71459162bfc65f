package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
)

// The gateway workloads: one streamed chat completion per operation, through
// the metering gateway (authorize, proxy, stream, record) or straight to the
// mock upstream the gateway fronts, for the baseline the gateway's added
// latency is measured against.
const (
	Gateway       = "gateway"        // a streamed chat completion through /gateway/openai/v1
	GatewayDirect = "gateway-direct" // the same call to the mock upstream directly
)

// MockLLMKey is the provider key the mock upstream accepts.
const MockLLMKey = "sk-bench-mock-upstream"

// GatewayCaller makes one LLM call for a customer: through the gateway, or
// directly to its upstream.
type GatewayCaller interface {
	CallLLM(ctx context.Context, customer string, direct bool) error
}

// chatRequest is every call's body: a short streamed chat completion.
const chatRequest = `{"model":"bench-model","stream":true,"max_tokens":16,"messages":[{"role":"user","content":"Say hello"}]}`

// StartMockLLM serves, on a loopback port, an OpenAI chat completions API
// that streams a short deterministic answer at once (6 events, with the
// usage chunk when asked for), each response with its own id. It returns
// the base URL the gateway and the direct calls take (…/v1) and a function
// that stops it.
func StartMockLLM() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Header.Get("Authorization") != "Bearer "+MockLLMKey {
			http.Error(w, `{"error":{"message":"bad request or key"}}`, http.StatusBadRequest)
			return
		}
		withUsage := strings.Contains(string(body), `"include_usage":true`)
		id := fmt.Sprintf("chatcmpl-bench-%d", n.Add(1))
		nullUsage := ""
		if withUsage {
			nullUsage = `,"usage":null`
		}
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		for _, delta := range []string{`{"role":"assistant","content":""}`, `{"content":"Hello"}`, `{"content":" from"}`, `{"content":" the mock."}`} {
			fmt.Fprintf(w, `data: {"id":"%s","object":"chat.completion.chunk","created":1767225600,"model":"bench-model","choices":[{"index":0,"delta":%s,"finish_reason":null}]%s}`+"\n\n", id, delta, nullUsage)
			f.Flush()
		}
		fmt.Fprintf(w, `data: {"id":"%s","object":"chat.completion.chunk","created":1767225600,"model":"bench-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]%s}`+"\n\n", id, nullUsage)
		if withUsage {
			fmt.Fprintf(w, `data: {"id":"%s","object":"chat.completion.chunk","created":1767225600,"model":"bench-model","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}`+"\n\n", id)
		}
		io.WriteString(w, "data: [DONE]\n\n")
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/v1", func() { srv.Close() }, nil
}

// WithUpstream returns d able to run the gateway workloads: through the
// gateway under its base URL, or directly to upstream (StartMockLLM's URL).
func (d HTTPDriver) WithUpstream(upstream string) HTTPDriver {
	d.upstream = upstream
	return d
}

// CallLLM implements GatewayCaller: one streamed chat completion, read to its
// end. Through the gateway it sends the Tollgate key and the customer;
// directly, the mock's key.
func (d HTTPDriver) CallLLM(ctx context.Context, customer string, direct bool) error {
	if d.upstream == "" {
		return fmt.Errorf("the gateway workloads need the mock upstream's URL")
	}
	url, key := d.baseURL+"/gateway/openai/v1/chat/completions", d.key
	if direct {
		url, key = d.upstream+"/chat/completions", MockLLMKey
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(chatRequest))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if !direct {
		req.Header.Set("Tollgate-Customer", customer)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("POST %s = %d %.200s", url, resp.StatusCode, body)
	case !strings.HasSuffix(string(body), "data: [DONE]\n\n"):
		return fmt.Errorf("POST %s: the stream ended before [DONE]", url)
	}
	return nil
}
