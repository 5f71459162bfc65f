// SPDX-License-Identifier: Apache-2.0
import { usageData } from "./meter.js";
import { meteredStream } from "./stream.js";

/**
 * meteredAnthropic returns `messages.create` of an `@anthropic-ai/sdk`
 * client, with the same call shape, reporting each message's usage to the
 * hold, streamed (`stream: true`) or not. A stream's usage is read from
 * `message_start` (input, cache read and cache write tokens) and then from
 * each `message_delta`, whose counts are cumulative and replace the earlier
 * ones (output_tokens always, the input fields when present).
 * @param {any} client an Anthropic client (or anything shaped like one)
 * @param {import("./meter.js").Hold} hold
 */
export function meteredAnthropic(client, hold) {
  return {
    messages: {
      async create(params, options) {
        if (!params.stream) {
          const message = await client.messages.create(params, options);
          hold.add(anthropicUsage(message.usage, params.model ?? message.model));
          return message;
        }
        const stream = await client.messages.create(params, options);
        /** @type {Record<string, number> | null} */
        let counts = null;
        return meteredStream(hold, stream, {
          observe(event) {
            if (event?.type === "message_start" && event.message?.usage) {
              counts = { ...event.message.usage };
            } else if (event?.type === "message_delta" && event.usage) {
              counts ??= {};
              for (const [k, v] of Object.entries(event.usage)) if (typeof v === "number") counts[k] = v;
            }
            return true;
          },
          usage: () => (counts ? anthropicUsage(counts, params.model) : null),
        });
      },
    },
  };
}

/**
 * anthropicUsage reads a message's `usage`: Anthropic's input_tokens already
 * exclude cache reads (cache_read_input_tokens) and cache writes
 * (cache_creation_input_tokens).
 * @param {any} usage
 * @param {string} [model]
 */
export function anthropicUsage(usage, model) {
  return usageData({
    provider: "anthropic",
    model,
    input: usage?.input_tokens ?? 0,
    cachedInput: usage?.cache_read_input_tokens ?? 0,
    cacheWrite: usage?.cache_creation_input_tokens ?? 0,
    output: usage?.output_tokens ?? 0,
  });
}
