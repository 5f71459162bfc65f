package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/rating"
)

// tokens is a call's usage in the shape every Tollgate usage reader writes
// (the TypeScript and Python SDKs' meter): the input fields are disjoint
// (Input at the full rate, CachedInput read from the provider's prompt cache,
// CacheWrite written to it), Reasoning is part of Output, and the total is
// input + cached input + cache write + output.
type tokens struct {
	Input, CachedInput, CacheWrite, Output, Reasoning int64
}

func (t tokens) total() int64 { return t.Input + t.CachedInput + t.CacheWrite + t.Output }

// data is the usage event's data: the token fields, always all of them, with
// the provider and model as dimensions, so that the product that prices the
// SDKs' events prices the gateway's the same way.
func (t tokens) data(p Provider, model string) map[string]any {
	n := func(v int64) json.Number { return json.Number(strconv.FormatInt(max(v, 0), 10)) }
	d := map[string]any{
		"provider":            string(p),
		"input_tokens":        n(t.Input),
		"cached_input_tokens": n(t.CachedInput),
		"cache_write_tokens":  n(t.CacheWrite),
		"output_tokens":       n(t.Output),
		"reasoning_tokens":    n(t.Reasoning),
		"total_tokens":        n(t.total()),
	}
	if model != "" {
		d["model"] = model
	}
	return d
}

// costs is what the provider charges for the tokens, by the account's cost
// table, under the provider's name as the vendor: nil (unknown) when the
// table has no row for the model or no rate for a kind of token used.
// Reasoning tokens are part of the output and not counted twice.
func (t tokens) costs(g billing.GatewaySettings, p Provider, model string) []rating.Cost {
	m, ok := g.Cost(string(p), model)
	if !ok {
		return nil
	}
	amount, ok := m.Amount(t.Input, t.CachedInput, t.CacheWrite, t.Output)
	if !ok {
		return nil
	}
	return []rating.Cost{{Vendor: string(p), Amount: amount, Currency: m.Currency}}
}

// wireUsage is a `usage` object as any of the four APIs writes it: OpenAI
// chat and embeddings (prompt_tokens, completion_tokens), OpenAI responses
// (input_tokens, output_tokens) and Anthropic messages (input_tokens,
// output_tokens, cache_read_input_tokens, cache_creation_input_tokens).
// Pointers tell a field that is absent from one that is 0, for Anthropic's
// message_delta whose fields replace message_start's.
type wireUsage struct {
	PromptTokens     *int64 `json:"prompt_tokens"`
	CompletionTokens *int64 `json:"completion_tokens"`
	InputTokens      *int64 `json:"input_tokens"`
	OutputTokens     *int64 `json:"output_tokens"`
	CacheRead        *int64 `json:"cache_read_input_tokens"`
	CacheCreation    *int64 `json:"cache_creation_input_tokens"`

	PromptDetails     *tokenDetails `json:"prompt_tokens_details"`
	InputDetails      *tokenDetails `json:"input_tokens_details"`
	CompletionDetails *tokenDetails `json:"completion_tokens_details"`
	OutputDetails     *tokenDetails `json:"output_tokens_details"`
}

type tokenDetails struct {
	Cached    int64 `json:"cached_tokens"`
	Reasoning int64 `json:"reasoning_tokens"`
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// tokens reads the usage as the SDKs' readers do: OpenAI counts cached tokens
// inside its prompt or input tokens, so they are taken out of Input; for
// Anthropic, input_tokens already excludes cache reads and writes.
func (u *wireUsage) tokens(p Provider) tokens {
	if p == Anthropic {
		return tokens{Input: val(u.InputTokens), CachedInput: val(u.CacheRead), CacheWrite: val(u.CacheCreation), Output: val(u.OutputTokens)}
	}
	var t tokens
	if u.PromptTokens != nil { // chat completions, embeddings
		t.Input, t.Output = val(u.PromptTokens), val(u.CompletionTokens)
		if u.PromptDetails != nil {
			t.CachedInput = u.PromptDetails.Cached
		}
		if u.CompletionDetails != nil {
			t.Reasoning = u.CompletionDetails.Reasoning
		}
	} else { // responses
		t.Input, t.Output = val(u.InputTokens), val(u.OutputTokens)
		if u.InputDetails != nil {
			t.CachedInput = u.InputDetails.Cached
		}
		if u.OutputDetails != nil {
			t.Reasoning = u.OutputDetails.Reasoning
		}
	}
	t.Input -= t.CachedInput
	return t
}

// replace overwrites u's fields with those present in d: Anthropic's
// message_delta carries final counts that replace message_start's.
func (u *wireUsage) replace(d *wireUsage) {
	for _, f := range []struct{ dst, src **int64 }{
		{&u.InputTokens, &d.InputTokens}, {&u.OutputTokens, &d.OutputTokens},
		{&u.CacheRead, &d.CacheRead}, {&u.CacheCreation, &d.CacheCreation},
	} {
		if *f.src != nil {
			*f.dst = *f.src
		}
	}
}
