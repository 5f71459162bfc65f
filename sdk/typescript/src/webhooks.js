// SPDX-License-Identifier: Apache-2.0
import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "./errors.js";

const defaultToleranceSeconds = 5 * 60;

/**
 * verifyWebhook checks a webhook Tollgate sent, to the Standard Webhooks
 * specification, and returns its parsed event ({id, type, created_at,
 * livemode, data}). `body` must be the raw body as received (a string or
 * bytes), not JSON parsed and written again. The `webhook-signature` header
 * may hold several space-separated signatures (two during a secret
 * rotation); one valid `v1` signature is enough. Timestamps further than
 * `toleranceSeconds` (default 300) from now are refused, so a captured
 * request cannot be replayed later. Throws WebhookVerificationError.
 * @param {string} secret the endpoint's secret, whsec_…
 * @param {string | Uint8Array} body
 * @param {Headers | Record<string, string | string[] | undefined>} headers
 * @param {{toleranceSeconds?: number, now?: Date}} [options]
 */
export function verifyWebhook(secret, body, headers, options = {}) {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError("webhook-timestamp is not Unix seconds");
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? defaultToleranceSeconds;
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(`webhook-timestamp is more than ${tolerance} s from now`);
  }
  const raw = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  const expected = Buffer.from(sign(secret, id, timestamp, raw), "base64");
  const ok = signatures.split(" ").some((s) => {
    const [version, value] = s.split(",", 2);
    if (version !== "v1" || !value) return false;
    const got = Buffer.from(value, "base64");
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  if (!ok) throw new WebhookVerificationError("no webhook-signature matches the secret");
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new WebhookVerificationError("the signed body is not JSON");
  }
}

/**
 * signWebhook returns the `webhook-signature` value Tollgate sends for a
 * body: for tests of a receiver.
 * @param {string} secret whsec_…
 * @param {string} id
 * @param {number | string} timestamp Unix seconds
 * @param {string | Uint8Array} body
 */
export function signWebhook(secret, id, timestamp, body) {
  const raw = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  return `v1,${sign(secret, id, String(timestamp), raw)}`;
}

function sign(secret, id, timestamp, raw) {
  if (typeof secret !== "string" || !secret.startsWith("whsec_")) {
    throw new WebhookVerificationError("the secret must be the endpoint's whsec_… value");
  }
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(raw).digest("base64");
}

function header(headers, name) {
  let v;
  if (typeof headers?.get === "function") {
    v = headers.get(name);
  } else {
    const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
    v = key === undefined ? undefined : headers[key];
  }
  return Array.isArray(v) ? v[0] : (v ?? undefined);
}
