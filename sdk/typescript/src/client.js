// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectionError, errorFromResponse, retryAfterSeconds } from "./errors.js";
import { meter } from "./meter.js";
import { routes } from "./routes.js";

const retried = new Set([429, 503]);

/**
 * A client for Tollgate's REST API: `request` for any route, and one method
 * per route named by its operationId (src/routes.js, generated from the
 * OpenAPI document), plus `meter`.
 */
export class Tollgate {
  /** @param {import("./client.js").ClientOptions} [options] */
  constructor(options = {}) {
    const apiKey = options.apiKey ?? process.env.TOLLGATE_API_KEY;
    if (!apiKey) throw new TypeError("Tollgate: no API key (pass apiKey or set TOLLGATE_API_KEY)");
    // Kept off the instance's enumerable fields so it never shows in a log of the client.
    Object.defineProperty(this, "apiKey", { value: apiKey, enumerable: false });
    this.baseUrl = (options.baseUrl ?? process.env.TOLLGATE_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
    this.maxRetries = options.maxRetries ?? 3;
    this.minRetryDelayMs = options.minRetryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 8000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60000;
    this.timeoutMs = options.timeoutMs ?? 60000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.onBackgroundError =
      options.onBackgroundError ??
      ((err, what) => console.warn(`tollgate: ${what}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /**
   * request calls one route and returns its parsed answer. A POST carries an
   * Idempotency-Key (options.idempotencyKey, else a new UUID) that every retry
   * reuses, so a retried write happens once. 429 and 503 answers and network
   * failures are retried up to maxRetries times, after Retry-After when the
   * server sends one, else after an exponential backoff with jitter; any
   * other error is thrown at once as a typed TollgateError.
   * @param {string} method
   * @param {string} path such as /v1/customers
   * @param {import("./client.js").RequestInit} [init]
   */
  async request(method, path, init = {}) {
    method = method.toUpperCase();
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(init.query ?? {})) {
      if (v === undefined || v === null) continue;
      url.searchParams.set(k, Array.isArray(v) ? v.join(",") : v instanceof Date ? v.toISOString() : String(v));
    }
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.apiKey}`);
    headers.set("accept", "application/json, text/html;q=0.5");
    if (method === "POST") headers.set("idempotency-key", init.idempotencyKey ?? randomUUID());
    else if (init.idempotencyKey) headers.set("idempotency-key", init.idempotencyKey);
    let body;
    if (init.body !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.body);
    }

    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        const signals = [AbortSignal.timeout(this.timeoutMs)];
        if (init.signal) signals.push(init.signal);
        res = await this.fetch(url, { method, headers, body, signal: AbortSignal.any(signals) });
      } catch (err) {
        if (init.signal?.aborted) throw err;
        const failure = new ConnectionError(`${method} ${path}: no answer from Tollgate (${describe(err)})`, {
          code: "connection_error",
          cause: err,
        });
        if (attempt >= this.maxRetries) throw failure;
        await sleep(this.#backoff(attempt), undefined, { signal: init.signal });
        continue;
      }
      const text = await res.text();
      const isJSON = (res.headers.get("content-type") ?? "").includes("json");
      let parsed = text;
      if (isJSON && text !== "") {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = null;
        }
      }
      if (res.ok) return parsed;

      const err = errorFromResponse(res.status, isJSON ? parsed : null, res.headers);
      if (!retried.has(res.status) || attempt >= this.maxRetries) throw err;
      const after = retryAfterSeconds(res.headers);
      if (after !== undefined && after * 1000 > this.maxRetryAfterMs) throw err;
      await sleep(after !== undefined ? after * 1000 : this.#backoff(attempt), undefined, { signal: init.signal });
    }
  }

  /** Full jitter over an exponential ceiling: minRetryDelayMs × 2^attempt, at most maxRetryDelayMs. */
  #backoff(attempt) {
    const ceiling = Math.min(this.maxRetryDelayMs, this.minRetryDelayMs * 2 ** attempt);
    return Math.random() * ceiling;
  }

  /**
   * meter runs work between an authorization and the usage event that
   * settles it; see src/meter.js.
   * @template T
   * @param {import("./meter.js").MeterOptions} options
   * @param {(hold: import("./meter.js").Hold) => Promise<T> | T} work
   * @returns {Promise<T>}
   */
  meter(options, work) {
    return meter(this, options, work);
  }
}

// One method per route, from the generated table: path parameters first, in
// the order of the path, then the body or the query, then the options.
for (const [name, route] of Object.entries(routes)) {
  Object.defineProperty(Tollgate.prototype, name, {
    configurable: true,
    writable: true,
    value: function (...args) {
      let path = route.path;
      for (const p of route.pathParams) {
        const v = args.shift();
        if (typeof v !== "string" || v === "") throw new TypeError(`${name}: ${p} must be a non-empty string`);
        path = path.replace(`{${p}}`, encodeURIComponent(v));
      }
      const init = {};
      if (route.body !== "none") init.body = args.shift();
      if (route.query !== "none") init.query = args.shift();
      const options = args.shift() ?? {};
      return this.request(route.method, path, { ...options, ...init });
    },
  });
}

function describe(err) {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}
