// SPDX-License-Identifier: Apache-2.0
//
// The REST client against the real `tollgate serve`: every route has a
// method, errors arrive as typed classes with code and field, writes carry
// idempotency keys that retries reuse, 429/503 are retried after Retry-After
// and nothing else is; and webhooks Tollgate really sent verify. Needs only
// Node 20 and no npm package.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { test } from "node:test";
import {
  ConflictError,
  InvalidError,
  NotFoundError,
  UnavailableError,
  WebhookVerificationError,
  routes,
  signWebhook,
  skippedRoutes,
  verifyWebhook,
} from "../src/index.js";
import { available, client, customer, dec, unique } from "./helpers.mjs";

test("every route of the OpenAPI document has a method", async () => {
  const spec = JSON.parse(await readFile(new URL("../../../api/openapi.json", import.meta.url), "utf8"));
  const tg = client();
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op?.operationId) continue;
      ops.push(op.operationId);
      if (skippedRoutes[op.operationId]) continue;
      assert.equal(typeof tg[op.operationId], "function", `no method for ${op.operationId}`);
      assert.deepEqual([routes[op.operationId].method, routes[op.operationId].path], [method.toUpperCase(), path]);
    }
  }
  assert.deepEqual(Object.keys(routes).sort(), ops.filter((o) => !skippedRoutes[o]).sort());
});

test("errors are typed, with code, field and the server's hint", async () => {
  const tg = client();
  await assert.rejects(tg.getCustomer(unique("nobody")), (err) => {
    assert.ok(err instanceof NotFoundError, `${err.name}: ${err.message}`);
    assert.equal(err.status, 404);
    assert.equal(err.code, "not_found");
    assert.match(err.requestId, /./);
    return true;
  });
  await assert.rejects(tg.createCustomer({ external_id: unique("user"), bogus: 1 }), (err) => {
    assert.ok(err instanceof InvalidError, `${err.name}: ${err.message}`);
    assert.equal(err.code, "unknown_field");
    assert.equal(err.field, "bogus");
    assert.equal(err.param, "bogus");
    assert.ok(err.hint.length > 0);
    return true;
  });
  const who = await customer(tg, "0");
  const id = unique("gift");
  await tg.createAdjustment({ transaction_id: id, kind: "gift", customer: who, asset: "USD", amount: "1.00" });
  await assert.rejects(
    tg.createAdjustment({ transaction_id: id, kind: "gift", customer: who, asset: "USD", amount: "2.00" }),
    (err) => err instanceof ConflictError && err.status === 409,
  );
});

test("a write whose answer is lost is retried with the same Idempotency-Key and happens once", async () => {
  const seen = [];
  let dropped = false;
  const tg = client({
    async fetch(url, init) {
      const res = await fetch(url, init);
      if (init.method === "POST" && new URL(url).pathname === "/v1/adjustments") {
        seen.push(new Headers(init.headers).get("idempotency-key"));
        if (!dropped) {
          dropped = true;
          await res.text();
          throw new TypeError("fetch failed: the answer was lost");
        }
      }
      return res;
    },
  });
  const who = await customer(tg, "0");
  // No transaction_id: the Idempotency-Key the client made is what keeps the gift single.
  await tg.createAdjustment({ kind: "gift", customer: who, asset: "USD", amount: "3.00" });
  assert.equal(seen.length, 2);
  assert.match(seen[0], /^[0-9a-f-]{36}$/);
  assert.equal(seen[1], seen[0]);
  assert.equal(await available(tg, who), dec("3.00"));
});

test("429 and 503 are retried after Retry-After; other 4xx are not", async () => {
  const statuses = [];
  const keys = [];
  const fake = (plan) => async (url, init) => {
    keys.push(new Headers(init.headers).get("idempotency-key"));
    const next = plan.shift();
    if (next === undefined) return fetch(url, init);
    statuses.push(next.status);
    return new Response(JSON.stringify({ error: { type: "api_error", code: next.code, message: "try again" } }), {
      status: next.status,
      headers: { "content-type": "application/json", "retry-after": "0" },
    });
  };
  const tg = client({
    fetch: fake([
      { status: 429, code: "rate_limited" },
      { status: 503, code: "outcome_unknown" },
    ]),
  });
  const who = unique("user");
  const created = await tg.createCustomer({ external_id: who });
  assert.equal(created.external_id, who);
  assert.deepEqual(statuses, [429, 503]);
  assert.equal(new Set(keys).size, 1, "every attempt reuses the Idempotency-Key");

  const calls = [];
  const refusing = client({
    fetch: async (url, init) => {
      calls.push(url);
      return new Response(JSON.stringify({ error: { type: "invalid_request_error", code: "invalid", message: "no", param: "x" } }), {
        status: 422,
        headers: { "content-type": "application/json", "retry-after": "0" },
      });
    },
  });
  await assert.rejects(refusing.createCustomer({ external_id: who }), InvalidError);
  assert.equal(calls.length, 1, "a 422 is not retried");

  const down = client({ maxRetries: 2, fetch: fake([{ status: 503, code: "outcome_unknown" }, { status: 503, code: "outcome_unknown" }, { status: 503, code: "outcome_unknown" }]) });
  await assert.rejects(down.createCustomer({ external_id: who }), (err) => err instanceof UnavailableError && err.outcomeUnknown && err.retryAfter === 0);
});

test("a webhook Tollgate sends verifies; a changed body, an old timestamp or another secret do not", async () => {
  const tg = client();
  let resolveDelivery;
  const delivered = new Promise((resolve) => (resolveDelivery = resolve));
  const receiver = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    res.writeHead(204).end();
    resolveDelivery({ body, headers: req.headers });
  });
  await new Promise((resolve) => receiver.listen(0, resolve));
  try {
    const endpoint = await tg.createWebhookEndpoint({
      url: `http://localhost:${receiver.address().port}/tollgate/webhooks`,
      event_types: ["authorization.declined"],
    });
    await tg.sendTestWebhook(endpoint.id);
    const { body, headers } = await delivered;

    const event = verifyWebhook(endpoint.secret, body, headers);
    assert.equal(event.type, "webhook.test");
    assert.equal(event.id, headers["webhook-id"]);

    assert.throws(() => verifyWebhook(endpoint.secret, body.replace("webhook.test", "webhook.tesT"), headers), WebhookVerificationError);
    const later = new Date((Number(headers["webhook-timestamp"]) + 301) * 1000);
    assert.throws(() => verifyWebhook(endpoint.secret, body, headers, { now: later }), /from now/);
    const other = `whsec_${Buffer.from("another secret of 32 bytes......").toString("base64")}`;
    assert.throws(() => verifyWebhook(other, body, headers), /no webhook-signature matches/);

    // Our own signing, as a receiver's tests use it, agrees with the server's.
    assert.ok(headers["webhook-signature"].split(" ").includes(signWebhook(endpoint.secret, headers["webhook-id"], headers["webhook-timestamp"], body)));
  } finally {
    receiver.close();
  }
});
