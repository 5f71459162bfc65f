//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgatehq/tollgate/internal/testdb"
)

// TestGatewayOfficialClients runs tests/gatewayclient/compare.mjs on Node 22:
// the official openai and @anthropic-ai/sdk clients (sdk/typescript's),
// pointed once at a mock provider and once at the real binary's gateway in
// front of it, get the same parsed answers and the same raw bytes, every
// streamed event included, for chat completions, responses and messages,
// streamed and not. Then every call through the gateway was recorded once,
// under the provider's response id.
func TestGatewayOfficialClients(t *testing.T) {
	t.Parallel()
	sdk := typeScriptSDK(t)
	node := sdk.needNode22(t)
	const openAIKey, anthropicKey = "sk-mock-openai-0123456789", "sk-ant-mock-0123456789"
	up := httptest.NewServer(deterministicLLM(t, openAIKey, anthropicKey))
	t.Cleanup(up.Close)
	dbURL := testdb.URL(t)
	addr, _ := startServe(t, "TOLLGATE_DATABASE_URL="+dbURL, "TOLLGATE_OPENAI_API_KEY="+openAIKey, "TOLLGATE_OPENAI_BASE_URL="+up.URL+"/v1",
		"TOLLGATE_ANTHROPIC_API_KEY="+anthropicKey, "TOLLGATE_ANTHROPIC_BASE_URL="+up.URL)
	key := createKey(t, dbURL)
	gatewaySetUp(t, addr, key)
	dir, err := filepath.Abs("../../tests/gatewayclient")
	if err != nil {
		t.Fatal(err)
	}
	out := runNode(t, node, dir, []string{"GATEWAY=http://" + addr, "TOLLGATE_API_KEY=" + key, "UPSTREAM=" + up.URL,
		"OPENAI_KEY=" + openAIKey, "ANTHROPIC_KEY=" + anthropicKey}, "compare.mjs")
	t.Logf("node %s:\n%s", nodeVersion(node), out)
	if !strings.Contains(out, "ok 8 calls") {
		t.Fatalf("compare.mjs printed:\n%s\nwant ok 8 calls", out)
	}

	// Each call's usage is recorded moments after its answer ended.
	var events struct {
		Data []struct{ ID string } `json:"data"`
	}
	gatewayEventually(t, "the 8 calls' events", func() (bool, string) {
		status, body := gatewayGet(t, addr, key, "/v1/events?customer=user_1&limit=100", &events)
		return status == http.StatusOK && len(events.Data) >= 8, body
	})
	got := map[string]bool{}
	for _, e := range events.Data {
		got[e.ID] = true
	}
	for _, id := range []string{"openai:chatcmpl-chat-plain", "openai:chatcmpl-chat-stream", "openai:chatcmpl-chat-stream-usage",
		"openai:resp_responses-plain", "openai:resp_responses-stream", "anthropic:msg_messages-plain", "anthropic:msg_messages-stream",
		"anthropic:msg_messages-helper"} {
		if !got[id] {
			t.Errorf("no event %s among %v: every gateway call is recorded under its response id", id, got)
		}
	}
	if len(events.Data) != 8 {
		t.Errorf("%d events, want 8 (one per call through the gateway)", len(events.Data))
	}
}

// deterministicLLM is a mock of OpenAI's chat completions and responses and
// Anthropic's messages whose answers depend only on the path, the model, and
// whether the call streams (and, for a chat stream, asks for its usage), so
// two calls of one request get the same bytes. Its ids are the model's:
// chatcmpl-<model>, resp_<model>, msg_<model>. It accepts only the given
// provider keys.
func deterministicLLM(t *testing.T, openAIKey, anthropicKey string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body struct {
			Model         string `json:"model"`
			Stream        bool   `json:"stream"`
			StreamOptions struct {
				IncludeUsage bool `json:"include_usage"`
			} `json:"stream_options"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, `{"error":{"message":"not JSON"}}`, http.StatusBadRequest)
			return
		}
		anthropic := r.URL.Path == "/v1/messages"
		// The Anthropic SDK sends its key as a bearer token; the gateway, as
		// x-api-key.
		if (anthropic && r.Header.Get("X-Api-Key") != anthropicKey && r.Header.Get("Authorization") != "Bearer "+anthropicKey) ||
			(!anthropic && r.Header.Get("Authorization") != "Bearer "+openAIKey) {
			http.Error(w, `{"error":{"message":"bad provider key"}}`, http.StatusUnauthorized)
			return
		}
		m := body.Model
		var events []string // each written and flushed on its own
		switch r.URL.Path {
		case "/v1/chat/completions":
			usage := `{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}}`
			if !body.Stream {
				writeBody(w, "application/json", `{"id":"chatcmpl-`+m+`","object":"chat.completion","created":1767225600,"model":"`+m+`","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the mock.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":`+usage+`,"service_tier":"default","system_fingerprint":"fp_mock"}`)
				return
			}
			nullUsage := ""
			if body.StreamOptions.IncludeUsage {
				nullUsage = `,"usage":null`
			}
			chunk := func(choices string) string {
				return `data: {"id":"chatcmpl-` + m + `","object":"chat.completion.chunk","created":1767225600,"model":"` + m + `","service_tier":"default","system_fingerprint":"fp_mock","choices":` + choices + nullUsage + "}\n\n"
			}
			events = append(events, chunk(`[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]`))
			for _, p := range []string{"Hello", " from", " the mock."} {
				events = append(events, chunk(`[{"index":0,"delta":{"content":"`+p+`"},"logprobs":null,"finish_reason":null}]`))
			}
			events = append(events, chunk(`[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]`))
			if body.StreamOptions.IncludeUsage {
				events = append(events, `data: {"id":"chatcmpl-`+m+`","object":"chat.completion.chunk","created":1767225600,"model":"`+m+`","service_tier":"default","system_fingerprint":"fp_mock","choices":[],"usage":`+usage+"}\n\n")
			}
			events = append(events, "data: [DONE]\n\n")
		case "/v1/responses":
			usage := `{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":5,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":17}`
			message := `{"id":"msg_` + m + `","type":"message","status":"completed","content":[{"type":"output_text","annotations":[],"logprobs":[],"text":"Hello from the mock."}],"role":"assistant"}`
			response := func(status, output, usage string) string {
				return `{"id":"resp_` + m + `","object":"response","created_at":1767225600,"status":"` + status + `","error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":64,"model":"` + m + `","output":[` + output + `],"parallel_tool_calls":true,"temperature":1.0,"tool_choice":"auto","tools":[],"top_p":1.0,"usage":` + usage + `}`
			}
			if !body.Stream {
				writeBody(w, "application/json", response("completed", message, usage))
				return
			}
			seq := 0
			event := func(typ, rest string) {
				events = append(events, fmt.Sprintf("event: %s\ndata: {\"type\":\"%s\",\"sequence_number\":%d,%s}\n\n", typ, typ, seq, rest))
				seq++
			}
			event("response.created", `"response":`+response("in_progress", "", "null"))
			event("response.in_progress", `"response":`+response("in_progress", "", "null"))
			event("response.output_item.added", `"output_index":0,"item":{"id":"msg_`+m+`","type":"message","status":"in_progress","content":[],"role":"assistant"}`)
			event("response.content_part.added", `"item_id":"msg_`+m+`","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}`)
			for _, p := range []string{"Hello", " from", " the mock."} {
				event("response.output_text.delta", `"item_id":"msg_`+m+`","output_index":0,"content_index":0,"delta":"`+p+`","logprobs":[]`)
			}
			event("response.output_text.done", `"item_id":"msg_`+m+`","output_index":0,"content_index":0,"text":"Hello from the mock.","logprobs":[]`)
			event("response.content_part.done", `"item_id":"msg_`+m+`","output_index":0,"content_index":0,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":"Hello from the mock."}`)
			event("response.output_item.done", `"output_index":0,"item":`+message)
			event("response.completed", `"response":`+response("completed", message, usage))
		case "/v1/messages":
			usage := `{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5,"service_tier":"standard"}`
			if !body.Stream {
				writeBody(w, "application/json", `{"id":"msg_`+m+`","type":"message","role":"assistant","model":"`+m+`","content":[{"type":"text","text":"Hello from the mock."}],"stop_reason":"end_turn","stop_sequence":null,"usage":`+usage+`}`)
				return
			}
			event := func(typ, data string) { events = append(events, "event: "+typ+"\ndata: "+data+"\n\n") }
			event("message_start", `{"type":"message_start","message":{"id":"msg_`+m+`","type":"message","role":"assistant","model":"`+m+`","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}}}`)
			event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
			event("ping", `{"type": "ping"}`)
			for _, p := range []string{"Hello", " from", " the mock."} {
				event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`+p+`"}}`)
			}
			event("content_block_stop", `{"type":"content_block_stop","index":0}`)
			event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}`)
			event("message_stop", `{"type":"message_stop"}`)
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		for _, e := range events {
			io.WriteString(w, e)
			w.(http.Flusher).Flush()
		}
	})
}

func writeBody(w http.ResponseWriter, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	io.WriteString(w, body)
}
