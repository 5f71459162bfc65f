// SPDX-License-Identifier: Apache-2.0
import { randomUUID } from "node:crypto";
import { DeclinedError } from "./errors.js";

/**
 * The token counts every usage reader writes into the event's data, always
 * all of them (0 when the provider reported none), so that a product with one
 * price per field never fails on a missing quantity. The input fields are
 * disjoint: input_tokens are the ones charged at the full input rate,
 * cached_input_tokens were read from the provider's prompt cache and
 * cache_write_tokens written to it. reasoning_tokens are part of
 * output_tokens (shown apart, not to be priced on top); total_tokens is
 * input + cached input + cache write + output.
 */
export const tokenFields = Object.freeze([
  "input_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "output_tokens",
  "reasoning_tokens",
  "total_tokens",
]);

/**
 * usageData writes token counts in the data shape of tokenFields, with the
 * model and provider as dimensions.
 * @param {{provider?: string, model?: string, input?: number, cachedInput?: number,
 *          cacheWrite?: number, output?: number, reasoning?: number}} usage
 */
export function usageData(usage) {
  const n = (v) => (Number.isFinite(v) && v > 0 ? Math.trunc(v) : 0);
  const data = {};
  if (usage.provider) data.provider = usage.provider;
  if (usage.model) data.model = usage.model;
  data.input_tokens = n(usage.input);
  data.cached_input_tokens = n(usage.cachedInput);
  data.cache_write_tokens = n(usage.cacheWrite);
  data.output_tokens = n(usage.output);
  data.reasoning_tokens = n(usage.reasoning);
  data.total_tokens = data.input_tokens + data.cached_input_tokens + data.cache_write_tokens + data.output_tokens;
  return data;
}

/**
 * completeEstimate fills an estimate that names any token field with the
 * others (0) and their total, the shape the usage readers record, so that a
 * product with a price per token field can price it.
 * @param {Record<string, unknown>} estimate
 */
export function completeEstimate(estimate) {
  if (!tokenFields.some((f) => f in estimate)) return estimate;
  const out = { ...estimate };
  for (const f of tokenFields) if (f !== "total_tokens") out[f] ??= 0;
  out.total_tokens ??= ["input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens"].reduce(
    (sum, f) => sum + Number(out[f]),
    0,
  );
  return out;
}

/**
 * A Hold is the approved authorization a metered piece of work runs under.
 * The work (or a wrapper from this package) reports what it used with add();
 * meter records it when the work is done.
 */
export class Hold {
  #client;
  #ctx;
  #open = 0;
  #streamFailed = false;
  #workReturned = false;
  /** @type {Promise<unknown> | null} */
  #settled = null;

  /**
   * @param {import("./client.js").Tollgate} client
   * @param {any} authorization
   * @param {{customer: string, wallet?: string, eventType: string, estimate?: Record<string, unknown>,
   *          key: string, eventId: string}} ctx
   */
  constructor(client, authorization, ctx) {
    this.#client = client;
    this.#ctx = ctx;
    /** The approved authorization, as the API answered it. */
    this.authorization = authorization;
    /** The id the usage event is recorded under: the same for every retry of this meter. */
    this.eventId = ctx.eventId;
    /** @type {Record<string, unknown> | null} the usage reported so far; null until add() */
    this.data = null;
    /** @type {{vendor: string, amount: string, currency: string}[]} */
    this.costs = [];
  }

  /** The authorization's id (auth_…). */
  get id() {
    return this.authorization.id;
  }

  /**
   * add reports usage: numbers are added to what was reported before (two
   * model calls in one meter add their tokens), anything else replaces it
   * (the model of the last call wins).
   * @param {Record<string, unknown>} usage
   */
  add(usage) {
    const data = { ...(this.data ?? {}) };
    for (const [k, v] of Object.entries(usage)) {
      data[k] = typeof v === "number" && typeof data[k] === "number" ? data[k] + v : v;
    }
    this.data = data;
    return this;
  }

  /**
   * addCost attaches what the vendor charged for the work (for margins and
   * cost_plus prices).
   * @param {{vendor: string, amount: string, currency: string}} cost
   */
  addCost(cost) {
    this.costs.push(cost);
    return this;
  }

  /**
   * record posts the usage event that settles the hold: the data add()
   * collected, or the estimate when nothing was reported. Its id is eventId,
   * so calling record again (after a failure, or from another process with
   * the same idempotency key) charges once.
   */
  record() {
    const c = this.#ctx;
    const event = {
      id: this.eventId,
      customer: c.customer,
      event_type: c.eventType,
      data: this.data ?? (c.estimate ? completeEstimate(c.estimate) : {}),
      authorization_id: this.id,
    };
    if (c.wallet) event.wallet = c.wallet;
    if (this.costs.length > 0) event.costs = this.costs;
    return this.#client.recordEvent(event, { idempotencyKey: `${c.key}/record` });
  }

  /** void releases the hold: nothing is charged. */
  void() {
    return this.#client.voidAuthorization(this.id, undefined, { idempotencyKey: `${this.#ctx.key}/void` });
  }

  /**
   * _stream is for this package's wrappers: it counts a stream the work
   * returned, whose usage arrives after the work itself has returned. The
   * hold is settled when the work has returned and every stream has ended;
   * end() resolves when that settling (if it fell to this stream) is done,
   * so its failure reaches the code reading the stream.
   * @returns {{end(outcome: "done" | "error" | "abandoned", usage: Record<string, unknown> | null): Promise<void>}}
   */
  _stream() {
    this.#open++;
    let ended = false;
    return {
      end: async (outcome, usage) => {
        if (ended) return;
        ended = true;
        this.#open--;
        if (usage) this.add(usage);
        if (outcome === "error") this.#streamFailed = true;
        if (this.#workReturned && this.#open === 0) await this.#settle();
      },
    };
  }

  /** _returned is called by meter when the work returned. */
  async _returned() {
    this.#workReturned = true;
    if (this.#open === 0) await this.#settle();
  }

  /** _failed is called by meter when the work threw: release the hold. */
  async _failed() {
    this.#workReturned = true;
    this.#settled ??= this.void().catch((err) => {
      // The hold expires by itself at expires_at; the work's error is the one to throw.
      this.#client.onBackgroundError(err, `void authorization ${this.id}`);
    });
    await this.#settled;
  }

  // A stream that failed before any usage was reported is treated like work
  // that threw: nothing is known to have been used. Otherwise what was
  // reported (or the estimate) is recorded.
  #settle() {
    this.#settled ??= this.#streamFailed && this.data === null ? this.#voidQuietly() : this.record();
    return this.#settled;
  }

  async #voidQuietly() {
    try {
      await this.void();
    } catch (err) {
      this.#client.onBackgroundError(err, `void authorization ${this.id}`);
    }
  }
}

/**
 * meter wraps one costly piece of work in authorize → run → record:
 *
 *  1. it authorizes the estimate (a hold on the customer's wallet); a decline
 *     throws DeclinedError and the work never runs;
 *  2. it runs work(hold); the work, or a wrapper from this package, reports
 *     the usage with hold.add();
 *  3. it records the usage event with the authorization, which prices it,
 *     debits the wallet and releases the rest of the hold, and returns what
 *     the work returned. When the work returned a metered stream, the event
 *     is recorded when the stream ends instead.
 *
 * When the work throws, the hold is voided (nothing is charged) and the
 * error rethrown. The authorization's idempotency key (options.idempotencyKey,
 * else a new UUID) also names the event, so retrying a meter with the same
 * key holds and charges once.
 * @template T
 * @param {import("./client.js").Tollgate} client
 * @param {MeterOptions} options
 * @param {(hold: Hold) => Promise<T> | T} work
 * @returns {Promise<T>}
 */
export async function meter(client, options, work) {
  const { customer, eventType, estimate, amount, asset, wallet, ttlSeconds } = options ?? {};
  if (typeof customer !== "string" || customer === "") throw new TypeError("meter: customer is required");
  if (typeof eventType !== "string" || eventType === "") throw new TypeError("meter: eventType is required");
  if (typeof work !== "function") throw new TypeError("meter: work must be a function");
  const key = options.idempotencyKey ?? randomUUID();
  if (key.length === 0 || key.length > 200) throw new TypeError("meter: idempotencyKey must be 1-200 characters");

  const request = { idempotency_key: key, customer, event_type: eventType };
  if (wallet) request.wallet = wallet;
  if (estimate) request.data = completeEstimate(estimate);
  if (amount !== undefined) Object.assign(request, { amount: String(amount), asset });
  if (ttlSeconds) request.ttl_seconds = ttlSeconds;
  const authorization = await client.createAuthorization(request, { idempotencyKey: `${key}/authorize` });
  if (!authorization.approved) throw new DeclinedError(authorization);

  const hold = new Hold(client, authorization, { customer, wallet, eventType, estimate, key, eventId: options.eventId ?? key });
  let result;
  try {
    result = await work(hold);
  } catch (err) {
    await hold._failed();
    throw err;
  }
  try {
    await hold._returned();
  } catch (err) {
    // The work happened: give the caller its answer and the hold, whose
    // record() can be called again later and charges once.
    if (err !== null && typeof err === "object") Object.assign(err, { hold, result });
    throw err;
  }
  return result;
}

/**
 * @typedef {object} MeterOptions
 * @property {string} customer customer id (cus_…) or your external_id
 * @property {string} eventType the product's event_type
 * @property {Record<string, unknown>} [estimate] event data to price the hold with (the most the work may use)
 * @property {string} [amount] or: the amount to hold, with asset
 * @property {string} [asset] the asset of amount
 * @property {string} [idempotencyKey] names the authorization and the event; default a new UUID
 * @property {string} [eventId] the usage event's id; default the idempotency key
 * @property {string} [wallet] wallet id or name; default the default wallet
 * @property {number} [ttlSeconds] how long the hold lasts, 1-86400; default 900
 */
