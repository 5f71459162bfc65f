// SPDX-License-Identifier: Apache-2.0
//
// The same story through the AI SDK: `ai`'s generateText and streamText with
// an OpenAI-compatible provider (@ai-sdk/openai-compatible) pointed at the
// mock, wrapped with tollgateMiddleware, the customer given per call in
// providerOptions. Needs Node 22 (ai 7).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, streamText, wrapLanguageModel } from "ai";
import { DeclinedError, tollgateMiddleware } from "../src/index.js";
import { available, client, cost, customer, dec, fmt, tokenProduct, unique } from "./helpers.mjs";
import { REPLY, USAGE, startMockLLM } from "./mock-llm.mjs";

let mock, tg, model, eventType;

before(async () => {
  mock = await startMockLLM();
  tg = client();
  eventType = await tokenProduct(tg);
  const provider = createOpenAICompatible({ name: "mock", baseURL: `${mock.url}/v1`, apiKey: "sk-mock", includeUsage: true });
  model = wrapLanguageModel({
    model: provider.chatModel("gpt-4o-mini"),
    middleware: tollgateMiddleware(tg, { eventType, estimate: { model: "gpt-4o-mini", input_tokens: 4000, output_tokens: 2000 } }),
  });
});
after(() => mock.close());

const data = {
  provider: "mock.chat",
  model: "gpt-4o-mini",
  input_tokens: USAGE.chat.prompt_tokens - USAGE.chat.prompt_tokens_details.cached_tokens,
  cached_input_tokens: USAGE.chat.prompt_tokens_details.cached_tokens,
  cache_write_tokens: 0,
  output_tokens: USAGE.chat.completion_tokens,
  reasoning_tokens: USAGE.chat.completion_tokens_details.reasoning_tokens,
  total_tokens: USAGE.chat.prompt_tokens + USAGE.chat.completion_tokens,
};

async function expectCharged(who, before, eventId) {
  const event = await tg.getEvent(eventId);
  assert.deepEqual(event.data, data);
  const want = cost(data);
  assert.equal(fmt(before - (await available(tg, who))), fmt(want));
  assert.equal(fmt(event.fees.reduce((s, f) => s + dec(f.amount), 0n)), fmt(want));
  assert.equal((await tg.getAuthorization(event.authorization_id)).status, "captured");
}

test("generateText through the middleware: debited the tokens the model reported", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  const key = unique("ai-generate");
  const { text } = await generateText({ model, prompt: "hi", providerOptions: { tollgate: { customer: who, idempotencyKey: key } } });
  assert.equal(text, REPLY.join(""));
  await expectCharged(who, start, key);
});

test("streamText through the middleware: recorded from the finish part when the stream ends", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  const key = unique("ai-stream");
  const result = streamText({ model, prompt: "hi", providerOptions: { tollgate: { customer: who, idempotencyKey: key } } });
  let text = "";
  for await (const piece of result.textStream) text += piece;
  assert.equal(text, REPLY.join(""));
  await expectCharged(who, start, key);
});

test("a declined call throws DeclinedError and never reaches the provider", async () => {
  const who = await customer(tg, "0");
  const seen = mock.requests.length;
  await assert.rejects(generateText({ model, prompt: "hi", maxRetries: 0, providerOptions: { tollgate: { customer: who } } }), (err) => {
    assert.ok(err instanceof DeclinedError, `${err?.name}: ${err?.message}`);
    assert.equal(err.reason, "insufficient_funds");
    return true;
  });
  assert.equal(mock.requests.length, seen);
});

test("a failed call voids its hold", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  // A client that notes the authorizations it makes, to read the hold back.
  const holds = [];
  const noting = client({
    async fetch(url, init) {
      const res = await fetch(url, init);
      if (new URL(url).pathname === "/v1/authorizations") holds.push((await res.clone().json()).id);
      return res;
    },
  });
  const provider = createOpenAICompatible({ name: "mock", baseURL: `${mock.url}/v1`, apiKey: "sk-mock" });
  const failing = wrapLanguageModel({ model: provider.chatModel("fail"), middleware: tollgateMiddleware(noting, { eventType, estimate: { model: "fail", input_tokens: 100 } }) });
  const seen = mock.requests.length;
  await assert.rejects(generateText({ model: failing, prompt: "hi", maxRetries: 0, providerOptions: { tollgate: { customer: who } } }), (err) => err?.statusCode === 400 || err?.lastError?.statusCode === 400);
  assert.equal(mock.requests.length, seen + 1, "the provider was called once");
  assert.equal(holds.length, 1);
  assert.equal((await tg.getAuthorization(holds[0])).status, "voided");
  assert.equal(await available(tg, who), start);
  assert.equal((await tg.listEvents({ customer: who })).data.length, 0);
});
