// SPDX-License-Identifier: Apache-2.0
//
// The official `openai` (7) and `@anthropic-ai/sdk` clients, each pointed
// once at a mock provider directly and once at Tollgate's metering gateway in
// front of it, must get the same answers: the same parsed results, and the
// same bytes of the raw response body (every server-sent event of a stream),
// streamed and not, for chat completions, responses and messages.
//
// Run by TestGatewayOfficialClients (cmd/tollgate), which starts the mock
// and the real binary and passes, in the environment: GATEWAY (the server's
// base URL), TOLLGATE_API_KEY, UPSTREAM (the mock's base URL), OPENAI_KEY and
// ANTHROPIC_KEY (the keys the mock accepts). The npm packages are
// sdk/typescript's (its devDependencies pin them); this file has none of its
// own. Needs Node 22 (openai 7 does).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const sdkDir = join(dirname(fileURLToPath(import.meta.url)), "../../sdk/typescript");

// importFrom loads an ES module entry of a package installed in sdk/typescript.
async function importFrom(name) {
  const dir = join(sdkDir, "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return import(pathToFileURL(join(dir, pkg.exports["."].default)).href);
}

const { default: OpenAI } = await importFrom("openai");
const { default: Anthropic } = await importFrom("@anthropic-ai/sdk");
const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

// recording is a fetch that keeps the raw bytes of every response body while
// handing the client the same stream.
function recording() {
  const bodies = [];
  const f = async (url, init) => {
    const res = await fetch(url, init);
    if (!res.body) {
      bodies.push(Promise.resolve({ status: res.status, type: res.headers.get("content-type"), bytes: Buffer.alloc(0) }));
      return res;
    }
    const [mine, theirs] = res.body.tee();
    bodies.push(
      (async () => {
        const parts = [];
        for await (const part of mine) parts.push(part);
        return { status: res.status, type: res.headers.get("content-type"), bytes: Buffer.concat(parts) };
      })(),
    );
    return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return { fetch: f, last: () => bodies.at(-1) };
}

// pair makes the two clients of one SDK: direct (the mock) and through the
// gateway, each with its recording fetch. No retries: one call, one answer.
function pair(make) {
  const direct = recording();
  const gateway = recording();
  return { direct: { client: make(true, direct.fetch), raw: direct.last }, gateway: { client: make(false, gateway.fetch), raw: gateway.last } };
}

const gatewayHeaders = { "Tollgate-Customer": "user_1" };
const openai = pair((direct, fetch) =>
  direct
    ? new OpenAI({ baseURL: `${env("UPSTREAM")}/v1`, apiKey: env("OPENAI_KEY"), fetch, maxRetries: 0 })
    : new OpenAI({ baseURL: `${env("GATEWAY")}/gateway/openai/v1`, apiKey: env("TOLLGATE_API_KEY"), defaultHeaders: gatewayHeaders, fetch, maxRetries: 0 }),
);
const anthropic = pair((direct, fetch) =>
  direct
    ? new Anthropic({ baseURL: env("UPSTREAM"), apiKey: env("ANTHROPIC_KEY"), fetch, maxRetries: 0 })
    : new Anthropic({ baseURL: `${env("GATEWAY")}/gateway/anthropic`, apiKey: env("TOLLGATE_API_KEY"), defaultHeaders: gatewayHeaders, fetch, maxRetries: 0 }),
);

// collect reads a result: a stream's events in order, or the object.
async function collect(result) {
  if (result && typeof result[Symbol.asyncIterator] === "function") {
    const events = [];
    for await (const e of result) events.push(e);
    return events;
  }
  return result;
}

const messages = [{ role: "user", content: "Say hello" }];
const cases = [
  ["chat completion", openai, (c) => c.chat.completions.create({ model: "chat-plain", messages, max_tokens: 64 })],
  ["chat completion, streamed", openai, (c) => c.chat.completions.create({ model: "chat-stream", messages, max_tokens: 64, stream: true })],
  ["chat completion, streamed with usage", openai, (c) =>
    c.chat.completions.create({ model: "chat-stream-usage", messages, max_tokens: 64, stream: true, stream_options: { include_usage: true } })],
  ["response", openai, (c) => c.responses.create({ model: "responses-plain", input: "Say hello", max_output_tokens: 64 })],
  ["response, streamed", openai, (c) => c.responses.create({ model: "responses-stream", input: "Say hello", max_output_tokens: 64, stream: true })],
  ["message", anthropic, (c) => c.messages.create({ model: "messages-plain", messages, max_tokens: 64 })],
  ["message, streamed", anthropic, (c) => c.messages.create({ model: "messages-stream", messages, max_tokens: 64, stream: true })],
];

for (const [name, sdk, call] of cases) {
  const want = await collect(await call(sdk.direct.client));
  const got = await collect(await call(sdk.gateway.client));
  assert.deepStrictEqual(got, want, `${name}: the client's answer through the gateway differs from the provider's`);
  const [wantRaw, gotRaw] = [await sdk.direct.raw(), await sdk.gateway.raw()];
  assert.equal(gotRaw.status, 200, `${name}: the gateway answered ${gotRaw.status}: ${gotRaw.bytes}`);
  assert.equal(gotRaw.type, wantRaw.type, `${name}: content-type`);
  assert.ok(wantRaw.bytes.length > 0, `${name}: the mock sent nothing`);
  if (!gotRaw.bytes.equals(wantRaw.bytes)) {
    assert.equal(gotRaw.bytes.toString("utf8"), wantRaw.bytes.toString("utf8"), `${name}: the raw body through the gateway differs from the provider's`);
    assert.fail(`${name}: the raw bodies differ in bytes`);
  }
  const events = Array.isArray(want) ? `, ${want.length} events` : "";
  console.log(`same: ${name} (${wantRaw.bytes.length} bytes${events})`);
}

// The Anthropic SDK's stream helper builds the same final message either way.
const finals = [];
for (const side of [anthropic.direct, anthropic.gateway]) {
  finals.push(await side.client.messages.stream({ model: "messages-helper", messages, max_tokens: 64 }).finalMessage());
}
assert.deepStrictEqual(finals[1], finals[0], "messages.stream().finalMessage(): differs through the gateway");
assert.equal(finals[0].content[0].text, "Hello from the mock.");
console.log("same: message, stream helper's final message");
console.log(`ok ${cases.length + 1} calls`);
