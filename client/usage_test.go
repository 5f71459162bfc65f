package client_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tollgatehq/tollgate/client"
)

// The readers write every token field, disjoint input counts and the
// requested model (else the answer's), as the TypeScript SDK does.
func TestGoClientUsageReaders(t *testing.T) {
	t.Parallel()
	tokens := func(provider, model string, in, cached, write, out, reasoning int64) map[string]any {
		return map[string]any{"provider": provider, "model": model, "input_tokens": in, "cached_input_tokens": cached,
			"cache_write_tokens": write, "output_tokens": out, "reasoning_tokens": reasoning, "total_tokens": in + cached + write + out}
	}
	for _, tc := range []struct {
		name string
		read func() (client.Usage, error)
		want map[string]any
	}{
		{"OpenAIChat", func() (client.Usage, error) { return client.OpenAIUsage([]byte(chatCompletion), "gpt-4o-mini") },
			tokens("openai", "gpt-4o-mini", 1000, 200, 0, 300, 0)},
		{"OpenAIChatAnswersModel", func() (client.Usage, error) { return client.OpenAIUsage([]byte(chatCompletion), "") },
			tokens("openai", "gpt-4o-mini-2024-07-18", 1000, 200, 0, 300, 0)},
		{"OpenAIResponses", func() (client.Usage, error) {
			return client.OpenAIUsage([]byte(`{"id": "resp_1", "object": "response", "model": "o4-mini",
				"usage": {"input_tokens": 500, "input_tokens_details": {"cached_tokens": 100},
				"output_tokens": 900, "output_tokens_details": {"reasoning_tokens": 700}, "total_tokens": 1400}}`), "")
		}, tokens("openai", "o4-mini", 400, 100, 0, 900, 700)},
		{"OpenAIStreamLastChunk", func() (client.Usage, error) {
			return client.OpenAIUsage([]byte(`{"id": "c", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": [],
				"usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}}`), "gpt-4o-mini")
		}, tokens("openai", "gpt-4o-mini", 12, 0, 0, 5, 0)},
		{"OpenAIResponsesCompletedEvent", func() (client.Usage, error) {
			return client.OpenAIUsage([]byte(`{"type": "response.completed", "response": {"model": "gpt-4.1",
				"usage": {"input_tokens": 30, "output_tokens": 7}}}`), "")
		}, tokens("openai", "gpt-4.1", 30, 0, 0, 7, 0)},
		{"AnthropicMessage", func() (client.Usage, error) {
			return client.AnthropicUsage("claude-sonnet-4-5", []byte(`{"id": "msg_1", "type": "message", "model": "claude-sonnet-4-5-20250929",
				"usage": {"input_tokens": 50, "cache_creation_input_tokens": 1000, "cache_read_input_tokens": 2000, "output_tokens": 80}}`))
		}, tokens("anthropic", "claude-sonnet-4-5", 50, 2000, 1000, 80, 0)},
		{"AnthropicStream", func() (client.Usage, error) {
			return client.AnthropicUsage("",
				[]byte(`{"type": "message_start", "message": {"model": "claude-haiku-4-5", "usage": {"input_tokens": 25, "cache_read_input_tokens": 10, "output_tokens": 1}}}`),
				[]byte(`{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}`),
				[]byte(`{"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 15}}`),
				[]byte(`{"type": "message_delta", "delta": {}, "usage": {"output_tokens": 42}}`))
		}, tokens("anthropic", "claude-haiku-4-5", 25, 10, 0, 42, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.read()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, u.Data); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("ErrNoUsage", func(t *testing.T) {
		if _, err := client.OpenAIUsage([]byte(`{"object": "chat.completion.chunk", "choices": [{"delta": {"content": "Hi"}}]}`), "m"); !errors.Is(err, client.ErrNoUsage) {
			t.Errorf("OpenAIUsage(a chunk without usage) = %v, want ErrNoUsage", err)
		}
		if _, err := client.AnthropicUsage("m", []byte(`{"type": "ping"}`)); !errors.Is(err, client.ErrNoUsage) {
			t.Errorf("AnthropicUsage(ping) = %v, want ErrNoUsage", err)
		}
	})
	t.Run("Add", func(t *testing.T) {
		a, _ := client.OpenAIUsage([]byte(chatCompletion), "gpt-4o-mini")
		b, _ := client.OpenAIUsage([]byte(chatCompletion), "gpt-4o-mini")
		if diff := cmp.Diff(tokens("openai", "gpt-4o-mini", 2000, 400, 0, 600, 0), a.Add(b).Data); diff != "" {
			t.Errorf("two calls' usage (-want +got):\n%s", diff)
		}
	})
}
