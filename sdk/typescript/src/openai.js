// SPDX-License-Identifier: Apache-2.0
import { usageData } from "./meter.js";
import { meteredStream } from "./stream.js";

/**
 * meteredOpenAI returns the parts of an `openai` client that cost tokens,
 * with the same call shapes, reporting each answer's usage to the hold:
 * `chat.completions.create` and `responses.create`, streamed or not. A
 * streamed chat completion asks for the usage chunk
 * (`stream_options.include_usage`) when the caller did not; that chunk, which
 * has no choices, is then kept from the caller, who gets the stream they
 * asked for. The model recorded is the one requested (`params.model`), so
 * prices keyed by model names match however the provider dates its answer.
 * @param {any} client an OpenAI client (or anything shaped like one)
 * @param {import("./meter.js").Hold} hold
 */
export function meteredOpenAI(client, hold) {
  return {
    chat: {
      completions: {
        async create(params, options) {
          if (!params.stream) {
            const completion = await client.chat.completions.create(params, options);
            hold.add(openAIChatUsage(completion.usage, params.model ?? completion.model));
            return completion;
          }
          const added = !params.stream_options?.include_usage;
          const asked = added ? { ...params, stream_options: { ...params.stream_options, include_usage: true } } : params;
          const stream = await client.chat.completions.create(asked, options);
          let usage = null;
          return meteredStream(hold, stream, {
            observe(chunk) {
              if (!chunk?.usage) return true;
              usage = openAIChatUsage(chunk.usage, params.model ?? chunk.model);
              return !(added && (chunk.choices?.length ?? 0) === 0);
            },
            usage: () => usage,
          });
        },
      },
    },
    responses: {
      async create(params, options) {
        if (!params.stream) {
          const response = await client.responses.create(params, options);
          hold.add(openAIResponsesUsage(response.usage, params.model ?? response.model));
          return response;
        }
        const stream = await client.responses.create(params, options);
        let usage = null;
        return meteredStream(hold, stream, {
          observe(event) {
            const u = event?.response?.usage;
            if (u) usage = openAIResponsesUsage(u, params.model ?? event.response.model);
            return true;
          },
          usage: () => usage,
        });
      },
    },
  };
}

/**
 * openAIChatUsage reads a chat completion's `usage`: prompt_tokens include
 * the cached ones (prompt_tokens_details.cached_tokens), which are taken out
 * of input_tokens so that each token is priced once.
 * @param {any} usage
 * @param {string} [model]
 */
export function openAIChatUsage(usage, model) {
  const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  return usageData({
    provider: "openai",
    model,
    input: (usage?.prompt_tokens ?? 0) - cached,
    cachedInput: cached,
    output: usage?.completion_tokens ?? 0,
    reasoning: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
  });
}

/**
 * openAIResponsesUsage reads a Responses API `usage` (input_tokens include
 * input_tokens_details.cached_tokens, taken out as for chat).
 * @param {any} usage
 * @param {string} [model]
 */
export function openAIResponsesUsage(usage, model) {
  const cached = usage?.input_tokens_details?.cached_tokens ?? 0;
  return usageData({
    provider: "openai",
    model,
    input: (usage?.input_tokens ?? 0) - cached,
    cachedInput: cached,
    output: usage?.output_tokens ?? 0,
    reasoning: usage?.output_tokens_details?.reasoning_tokens ?? 0,
  });
}
