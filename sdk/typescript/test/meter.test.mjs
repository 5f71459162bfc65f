// SPDX-License-Identifier: Apache-2.0
//
// meter and the usage wrappers, with the official `openai` and
// `@anthropic-ai/sdk` clients pointed at the mock provider (mock-llm.mjs) and
// the real `tollgate serve`: the wallet is debited exactly what the mock
// reported at the product's prices, streamed or not; a failure voids the hold;
// a decline throws before the provider is called; a retried record charges
// once. Needs Node 22 (openai 7).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { DeclinedError, meteredAnthropic, meteredOpenAI } from "../src/index.js";
import { available, client, cost, customer, dec, fmt, tokenProduct, unique } from "./helpers.mjs";
import { REPLY, USAGE, startMockLLM } from "./mock-llm.mjs";

let mock, tg, eventType, openai, anthropic;

before(async () => {
  mock = await startMockLLM();
  tg = client();
  eventType = await tokenProduct(tg);
  openai = new OpenAI({ apiKey: "sk-mock", baseURL: `${mock.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: "sk-ant-mock", baseURL: mock.url, maxRetries: 0 });
});
after(() => mock.close());

const estimate = (model) => ({ model, input_tokens: 4000, output_tokens: 2000 });

// expectCharged checks the customer's wallet fell by exactly the price of
// `data` and that the hold's event recorded `data` and captured the hold.
async function expectCharged(who, before, hold, data) {
  const want = cost(data);
  assert.ok(want > 0n);
  const now = await available(tg, who);
  assert.equal(fmt(before - now), fmt(want), `debited ${fmt(before - now)}, want ${fmt(want)}`);
  const event = await tg.getEvent(hold.eventId);
  assert.deepEqual(event.data, data);
  assert.equal(event.authorization_id, hold.id);
  assert.equal(fmt(event.fees.reduce((sum, f) => sum + dec(f.amount), 0n)), fmt(want));
  assert.equal((await tg.getAuthorization(hold.id)).status, "captured");
}

const chatData = {
  provider: "openai",
  model: "gpt-4o-mini",
  input_tokens: USAGE.chat.prompt_tokens - USAGE.chat.prompt_tokens_details.cached_tokens,
  cached_input_tokens: USAGE.chat.prompt_tokens_details.cached_tokens,
  cache_write_tokens: 0,
  output_tokens: USAGE.chat.completion_tokens,
  reasoning_tokens: USAGE.chat.completion_tokens_details.reasoning_tokens,
  total_tokens: USAGE.chat.prompt_tokens + USAGE.chat.completion_tokens,
};

test("OpenAI chat completion: the wallet is debited the tokens the answer reported", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  let held;
  const completion = await tg.meter({ customer: who, eventType, estimate: estimate("gpt-4o-mini") }, (hold) => {
    held = hold;
    return meteredOpenAI(openai, hold).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  });
  assert.equal(completion.choices[0].message.content, REPLY.join(""));
  await expectCharged(who, start, held, chatData);
});

test("OpenAI chat completion, streamed: usage is asked for, read from the last chunk, kept from the caller", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  let held;
  const seen = mock.requests.length;
  const stream = await tg.meter({ customer: who, eventType, estimate: estimate("gpt-4o-mini") }, (hold) => {
    held = hold;
    return meteredOpenAI(openai, hold).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
  });
  // Nothing is recorded before the stream has been read.
  assert.equal((await tg.getAuthorization(held.id)).status, "active");
  let text = "";
  for await (const chunk of stream) {
    assert.equal(chunk.choices.length, 1, "the caller did not ask for the usage chunk and does not get it");
    text += chunk.choices[0].delta.content ?? "";
  }
  assert.equal(text, REPLY.join(""));
  assert.deepEqual(mock.requests[seen].body.stream_options, { include_usage: true });
  await expectCharged(who, start, held, chatData);
});

test("OpenAI chat completion, streamed with include_usage asked by the caller: every chunk passes", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  let held;
  const chunks = [];
  await tg.meter({ customer: who, eventType, estimate: estimate("gpt-4o-mini") }, async (hold) => {
    held = hold;
    const stream = await meteredOpenAI(openai, hold).chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) chunks.push(chunk);
  });
  assert.deepEqual(chunks.at(-1).usage, USAGE.chat);
  assert.equal(chunks.at(-1).choices.length, 0);
  await expectCharged(who, start, held, chatData);
});

const responsesData = {
  provider: "openai",
  model: "gpt-4o",
  input_tokens: USAGE.responses.input_tokens - USAGE.responses.input_tokens_details.cached_tokens,
  cached_input_tokens: USAGE.responses.input_tokens_details.cached_tokens,
  cache_write_tokens: 0,
  output_tokens: USAGE.responses.output_tokens,
  reasoning_tokens: USAGE.responses.output_tokens_details.reasoning_tokens,
  total_tokens: USAGE.responses.total_tokens,
};

for (const stream of [false, true]) {
  test(`OpenAI responses${stream ? ", streamed" : ""}: debited the reported tokens (the "*" model rate)`, async () => {
    const who = await customer(tg);
    const start = await available(tg, who);
    let held;
    const out = await tg.meter({ customer: who, eventType, estimate: estimate("gpt-4o") }, async (hold) => {
      held = hold;
      const r = await meteredOpenAI(openai, hold).responses.create({ model: "gpt-4o", input: "hi", stream });
      if (!stream) return r.output_text;
      let text = "";
      for await (const event of r) if (event.type === "response.output_text.delta") text += event.delta;
      return text;
    });
    assert.equal(out, REPLY.join(""));
    await expectCharged(who, start, held, responsesData);
  });
}

const messagesData = {
  provider: "anthropic",
  model: "claude-sonnet-4-5",
  input_tokens: USAGE.messages.input_tokens,
  cached_input_tokens: USAGE.messages.cache_read_input_tokens,
  cache_write_tokens: USAGE.messages.cache_creation_input_tokens,
  output_tokens: USAGE.messages.output_tokens,
  reasoning_tokens: 0,
  total_tokens:
    USAGE.messages.input_tokens + USAGE.messages.cache_read_input_tokens + USAGE.messages.cache_creation_input_tokens + USAGE.messages.output_tokens,
};

for (const stream of [false, true]) {
  test(`Anthropic messages${stream ? ", streamed (message_start, then message_delta replaces)" : ""}: cache reads and writes priced apart`, async () => {
    const who = await customer(tg);
    const start = await available(tg, who);
    let held;
    const params = { model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "hi" }], stream };
    const text = await tg.meter({ customer: who, eventType, estimate: estimate("claude-sonnet-4-5") }, async (hold) => {
      held = hold;
      const m = await meteredAnthropic(anthropic, hold).messages.create(params);
      if (!stream) return m.content[0].text;
      let t = "";
      for await (const event of m) if (event.type === "content_block_delta") t += event.delta.text;
      return t;
    });
    assert.equal(text, REPLY.join(""));
    await expectCharged(who, start, held, messagesData);
  });
}

test("a provider error voids the hold: nothing is charged and the error reaches the caller", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  let held;
  await assert.rejects(
    tg.meter({ customer: who, eventType, estimate: estimate("gpt-4o-mini") }, (hold) => {
      held = hold;
      return meteredOpenAI(openai, hold).chat.completions.create({ model: "fail", messages: [{ role: "user", content: "hi" }] });
    }),
    (err) => err instanceof OpenAI.BadRequestError,
  );
  assert.equal((await tg.getAuthorization(held.id)).status, "voided");
  assert.equal(await available(tg, who), start);
  assert.equal((await tg.listEvents({ customer: who })).data.length, 0);
});

test("a streamed answer that fails voids the hold too", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  let held;
  await assert.rejects(
    tg.meter({ customer: who, eventType, estimate: estimate("claude-sonnet-4-5") }, async (hold) => {
      held = hold;
      const stream = await meteredAnthropic(anthropic, hold).messages.create({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [], stream: true });
      for await (const event of stream) if (event.type === "content_block_delta") throw new Error("the app failed mid-stream");
    }),
    /the app failed mid-stream/,
  );
  assert.equal((await tg.getAuthorization(held.id)).status, "voided");
  assert.equal(await available(tg, who), start);
});

test("a declined authorization throws DeclinedError before the provider is called", async () => {
  const who = await customer(tg, "0");
  const seen = mock.requests.length;
  let ran = false;
  await assert.rejects(
    tg.meter({ customer: who, eventType, estimate: estimate("gpt-4o-mini") }, (hold) => {
      ran = true;
      return meteredOpenAI(openai, hold).chat.completions.create({ model: "gpt-4o-mini", messages: [] });
    }),
    (err) => {
      assert.ok(err instanceof DeclinedError, `${err?.name}: ${err?.message}`);
      assert.equal(err.code, "insufficient_funds");
      assert.equal(err.authorization.status, "declined");
      assert.equal(fmt(dec(err.shortfall)), fmt(cost({ model: "gpt-4o-mini", ...estimateTokens("gpt-4o-mini") })));
      return true;
    },
  );
  assert.equal(ran, false);
  assert.equal(mock.requests.length, seen, "the mock saw no request");
});

function estimateTokens(model) {
  return { input_tokens: 4000, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 2000, model };
}

test("a retried record is charged once: a lost answer, a second record(), a second meter with the key", async () => {
  let lost = 0;
  const flaky = client({
    async fetch(url, init) {
      const res = await fetch(url, init);
      if (init.method === "POST" && new URL(url).pathname === "/v1/events" && lost++ === 0) {
        await res.text();
        throw new TypeError("fetch failed: the answer was lost");
      }
      return res;
    },
  });
  const who = await customer(tg);
  const start = await available(tg, who);
  const key = unique("chat-request");
  let held;
  const run = () =>
    flaky.meter({ customer: who, eventType, estimate: estimate("gpt-4o-mini"), idempotencyKey: key }, (hold) => {
      held = hold;
      return meteredOpenAI(openai, hold).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    });
  await run();
  assert.equal(lost, 2, "the record was sent twice");
  assert.equal(held.eventId, key);
  await expectCharged(who, start, held, chatData);

  const again = await held.record();
  assert.equal(again.id, key);
  await run();
  await expectCharged(who, start, held, chatData);
  assert.equal((await tg.listEvents({ customer: who })).data.length, 1);
});

test("a stream left early is recorded: the usage seen, else the estimate", async () => {
  const who = await customer(tg);
  const start = await available(tg, who);
  let held;
  const stream = await tg.meter({ customer: who, eventType, estimate: estimate("gpt-4o-mini") }, (hold) => {
    held = hold;
    return meteredOpenAI(openai, hold).chat.completions.create({ model: "gpt-4o-mini", messages: [], stream: true });
  });
  for await (const chunk of stream) {
    assert.ok(chunk.choices.length > 0);
    break; // before the usage chunk
  }
  // The break awaited the record: the estimate, all token fields completed.
  const want = { model: "gpt-4o-mini", input_tokens: 4000, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 2000, reasoning_tokens: 0, total_tokens: 6000 };
  assert.deepEqual((await tg.getEvent(held.eventId)).data, want);
  assert.equal(fmt(start - (await available(tg, who))), fmt(cost(want)));

  const anthropicWho = await customer(tg);
  const anthropicStart = await available(tg, anthropicWho);
  const messages = await tg.meter({ customer: anthropicWho, eventType, estimate: estimate("claude-sonnet-4-5") }, (hold) => {
    held = hold;
    return meteredAnthropic(anthropic, hold).messages.create({ model: "claude-sonnet-4-5", max_tokens: 10, messages: [], stream: true });
  });
  for await (const event of messages) if (event.type === "content_block_delta") break; // after message_start
  const seen = { ...messagesData, output_tokens: 1, total_tokens: messagesData.total_tokens - messagesData.output_tokens + 1 };
  assert.deepEqual((await tg.getEvent(held.eventId)).data, seen);
  assert.equal(fmt(anthropicStart - (await available(tg, anthropicWho))), fmt(cost(seen)));
});
