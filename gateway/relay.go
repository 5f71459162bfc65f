package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"unicode/utf8"
)

// outcome is what the gateway saw of an upstream answer that it passed on.
type outcome struct {
	responseID string
	usage      wireUsage
	// reported: the provider's final usage arrived (OpenAI's usage object or
	// usage chunk, Responses' response.completed, Anthropic's
	// message_delta); inputReported: Anthropic's message_start did.
	reported, inputReported bool
	// chars counts the text (and tool-call arguments) that reached the
	// caller, for the estimate of an answer cut before its usage.
	chars int64
	// clientGone: writing to the caller failed, so the relay stopped.
	clientGone bool
}

// hopHeaders are not copied from the upstream's answer: they describe one
// connection, a body the gateway does not pass as is (the transport
// decompresses it; a stream may lose a chunk), or the platform's own
// provider account, which is none of the caller's business.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true, "Trailer": true, "Upgrade": true,
	"Proxy-Authenticate": true, "Content-Length": true, "Content-Encoding": true, "Set-Cookie": true,
	"Openai-Organization": true, "Openai-Project": true, "Anthropic-Organization-Id": true,
}

func copyHeaders(dst, src http.Header) {
	for k, vs := range src {
		if !hopHeaders[http.CanonicalHeaderKey(k)] {
			dst[k] = vs
		}
	}
}

// maxAnswer bounds a non-streamed answer the gateway holds to read its usage.
const maxAnswer = 64 << 20

// relayBody passes a whole (non-streamed, or error) answer on and reads its
// id and usage.
func relayBody(w http.ResponseWriter, resp *http.Response, c call) (outcome, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return outcome{}, err
	}
	copyHeaders(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	var o outcome
	if _, err := w.Write(body); err != nil {
		o.clientGone = true
	}
	var a struct {
		ID    string     `json:"id"`
		Usage *wireUsage `json:"usage"`
	}
	if json.Unmarshal(body, &a) == nil {
		o.responseID = a.ID
		if a.Usage != nil {
			o.usage, o.reported = *a.Usage, true
		}
	}
	if !o.reported {
		o.chars = int64(utf8.RuneCount(body))
	}
	return o, nil
}

// relayStream passes a server-sent event stream on one event at a time,
// flushing each as it arrives, and reads the id, usage and text on the way.
// Events are written as the bytes received, except the usage chunk of an
// OpenAI chat stream whose caller did not ask for it. It stops when the
// upstream ends or fails, or when a write to the caller fails.
func relayStream(w http.ResponseWriter, resp *http.Response, c call) outcome {
	copyHeaders(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	rc.Flush()
	var o outcome
	br := bufio.NewReaderSize(resp.Body, 32<<10)
	var ev []byte
	for {
		line, err := br.ReadSlice('\n')
		ev = append(ev, line...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		end := err != nil
		if !end && len(bytes.TrimRight(line, "\r\n")) != 0 {
			continue // the event goes on
		}
		if len(ev) > 0 {
			drop, chars := o.read(c, ev)
			if c.op.chat && !c.wantsUsage && !drop {
				ev = dropNullUsage(ev)
			}
			if !drop {
				if _, werr := w.Write(ev); werr != nil {
					o.clientGone = true
					return o
				}
				if ferr := rc.Flush(); ferr != nil {
					o.clientGone = true
					return o
				}
				o.chars += chars
			}
			ev = ev[:0]
		}
		if end {
			return o
		}
	}
}

// streamEvent is the part of one streamed event the gateway reads, across
// OpenAI chat chunks, Responses events and Anthropic message events.
type streamEvent struct {
	Type    string     `json:"type"`
	ID      string     `json:"id"`
	Usage   *wireUsage `json:"usage"`
	Choices []struct {
		Delta struct {
			Content   string `json:"content"`
			Refusal   string `json:"refusal"`
			ToolCalls []struct {
				Function struct {
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
	} `json:"choices"`
	// Delta is a string in Responses' *.delta events and an object in
	// Anthropic's content_block_delta.
	Delta    json.RawMessage `json:"delta"`
	Message  *streamObject   `json:"message"`  // Anthropic message_start
	Response *streamObject   `json:"response"` // Responses lifecycle events
}

type streamObject struct {
	ID    string     `json:"id"`
	Usage *wireUsage `json:"usage"`
}

type anthropicDelta struct {
	Text        string `json:"text"`
	PartialJSON string `json:"partial_json"`
	Thinking    string `json:"thinking"`
}

// read takes what the gateway needs from one raw event: it returns whether
// the event is dropped and the characters of text it carries.
func (o *outcome) read(c call, ev []byte) (drop bool, chars int64) {
	data := sseData(ev)
	if len(data) == 0 || data[0] != '{' {
		return false, 0 // comments, pings, [DONE]
	}
	var e streamEvent
	if json.Unmarshal(data, &e) != nil {
		return false, 0
	}
	count := func(s ...string) {
		for _, x := range s {
			chars += int64(utf8.RuneCountInString(x))
		}
	}
	switch c.op.provider {
	case Anthropic:
		switch e.Type {
		case "message_start":
			if e.Message != nil {
				o.responseID = e.Message.ID
				if e.Message.Usage != nil {
					o.usage, o.inputReported = *e.Message.Usage, true
				}
			}
		case "message_delta":
			if e.Usage != nil {
				o.usage.replace(e.Usage)
				o.reported = true
			}
		case "content_block_delta":
			var d anthropicDelta
			if json.Unmarshal(e.Delta, &d) == nil {
				count(d.Text, d.PartialJSON, d.Thinking)
			}
		}
	default:
		if e.Response != nil { // Responses
			if o.responseID == "" {
				o.responseID = e.Response.ID
			}
			if e.Response.Usage != nil {
				o.usage, o.reported = *e.Response.Usage, true
			}
		} else if e.ID != "" && o.responseID == "" { // chat chunks
			o.responseID = e.ID
		}
		var s string
		if len(e.Delta) > 0 && json.Unmarshal(e.Delta, &s) == nil {
			count(s)
		}
		for _, ch := range e.Choices {
			count(ch.Delta.Content, ch.Delta.Refusal)
			for _, tc := range ch.Delta.ToolCalls {
				count(tc.Function.Arguments)
			}
		}
		if c.op.chat && e.Usage != nil {
			o.usage, o.reported = *e.Usage, true
			// The usage chunk (empty choices) goes only to a caller who asked.
			drop = !c.wantsUsage && len(e.Choices) == 0
		}
	}
	return drop, chars
}

// sseData joins the data lines of one event, as the SSE format says.
func sseData(ev []byte) []byte {
	var out []byte
	n := 0
	for line := range bytes.Lines(ev) {
		line = bytes.TrimRight(line, "\r\n")
		v, ok := bytes.CutPrefix(line, []byte("data:"))
		if !ok {
			continue
		}
		v = bytes.TrimPrefix(v, []byte(" "))
		if n > 0 {
			out = append(out, '\n')
		}
		out = append(out, v...)
		n++
	}
	return out
}

// dropNullUsage removes the top-level "usage": null member of a chat chunk
// event whose caller did not ask for the usage: OpenAI writes that member on
// every chunk only when stream_options.include_usage is set, which the
// gateway set for itself, so without it the caller gets the chunks as it
// asked for them, byte for byte. An event with another shape (several data
// lines, no such member, JSON it cannot read) is returned as it is.
func dropNullUsage(ev []byte) []byte {
	if !bytes.Contains(ev, []byte(`"usage"`)) {
		return ev
	}
	start, end := -1, -1
	for i := 0; i < len(ev); {
		j := bytes.IndexByte(ev[i:], '\n')
		if j < 0 {
			j = len(ev) - i
		}
		line := ev[i : i+j]
		if rest, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			if start >= 0 {
				return ev // several data lines
			}
			start = i + len(line) - len(bytes.TrimPrefix(rest, []byte(" ")))
			end = i + len(bytes.TrimRight(line, "\r"))
		}
		i += j + 1
	}
	if start < 0 {
		return ev
	}
	from, to, ok := nullMember(ev[start:end], "usage")
	if !ok {
		return ev
	}
	out := make([]byte, 0, len(ev)-(to-from))
	out = append(out, ev[:start+from]...)
	return append(out, ev[start+to:]...)
}

// nullMember finds the top-level member key: null of a JSON object and
// returns the bytes to cut to remove it with its comma.
func nullMember(obj []byte, key string) (from, to int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, 0, false
	}
	first := true
	for dec.More() {
		prev := int(dec.InputOffset())
		k, err := dec.Token()
		if err != nil {
			return 0, 0, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return 0, 0, false
		}
		if k == key && bytes.Equal(v, []byte("null")) {
			from, to = prev, int(dec.InputOffset())
			if first { // from is the key: take the comma after it, and the space up to the next key
				rest := obj[to:]
				trimmed := bytes.TrimLeft(rest, " \t\r\n")
				if !bytes.HasPrefix(trimmed, []byte(",")) {
					return from, to, true
				}
				to += len(rest) - len(bytes.TrimLeft(trimmed[1:], " \t\r\n"))
			}
			return from, to, true
		}
		first = false
	}
	return 0, 0, false
}
