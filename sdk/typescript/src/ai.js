// SPDX-License-Identifier: Apache-2.0
import { usageData } from "./meter.js";

/**
 * tollgateMiddleware is a language-model middleware for the Vercel AI SDK
 * (`ai`, `wrapLanguageModel`) that meters every model call: each
 * doGenerate or doStream runs inside tollgate.meter, which authorizes the
 * estimate first (a decline throws DeclinedError and the provider is never
 * called) and records the `usage` the model reports (for a stream, from its
 * `finish` part, when the stream ends). A call that fails voids its hold.
 *
 * The customer (and anything else of the options) can be given per call in
 * `providerOptions.tollgate`, so one wrapped model serves every customer:
 * `generateText({model, prompt, providerOptions: {tollgate: {customer: "user_123"}}})`.
 * A tool loop calls the model once per step: each step is metered apart,
 * under its own idempotency key unless one is given (then give one per step).
 * @param {import("./client.js").Tollgate} tollgate
 * @param {Partial<import("./meter.js").MeterOptions>} options
 */
export function tollgateMiddleware(tollgate, options = {}) {
  const settings = (params) => ({ ...options, ...(params?.providerOptions?.tollgate ?? {}) });
  return {
    specificationVersion: "v4",
    async wrapGenerate({ doGenerate, params, model }) {
      return tollgate.meter(settings(params), async (hold) => {
        const result = await doGenerate();
        hold.add(aiUsage(result.usage, model));
        return result;
      });
    },
    async wrapStream({ doStream, params, model }) {
      return tollgate.meter(settings(params), async (hold) => {
        const result = await doStream();
        const tracker = hold._stream();
        let usage = null;
        let failed = false;
        const stream = result.stream.pipeThrough(
          new TransformStream({
            transform(part, controller) {
              if (part?.type === "finish") usage = aiUsage(part.usage, model);
              else if (part?.type === "error") failed = true;
              controller.enqueue(part);
            },
            async flush() {
              await tracker.end(failed && usage === null ? "error" : "done", usage);
            },
            async cancel() {
              await tracker.end("abandoned", usage);
            },
          }),
        );
        return { ...result, stream };
      });
    },
  };
}

/**
 * aiUsage reads the AI SDK's usage: the language model specification's
 * v3/v4 shape ({inputTokens: {total, noCache, cacheRead, cacheWrite},
 * outputTokens: {total, reasoning}}) or v2's flat numbers.
 * @param {any} usage
 * @param {{modelId?: string, provider?: string}} [model]
 */
export function aiUsage(usage, model) {
  const base = { provider: model?.provider, model: model?.modelId };
  if (usage && typeof usage.inputTokens === "object" && usage.inputTokens !== null) {
    const i = usage.inputTokens;
    const cacheRead = i.cacheRead ?? 0;
    const cacheWrite = i.cacheWrite ?? 0;
    return usageData({
      ...base,
      input: i.noCache ?? (i.total ?? 0) - cacheRead - cacheWrite,
      cachedInput: cacheRead,
      cacheWrite,
      output: usage.outputTokens?.total ?? 0,
      reasoning: usage.outputTokens?.reasoning ?? 0,
    });
  }
  const cached = usage?.cachedInputTokens ?? 0;
  return usageData({
    ...base,
    input: (usage?.inputTokens ?? 0) - cached,
    cachedInput: cached,
    output: usage?.outputTokens ?? 0,
    reasoning: usage?.reasoningTokens ?? 0,
  });
}
