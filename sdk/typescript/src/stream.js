// SPDX-License-Identifier: Apache-2.0

/**
 * meteredStream passes a provider's stream through to the caller, item by
 * item and unchanged, while `observe` reads the usage it reports; when the
 * stream ends, fails or is left early, the usage is handed to the hold, and
 * the hold's settling (the usage event, or the void) finishes before the
 * caller's loop does, so a failure to record reaches the caller.
 * `observe(item)` returns false for an item to keep from the caller.
 * Properties of the source other than its iterator (such as the OpenAI
 * stream's `controller`) stay reachable on the result.
 * @template T
 * @param {import("./meter.js").Hold} hold
 * @param {AsyncIterable<T> & Record<string, any>} source
 * @param {{observe(item: T): boolean, usage(): Record<string, unknown> | null}} reader
 * @returns {AsyncGenerator<T> & Record<string, any>}
 */
export function meteredStream(hold, source, reader) {
  const tracker = hold._stream();
  async function* pass() {
    let outcome = "abandoned";
    try {
      for await (const item of source) {
        if (reader.observe(item)) yield item;
      }
      outcome = "done";
    } catch (err) {
      outcome = "error";
      throw err;
    } finally {
      await tracker.end(outcome, reader.usage());
    }
  }
  const out = pass();
  if (source && typeof source === "object" && "controller" in source) out.controller = source.controller;
  return out;
}
