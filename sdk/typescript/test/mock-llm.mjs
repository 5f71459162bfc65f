// SPDX-License-Identifier: Apache-2.0
//
// A stand-in for the OpenAI and Anthropic HTTP APIs, enough for their
// official clients: chat completions, responses and messages, streamed
// (server-sent events) or not, each reporting fixed usage (USAGE below). A
// request for the model "fail" is answered 400, the way the providers refuse
// a bad request. Every request is kept in `requests`.
//
// Run as a program it listens on a free loopback port and prints its base
// URL on its first line (for the README, the guide and the example app).
import { createServer } from "node:http";

/** What the mock reports, per API. */
export const USAGE = Object.freeze({
  chat: { prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801, prompt_tokens_details: { cached_tokens: 234 }, completion_tokens_details: { reasoning_tokens: 67 } },
  responses: { input_tokens: 1500, input_tokens_details: { cached_tokens: 500 }, output_tokens: 250, output_tokens_details: { reasoning_tokens: 50 }, total_tokens: 1750 },
  // Anthropic: input_tokens exclude the cache reads and writes.
  messages: { input_tokens: 1000, cache_creation_input_tokens: 2000, cache_read_input_tokens: 3000, output_tokens: 400 },
});

/** The answer's text, in three pieces when streamed. */
export const REPLY = ["Hello", " from", " the mock"];

/** @returns {Promise<{url: string, requests: {path: string, body: any}[], close(): Promise<void>}>} */
export async function startMockLLM() {
  const requests = [];
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : {};
    requests.push({ path: req.url, body });
    if (body.model === "fail") {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "model fail refused by the mock" }, type: "error" }));
      return;
    }
    const path = new URL(req.url, "http://mock").pathname;
    if (path === "/v1/chat/completions") return chat(body, res);
    if (path === "/v1/responses") return responses(body, res);
    if (path === "/v1/messages") return messages(body, res);
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function json(res, value) {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function sse(res, events) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const e of events) {
    if (e === "[DONE]") res.write("data: [DONE]\n\n");
    else if (e.event) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    else res.write(`data: ${JSON.stringify(e)}\n\n`);
  }
  res.end();
}

const created = 1767225600;

function chat(body, res) {
  const base = { id: "chatcmpl-mock", object: "chat.completion", created, model: `${body.model}-2025-01-01` };
  if (!body.stream) {
    return json(res, {
      ...base,
      choices: [{ index: 0, message: { role: "assistant", content: REPLY.join(""), refusal: null }, finish_reason: "stop", logprobs: null }],
      usage: USAGE.chat,
    });
  }
  const withUsage = body.stream_options?.include_usage === true;
  const chunk = (choices, extra = {}) => ({ ...base, object: "chat.completion.chunk", choices, ...(withUsage ? { usage: null } : {}), ...extra });
  const events = [chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }])];
  for (const piece of REPLY) events.push(chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]));
  events.push(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
  if (withUsage) events.push(chunk([], { usage: USAGE.chat }));
  events.push("[DONE]");
  sse(res, events);
}

function responses(body, res) {
  const response = (status, output, usage) => ({
    id: "resp_mock",
    object: "response",
    created_at: created,
    status,
    model: `${body.model}-2025-01-01`,
    output,
    usage,
  });
  const message = { type: "message", id: "msg_mock", status: "completed", role: "assistant", content: [{ type: "output_text", text: REPLY.join(""), annotations: [] }] };
  if (!body.stream) return json(res, response("completed", [message], USAGE.responses));
  const events = [{ event: "response.created", data: { type: "response.created", sequence_number: 0, response: response("in_progress", [], null) } }];
  REPLY.forEach((delta, i) =>
    events.push({ event: "response.output_text.delta", data: { type: "response.output_text.delta", sequence_number: i + 1, item_id: "msg_mock", output_index: 0, content_index: 0, delta } }),
  );
  events.push({ event: "response.completed", data: { type: "response.completed", sequence_number: 9, response: response("completed", [message], USAGE.responses) } });
  sse(res, events);
}

function messages(body, res) {
  const u = USAGE.messages;
  const message = (content, usage, stop) => ({ id: "msg_mock", type: "message", role: "assistant", model: body.model, content, stop_reason: stop, stop_sequence: null, usage });
  if (!body.stream) return json(res, message([{ type: "text", text: REPLY.join("") }], u, "end_turn"));
  const ev = (data) => ({ event: data.type, data });
  const events = [
    // message_start carries the input and cache counts, and an early output count the deltas replace.
    ev({ type: "message_start", message: message([], { ...u, output_tokens: 1 }, null) }),
    ev({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    ...REPLY.map((text) => ev({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
    ev({ type: "content_block_stop", index: 0 }),
    ev({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: Math.floor(u.output_tokens / 2) } }),
    ev({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: u.output_tokens } }),
    ev({ type: "message_stop" }),
  ];
  sse(res, events);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mock = await startMockLLM();
  console.log(mock.url);
}
