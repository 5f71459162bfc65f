// SPDX-License-Identifier: Apache-2.0
//
// What the tests share: a client for the server the Go harness started
// (TOLLGATE_URL, TOLLGATE_API_KEY), a per-token product set up through the
// SDK's own REST methods, funded customers, and exact decimal arithmetic.
import { randomUUID } from "node:crypto";
import { Tollgate } from "../src/index.js";

export function client(options = {}) {
  if (!process.env.TOLLGATE_URL || !process.env.TOLLGATE_API_KEY) {
    throw new Error("TOLLGATE_URL and TOLLGATE_API_KEY must be set: run the tests with `go test ./cmd/tollgate -run TypeScriptSDK`");
  }
  return new Tollgate({ minRetryDelayMs: 0, maxRetryDelayMs: 0, onBackgroundError: (err) => { throw err; }, ...options });
}

export const unique = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;

/**
 * The rates (USD per million tokens) of tokenProduct, by price field and model;
 * "*" is any other model.
 */
export const RATES = Object.freeze({
  input_tokens: { "gpt-4o-mini": "0.15", "claude-sonnet-4-5": "3", "*": "1" },
  cached_input_tokens: { "gpt-4o-mini": "0.075", "claude-sonnet-4-5": "0.30", "*": "0.5" },
  cache_write_tokens: { "claude-sonnet-4-5": "3.75", "*": "1.25" },
  output_tokens: { "gpt-4o-mini": "0.60", "claude-sonnet-4-5": "15", "*": "2" },
});

/**
 * tokenProduct creates the product the metering helpers expect: one
 * dimensional price per token field, per million tokens, by model. Returns
 * its event type.
 */
export async function tokenProduct(tg) {
  const eventType = unique("llm.tokens");
  await tg.createProduct({
    code: unique("llm"),
    event_type: eventType,
    prices: Object.entries(RATES).map(([field, rates]) => ({
      model: "dimensional",
      asset: "USD",
      name: field,
      field,
      block_size: "1000000",
      dimensions: ["model"],
      rates: Object.entries(rates).map(([model, amount]) => ({ values: { model }, amount })),
    })),
  });
  return eventType;
}

/** customer creates a customer and gifts its wallet `amount` USD (none for "0"). */
export async function customer(tg, amount = "10.00") {
  const externalId = unique("user");
  await tg.createCustomer({ external_id: externalId });
  if (amount !== "0") {
    await tg.createAdjustment({ transaction_id: unique("gift"), kind: "gift", customer: externalId, asset: "USD", amount });
  }
  return externalId;
}

/** available reads the customer's available USD, exactly (see dec). */
export async function available(tg, externalId) {
  const wallet = await tg.getWallet(externalId, "default");
  const usd = wallet.balances.find((b) => b.asset === "USD");
  return dec(usd ? usd.available : "0");
}

const SCALE = 18n;

/** dec reads a decimal string as a BigInt of 10^-18 units, so sums are exact. */
export function dec(s) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(s));
  if (!m) throw new Error(`not a decimal: ${s}`);
  const frac = (m[3] ?? "").padEnd(Number(SCALE), "0");
  if (frac.length > Number(SCALE)) throw new Error(`more than ${SCALE} places: ${s}`);
  const v = BigInt(m[2]) * 10n ** SCALE + BigInt(frac);
  return m[1] ? -v : v;
}

/**
 * cost prices token usage data at RATES, exactly: the sum over the four
 * token fields of tokens × rate / 1,000,000.
 */
export function cost(data) {
  let total = 0n;
  for (const [field, rates] of Object.entries(RATES)) {
    const rate = rates[data.model] ?? rates["*"];
    total += (BigInt(data[field]) * dec(rate)) / 1000000n;
  }
  return total;
}

/** fmt writes a dec value back as a decimal string, for messages. */
export function fmt(v) {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const s = `${a / 10n ** SCALE}.${(a % 10n ** SCALE).toString().padStart(Number(SCALE), "0")}`.replace(/\.?0+$/, "");
  return (neg ? "-" : "") + s;
}
