// SPDX-License-Identifier: Apache-2.0

// Command chat is a tiny chat endpoint billed per token with Tollgate's Go
// client: POST /chat {"prompt": "…"} with the user in X-User-Id and the
// request's Idempotency-Key. Each answer is metered with client.Meter: the
// hold before the model is called, the tokens the model reported recorded
// under the request's key, the hold voided when the model fails, and 402
// with the shortfall when the user cannot pay.
//
// The model is a stand-in that answers in OpenAI's chat completion shape;
// swap in a real call that returns the response's JSON.
//
//	TOLLGATE_API_KEY=tg_test_… go run ./examples/go    # http://127.0.0.1:8090
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"

	"github.com/tollgatehq/tollgate/client"
)

// Model answers a prompt with the provider's response JSON.
type Model func(ctx context.Context, prompt string) ([]byte, error)

// EventType is the event type of the per-token product (docs/INTEGRATE.md).
const EventType = "llm.tokens"

const model = "gpt-4o-mini"

// chat serves POST /chat.
func chat(tg *client.Client, llm Model) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Prompt string `json:"prompt"`
		}
		user, key := r.Header.Get("X-User-Id"), r.Header.Get("Idempotency-Key")
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || user == "" || key == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "send {\"prompt\"} with X-User-Id and Idempotency-Key"})
			return
		}
		var reply string
		ev, err := tg.Meter(r.Context(), client.MeterInput{Customer: user, EventType: EventType, IdempotencyKey: "chat-" + key,
			Estimate: map[string]any{"model": model, "input_tokens": 4000, "output_tokens": 1000}},
			func(ctx context.Context, _ *client.Hold) (client.Usage, error) {
				body, err := llm(ctx, in.Prompt)
				if err != nil {
					return client.Usage{}, err
				}
				var c struct {
					Choices []struct {
						Message struct {
							Content string `json:"content"`
						} `json:"message"`
					} `json:"choices"`
				}
				if err := json.Unmarshal(body, &c); err != nil || len(c.Choices) == 0 {
					return client.Usage{}, fmt.Errorf("the model's answer has no choice: %s", body)
				}
				reply = c.Choices[0].Message.Content
				return client.OpenAIUsage(body, model)
			})
		var declined *client.DeclinedError
		switch {
		case errors.As(err, &declined):
			a := declined.Authorization
			writeJSON(w, http.StatusPaymentRequired, map[string]string{"error": string(a.DeclineReason), "shortfall": a.Shortfall, "asset": a.Asset})
		case err != nil:
			log.Printf("chat for %s: %v", user, err)
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": "the model failed; nothing was charged"})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"reply": reply, "event": ev.ID, "fees": ev.Fees})
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// standIn answers like OpenAI's chat completions: it echoes the prompt and
// reports a token a word (of the prompt, and of the answer).
func standIn(_ context.Context, prompt string) ([]byte, error) {
	answer := "You said: " + prompt
	in, out := len(strings.Fields(prompt)), len(strings.Fields(answer))
	return json.Marshal(map[string]any{
		"object":  "chat.completion",
		"model":   model + "-2024-07-18",
		"choices": []any{map[string]any{"index": 0, "message": map[string]string{"role": "assistant", "content": answer}}},
		"usage":   map[string]int{"prompt_tokens": in, "completion_tokens": out, "total_tokens": in + out},
	})
}

func main() {
	addr := os.Getenv("CHAT_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8090"
	}
	log.Printf("chat on http://%s/chat", addr)
	log.Fatal(http.ListenAndServe(addr, routes(client.New(client.Options{}), standIn)))
}

// routes is the app: one endpoint.
func routes(tg *client.Client, llm Model) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("POST /chat", chat(tg, llm))
	return mux
}
