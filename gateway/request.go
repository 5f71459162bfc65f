package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Provider names an upstream API, and is the `provider` dimension of the
// events the gateway records.
type Provider string

// The providers the gateway speaks.
const (
	OpenAI    Provider = "openai"
	Anthropic Provider = "anthropic"
)

// operation is one proxied endpoint.
type operation struct {
	provider Provider
	path     string // appended to the upstream's base URL
	// streams: the endpoint can answer with server-sent events.
	streams bool
	// chat: an OpenAI chat completion, whose streams carry usage only when
	// stream_options.include_usage is set.
	chat bool
}

var (
	opChat       = operation{provider: OpenAI, path: "/chat/completions", streams: true, chat: true}
	opResponses  = operation{provider: OpenAI, path: "/responses", streams: true}
	opEmbeddings = operation{provider: OpenAI, path: "/embeddings"}
	opMessages   = operation{provider: Anthropic, path: "/v1/messages", streams: true}
)

// call is what the gateway read from a request before sending it on.
type call struct {
	op     operation
	model  string
	stream bool
	// wantsUsage: the caller of a streamed chat asked for the usage chunk
	// itself; when it did not, the gateway asks for it and drops it.
	wantsUsage bool
	body       []byte // as sent upstream
	estimate   tokens // what the hold is for
}

// request is the part of a request body the gateway reads, across the four
// endpoints.
type request struct {
	Model               string          `json:"model"`
	Stream              bool            `json:"stream"`
	StreamOptions       json.RawMessage `json:"stream_options"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	MaxOutputTokens     *int64          `json:"max_output_tokens"`
}

// errBadRequest is a request the gateway cannot read; its message is shown
// to the caller.
type errBadRequest struct{ param, message string }

func (e *errBadRequest) Error() string { return e.message }

// parseCall reads a request body: the model, whether it streams, and the
// estimate the hold is made for. The input estimate is the body's length
// divided by 4 (about 4 characters a token), rounded up: it counts the JSON
// around the text too, so it errs high, as a hold should. The output estimate
// is the request's own cap (max_tokens, max_completion_tokens,
// max_output_tokens), else defaultMax; embeddings have no output.
func parseCall(op operation, body []byte, defaultMax int64) (call, error) {
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		return call{}, &errBadRequest{message: "the request body is not a JSON object: " + jsonReason(err)}
	}
	if req.Model == "" {
		return call{}, &errBadRequest{param: "model", message: "model is required"}
	}
	c := call{op: op, model: req.Model, stream: req.Stream && op.streams, body: body}
	c.estimate.Input = (int64(len(body)) + 3) / 4
	if op != opEmbeddings {
		c.estimate.Output = defaultMax
		for _, m := range []*int64{req.MaxCompletionTokens, req.MaxTokens, req.MaxOutputTokens} {
			if m != nil && *m > 0 {
				c.estimate.Output = *m
				break
			}
		}
	}
	if c.stream && op.chat {
		var err error
		if c.wantsUsage, c.body, err = includeUsage(body, req.StreamOptions); err != nil {
			return call{}, err
		}
	}
	return c, nil
}

// includeUsage returns whether a streamed chat request already asks for the
// usage chunk, and the body to send: the same bytes when it does, else the
// body with stream_options.include_usage set to true (its other options
// kept), since a chat stream reports usage only then.
func includeUsage(body []byte, raw json.RawMessage) (bool, []byte, error) {
	opts := map[string]json.RawMessage{}
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		if err := json.Unmarshal(raw, &opts); err != nil {
			return false, nil, &errBadRequest{param: "stream_options", message: "stream_options must be an object"}
		}
	}
	if bytes.Equal(opts["include_usage"], []byte("true")) {
		return true, body, nil
	}
	opts["include_usage"] = json.RawMessage("true")
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return false, nil, &errBadRequest{message: "the request body is not a JSON object: " + jsonReason(err)}
	}
	var err error
	if fields["stream_options"], err = json.Marshal(opts); err != nil {
		return false, nil, fmt.Errorf("encode stream_options: %w", err)
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return false, nil, fmt.Errorf("encode request: %w", err)
	}
	return false, out, nil
}

func jsonReason(err error) string {
	if e, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("%s must be a %s", e.Field, e.Type)
	}
	return err.Error()
}
