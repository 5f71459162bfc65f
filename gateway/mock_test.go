package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// Keys the mock upstream accepts: the platform's provider keys.
const (
	openAIKey    = "sk-openai-upstream-0123456789"
	anthropicKey = "sk-ant-upstream-0123456789"
)

// usage is what the mock reports: Input excludes CachedInput (the mock adds
// them up in OpenAI's prompt_tokens, as OpenAI does).
type usage struct{ Input, CachedInput, CacheWrite, Output, Reasoning int64 }

// upstream is a mock of OpenAI's and Anthropic's APIs on one server: OpenAI
// under /v1/ (its base URL is URL+"/v1"), Anthropic at /v1/messages (its
// base URL is URL). Set its fields before the calls of a test.
type upstream struct {
	*httptest.Server
	calls atomic.Int64

	mu   sync.Mutex
	seen []seenRequest

	status int      // non-zero: answer every call with this error
	id     string   // the response id; empty: a new one per call
	pieces []string // the answer's text, one streamed event each
	usage  usage
	// hold, when set, stops a stream after its first piece until it is
	// closed or the request ends.
	hold chan struct{}
	// cut ends a stream after its text, before its usage; with no pieces,
	// before any text.
	cut bool
	// gate, when set, holds every call before it is answered, until it is
	// closed; arrived (buffered) is then signalled as each call arrives.
	gate, arrived chan struct{}

	next atomic.Int64
	// keys are the provider keys it accepts: OpenAI's, Anthropic's.
	keys [2]string
}

type seenRequest struct {
	path   string
	header http.Header
	body   map[string]any
}

func newUpstream(t *testing.T) *upstream { return newUpstreamWithKeys(t, openAIKey, anthropicKey) }

// newUpstreamWithKeys is a mock that accepts other provider keys.
func newUpstreamWithKeys(t *testing.T, openAI, anthropic string) *upstream {
	u := &upstream{pieces: []string{"Hello", ", world", "!"}, usage: usage{Input: 1000, CachedInput: 200, CacheWrite: 100, Output: 300, Reasoning: 50},
		keys: [2]string{openAI, anthropic}}
	u.Server = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []seenRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seenRequest(nil), u.seen...)
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.calls.Add(1)
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	json.Unmarshal(raw, &body)
	u.mu.Lock()
	u.seen = append(u.seen, seenRequest{path: r.URL.Path, header: r.Header.Clone(), body: body})
	u.mu.Unlock()
	if u.gate != nil {
		u.arrived <- struct{}{}
		select {
		case <-u.gate:
		case <-r.Context().Done():
			return
		}
	}
	anthropic := r.URL.Path == "/v1/messages"
	if (anthropic && r.Header.Get("X-Api-Key") != u.keys[1]) || (!anthropic && r.Header.Get("Authorization") != "Bearer "+u.keys[0]) {
		http.Error(w, `{"error":{"message":"bad upstream key"}}`, http.StatusUnauthorized)
		return
	}
	if u.status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(u.status)
		fmt.Fprint(w, `{"error":{"message":"the mock upstream failed","type":"server_error","param":null,"code":null}}`)
		return
	}
	id := u.id
	if id == "" {
		id = fmt.Sprintf("resp_%d", u.next.Add(1))
	}
	model, _ := body["model"].(string)
	stream, _ := body["stream"].(bool)
	var s sse
	if stream {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		s = sse{w: w, hold: u.hold, r: r}
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	text := ""
	for _, p := range u.pieces {
		text += p
	}
	n := u.usage
	switch r.URL.Path {
	case "/v1/chat/completions":
		openAIUsage := map[string]any{"prompt_tokens": n.Input + n.CachedInput, "completion_tokens": n.Output, "total_tokens": n.Input + n.CachedInput + n.Output,
			"prompt_tokens_details": map[string]any{"cached_tokens": n.CachedInput}, "completion_tokens_details": map[string]any{"reasoning_tokens": n.Reasoning}}
		if !stream {
			writeJSON(w, map[string]any{"id": id, "object": "chat.completion", "created": 1, "model": model,
				"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": text}, "finish_reason": "stop"}}, "usage": openAIUsage})
			return
		}
		opts, _ := body["stream_options"].(map[string]any)
		withUsage := opts["include_usage"] == true
		chunk := func(delta map[string]any, finish any) map[string]any {
			c := map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1, "model": model,
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
			if withUsage {
				c["usage"] = nil
			}
			return c
		}
		for _, p := range u.pieces {
			if !s.event("", chunk(map[string]any{"content": p}, nil)) {
				return
			}
		}
		if u.cut {
			return
		}
		s.event("", chunk(map[string]any{}, "stop"))
		if withUsage {
			s.event("", map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1, "model": model, "choices": []any{}, "usage": openAIUsage})
		}
		s.raw("data: [DONE]\n\n")
	case "/v1/responses":
		respUsage := map[string]any{"input_tokens": n.Input + n.CachedInput, "output_tokens": n.Output, "total_tokens": n.Input + n.CachedInput + n.Output,
			"input_tokens_details": map[string]any{"cached_tokens": n.CachedInput}, "output_tokens_details": map[string]any{"reasoning_tokens": n.Reasoning}}
		done := map[string]any{"id": id, "object": "response", "model": model, "status": "completed",
			"output": []any{map[string]any{"type": "message", "role": "assistant", "content": []any{map[string]any{"type": "output_text", "text": text}}}}, "usage": respUsage}
		if !stream {
			writeJSON(w, done)
			return
		}
		s.event("response.created", map[string]any{"type": "response.created", "response": map[string]any{"id": id, "status": "in_progress", "usage": nil}})
		for _, p := range u.pieces {
			if !s.event("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "delta": p}) {
				return
			}
		}
		if u.cut {
			return
		}
		s.event("response.completed", map[string]any{"type": "response.completed", "response": done})
	case "/v1/embeddings":
		writeJSON(w, map[string]any{"object": "list", "model": model, "data": []any{map[string]any{"object": "embedding", "index": 0, "embedding": []float64{0.1, 0.2}}},
			"usage": map[string]any{"prompt_tokens": n.Input, "total_tokens": n.Input}})
	case "/v1/messages":
		start := map[string]any{"input_tokens": n.Input, "cache_read_input_tokens": n.CachedInput, "cache_creation_input_tokens": n.CacheWrite, "output_tokens": 1}
		if !stream {
			final := map[string]any{"input_tokens": n.Input, "cache_read_input_tokens": n.CachedInput, "cache_creation_input_tokens": n.CacheWrite, "output_tokens": n.Output}
			writeJSON(w, map[string]any{"id": id, "type": "message", "role": "assistant", "model": model,
				"content": []any{map[string]any{"type": "text", "text": text}}, "stop_reason": "end_turn", "usage": final})
			return
		}
		if len(u.pieces) == 0 && u.cut {
			return
		}
		s.event("message_start", map[string]any{"type": "message_start", "message": map[string]any{"id": id, "type": "message", "role": "assistant", "model": model, "content": []any{}, "usage": start}})
		s.event("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
		for _, p := range u.pieces {
			if !s.event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": p}}) {
				return
			}
		}
		if u.cut {
			return
		}
		s.event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
		s.event("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn"}, "usage": map[string]any{"output_tokens": n.Output}})
		s.event("message_stop", map[string]any{"type": "message_stop"})
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	json.NewEncoder(w).Encode(v)
}

// sse writes server-sent events, flushing each; after the first text event
// it waits on hold, when set.
type sse struct {
	w     http.ResponseWriter
	r     *http.Request
	hold  chan struct{}
	texts int
}

// event writes one event; false when the request ended while held.
func (s *sse) event(name string, v any) bool {
	b, _ := json.Marshal(v)
	if name != "" {
		s.raw("event: " + name + "\n")
	}
	s.raw("data: " + string(b) + "\n\n")
	if m, ok := v.(map[string]any); ok && (m["type"] == "content_block_delta" || m["type"] == "response.output_text.delta" || m["object"] == "chat.completion.chunk") {
		s.texts++
		if s.texts == 1 && s.hold != nil {
			select {
			case <-s.hold:
			case <-s.r.Context().Done():
				return false
			}
		}
	}
	return true
}

func (s *sse) raw(text string) {
	io.WriteString(s.w, text)
	s.w.(http.Flusher).Flush()
}
