// SPDX-License-Identifier: Apache-2.0

package client

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The usage readers take an answer's JSON as the provider sent it (the body
// of the HTTP response, or the RawJSON() of an openai-go or anthropic-sdk-go
// value) and write the token fields (FieldInputTokens …) with the model and
// provider as dimensions. model is the model you requested, so that prices
// keyed by model names match however the provider dates its answer; empty,
// the answer's own model is used.

type openAIUsage struct {
	Model string `json:"model"`
	Usage *struct {
		// Chat completions.
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		PromptTokensDetails struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionTokensDetails struct {
			ReasoningTokens int64 `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
		// Responses.
		InputTokens        int64 `json:"input_tokens"`
		OutputTokens       int64 `json:"output_tokens"`
		InputTokensDetails struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"input_tokens_details"`
		OutputTokensDetails struct {
			ReasoningTokens int64 `json:"reasoning_tokens"`
		} `json:"output_tokens_details"`
	} `json:"usage"`
	// A Responses stream's response.completed event carries the response.
	Response *openAIUsage `json:"response"`
}

// ErrNoUsage is returned by a usage reader for an answer without usage: a
// streamed chat completion asked without stream_options.include_usage, or a
// chunk other than the last.
var ErrNoUsage = errors.New("the answer reports no usage")

// OpenAIUsage reads the usage of an OpenAI chat completion
// (usage.prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens,
// completion_tokens_details.reasoning_tokens), of a Responses API response
// (usage.input_tokens, output_tokens, input_tokens_details.cached_tokens,
// output_tokens_details.reasoning_tokens), or of the last chunk of a stream:
// a chat completion chunk asked with stream_options.include_usage, or a
// response.completed event. OpenAI's input counts include the cached tokens,
// which are taken out of input_tokens so that each token is priced once.
func OpenAIUsage(answer []byte, model string) (Usage, error) {
	var a openAIUsage
	if err := json.Unmarshal(answer, &a); err != nil {
		return Usage{}, fmt.Errorf("read OpenAI usage: %w", err)
	}
	if a.Usage == nil && a.Response != nil {
		a = *a.Response
	}
	if a.Usage == nil {
		return Usage{}, ErrNoUsage
	}
	u := a.Usage
	in, cached, out, reasoning := u.PromptTokens, u.PromptTokensDetails.CachedTokens, u.CompletionTokens, u.CompletionTokensDetails.ReasoningTokens
	if in == 0 && out == 0 {
		in, cached, out, reasoning = u.InputTokens, u.InputTokensDetails.CachedTokens, u.OutputTokens, u.OutputTokensDetails.ReasoningTokens
	}
	return Usage{Data: tokenData("openai", or(model, a.Model), in-cached, cached, 0, out, reasoning)}, nil
}

type anthropicUsage struct {
	InputTokens              *int64 `json:"input_tokens"`
	OutputTokens             *int64 `json:"output_tokens"`
	CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
}

// merge takes the counts v reports: a message_delta's are cumulative and
// replace the message_start's.
func (u *anthropicUsage) merge(v anthropicUsage) {
	for _, p := range []struct{ dst, src **int64 }{
		{&u.InputTokens, &v.InputTokens}, {&u.OutputTokens, &v.OutputTokens},
		{&u.CacheCreationInputTokens, &v.CacheCreationInputTokens}, {&u.CacheReadInputTokens, &v.CacheReadInputTokens},
	} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
}

type anthropicAnswer struct {
	Type    string          `json:"type"`
	Model   string          `json:"model"`
	Usage   *anthropicUsage `json:"usage"`
	Message *struct {
		Model string          `json:"model"`
		Usage *anthropicUsage `json:"usage"`
	} `json:"message"`
}

// AnthropicUsage reads the usage of an Anthropic message (usage.input_tokens,
// output_tokens, cache_creation_input_tokens, cache_read_input_tokens), or
// of a stream: pass the data of its events, or only message_start and the
// last message_delta (whose counts are cumulative and replace the earlier
// ones). Anthropic's input_tokens already exclude cache reads and writes.
func AnthropicUsage(model string, answers ...[]byte) (Usage, error) {
	var total anthropicUsage
	seen := false
	for _, b := range answers {
		var a anthropicAnswer
		if err := json.Unmarshal(b, &a); err != nil {
			return Usage{}, fmt.Errorf("read Anthropic usage: %w", err)
		}
		if a.Message != nil { // message_start
			model = or(model, a.Message.Model)
			if a.Message.Usage != nil {
				total.merge(*a.Message.Usage)
				seen = true
			}
		}
		model = or(model, a.Model)
		if a.Usage != nil { // a message, or message_delta
			total.merge(*a.Usage)
			seen = true
		}
	}
	if !seen {
		return Usage{}, ErrNoUsage
	}
	v := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	return Usage{Data: tokenData("anthropic", model, v(total.InputTokens), v(total.CacheReadInputTokens),
		v(total.CacheCreationInputTokens), v(total.OutputTokens), 0)}, nil
}

// tokenData writes token counts as the event data the prices read.
func tokenData(provider, model string, input, cachedInput, cacheWrite, output, reasoning int64) map[string]any {
	n := func(v int64) int64 { return max(v, 0) }
	d := map[string]any{
		FieldProvider:          provider,
		FieldInputTokens:       n(input),
		FieldCachedInputTokens: n(cachedInput),
		FieldCacheWriteTokens:  n(cacheWrite),
		FieldOutputTokens:      n(output),
		FieldReasoningTokens:   n(reasoning),
		FieldTotalTokens:       n(input) + n(cachedInput) + n(cacheWrite) + n(output),
	}
	if model != "" {
		d[FieldModel] = model
	}
	return d
}

// Add returns the sum of two usages' token counts (two model calls in one
// metered piece of work); other data keys take u2's value when it has one,
// and the costs are both lists.
func (u Usage) Add(u2 Usage) Usage {
	out := Usage{Data: map[string]any{}, Costs: append(append([]Cost(nil), u.Costs...), u2.Costs...)}
	for k, v := range u.Data {
		out.Data[k] = v
	}
	for k, v := range u2.Data {
		if a, ok := out.Data[k].(int64); ok {
			if b, ok := v.(int64); ok {
				out.Data[k] = a + b
				continue
			}
		}
		out.Data[k] = v
	}
	return out
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
