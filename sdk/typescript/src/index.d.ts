// SPDX-License-Identifier: Apache-2.0
import type { components } from "./openapi.js";
import type { Tollgate } from "./client.js";

export { Tollgate } from "./client.js";
export type { ClientOptions, RequestOptions, RequestInit } from "./client.js";
export type { Routes } from "./routes.js";
export type { components, operations, paths, webhooks } from "./openapi.js";

/** A schema of the OpenAPI document by name: Schema<"Authorization">. */
export type Schema<N extends keyof components["schemas"]> = components["schemas"][N];
export type Authorization = Schema<"Authorization">;
export type UsageEvent = Schema<"Event">;

interface ErrorFacts {
  status?: number;
  type?: string;
  code?: string;
  field?: string;
  requestId?: string;
  retryAfter?: number;
  cause?: unknown;
}

/** An error Tollgate answered; match on the class or `code`, never the message. */
export declare class TollgateError extends Error {
  constructor(message: string, facts?: ErrorFacts);
  /** HTTP status (0: no answer; 200 for DeclinedError). */
  readonly status: number;
  /** The error family: invalid_request_error, conflict_error, rate_limit_error, api_error… */
  readonly type: string;
  /** Machine-readable: invalid, not_found, conflict, unknown_field, outcome_unknown… */
  readonly code: string;
  /** The input at fault (the API's `param`), or "". */
  readonly field: string;
  readonly param: string;
  /** The server's message, which says how to fix it. */
  readonly hint: string;
  /** The answer's Request-Id, to find the server's log line. */
  readonly requestId: string;
  /** Retry-After in seconds, when the server sent one. */
  readonly retryAfter: number | undefined;
}
/** 400, 413 or 422. */
export declare class InvalidError extends TollgateError {}
/** 401. */
export declare class AuthenticationError extends TollgateError {}
/** 403. */
export declare class PermissionError extends TollgateError {}
/** 402: a charge or refund beyond the balance. */
export declare class InsufficientFundsError extends TollgateError {}
/** 404. */
export declare class NotFoundError extends TollgateError {}
/** 409. */
export declare class ConflictError extends TollgateError {}
/** 429 after the retries. */
export declare class RateLimitError extends TollgateError {}
/** 503 after the retries: unavailable, or outcome_unknown (retry later with the same ids). */
export declare class UnavailableError extends TollgateError {
  readonly outcomeUnknown: boolean;
}
/** No answer after the retries. */
export declare class ConnectionError extends TollgateError {}
/** The authorization was declined; the work did not run. */
export declare class DeclinedError extends TollgateError {
  constructor(authorization: Authorization);
  readonly authorization: Authorization;
  /** insufficient_funds, no_subscription or subscription_suspended (also `code`). */
  readonly reason: string;
  readonly required: string;
  readonly available: string;
  readonly shortfall: string;
}
export declare class WebhookVerificationError extends Error {}

/** meter's options. */
export interface MeterOptions {
  /** Customer id (cus_…) or your external_id. */
  customer: string;
  /** The product's event_type. */
  eventType: string;
  /** Event data to price the hold with: the most the work may use. */
  estimate?: Record<string, unknown>;
  /** Or: the amount to hold, in `asset` (such as "0.50" USD). */
  amount?: string;
  asset?: string;
  /** Names the authorization and the usage event (1-200 characters); default a new UUID. */
  idempotencyKey?: string;
  /** The usage event's id; default the idempotency key. */
  eventId?: string;
  /** Wallet id or name; default the customer's default wallet. */
  wallet?: string;
  /** Hold lifetime, 1-86400 s; default 900. */
  ttlSeconds?: number;
}

export interface VendorCost {
  vendor: string;
  amount: string;
  currency: string;
}

/** The approved authorization a metered piece of work runs under. */
export declare class Hold {
  readonly authorization: Authorization;
  /** The authorization's id. */
  readonly id: string;
  /** The usage event's id: the same on every retry of the meter. */
  readonly eventId: string;
  /** Usage reported so far; null until add(). */
  readonly data: Record<string, unknown> | null;
  readonly costs: VendorCost[];
  /** Reports usage: numbers add to earlier reports, other values replace them. */
  add(usage: Record<string, unknown>): this;
  /** Attaches what the vendor charged. */
  addCost(cost: VendorCost): this;
  /** Records the usage event (again: it is charged once). */
  record(): Promise<UsageEvent>;
  /** Releases the hold. */
  void(): Promise<Authorization>;
}

/** authorize → run → record (or void); the same as tollgate.meter. */
export declare function meter<T>(client: Tollgate, options: MeterOptions, work: (hold: Hold) => Promise<T> | T): Promise<T>;

/** The token counts every usage reader writes, always all of them. */
export declare const tokenFields: readonly [
  "input_tokens",
  "cached_input_tokens",
  "cache_write_tokens",
  "output_tokens",
  "reasoning_tokens",
  "total_tokens",
];

/** The event data the usage readers write. */
export interface TokenUsage {
  provider?: string;
  model?: string;
  /** Input tokens at the full rate (neither read from nor written to a cache). */
  input_tokens: number;
  /** Input tokens read from the prompt cache. */
  cached_input_tokens: number;
  /** Input tokens written to the prompt cache. */
  cache_write_tokens: number;
  /** Output tokens, reasoning included. */
  output_tokens: number;
  /** The reasoning part of output_tokens (not to be priced on top). */
  reasoning_tokens: number;
  /** input + cached input + cache write + output. */
  total_tokens: number;
}

export declare function usageData(usage: {
  provider?: string;
  model?: string;
  input?: number;
  cachedInput?: number;
  cacheWrite?: number;
  output?: number;
  reasoning?: number;
}): TokenUsage;

/**
 * The costly methods of an `openai` client, metered. Typed as the client's
 * own; the promise they return lacks `withResponse()`, and a stream offers
 * iteration and `controller` only.
 */
export declare function meteredOpenAI<
  C extends { chat: { completions: { create: (...args: any[]) => any } }; responses: { create: (...args: any[]) => any } },
>(client: C, hold: Hold): { chat: { completions: { create: C["chat"]["completions"]["create"] } }; responses: { create: C["responses"]["create"] } };
export declare function openAIChatUsage(usage: unknown, model?: string): TokenUsage;
export declare function openAIResponsesUsage(usage: unknown, model?: string): TokenUsage;

/** `messages.create` of an `@anthropic-ai/sdk` client, metered (typed as the client's own). */
export declare function meteredAnthropic<C extends { messages: { create: (...args: any[]) => any } }>(
  client: C,
  hold: Hold,
): { messages: { create: C["messages"]["create"] } };
export declare function anthropicUsage(usage: unknown, model?: string): TokenUsage;

/**
 * A language-model middleware for the AI SDK (`wrapLanguageModel`): every
 * model call metered; per-call options in `providerOptions.tollgate`.
 */
export declare function tollgateMiddleware(
  tollgate: Tollgate,
  options?: Partial<MeterOptions>,
): {
  specificationVersion: "v4";
  wrapGenerate: (options: { doGenerate: () => PromiseLike<any>; params: any; model: any }) => Promise<any>;
  wrapStream: (options: { doStream: () => PromiseLike<any>; params: any; model: any }) => Promise<any>;
};
export declare function aiUsage(usage: unknown, model?: { modelId?: string; provider?: string }): TokenUsage;

/** A Tollgate webhook's body. */
export interface WebhookEvent {
  id: string;
  type: string;
  created_at: string;
  livemode: boolean;
  data: any;
}
/** Checks a webhook's Standard Webhooks signature and timestamp; returns its event. */
export declare function verifyWebhook(
  secret: string,
  body: string | Uint8Array,
  headers: Headers | Record<string, string | string[] | undefined>,
  options?: { toleranceSeconds?: number; now?: Date },
): WebhookEvent;
/** The webhook-signature value for a body (for tests of a receiver). */
export declare function signWebhook(secret: string, id: string, timestamp: number | string, body: string | Uint8Array): string;

export declare const routes: Readonly<
  Record<
    string,
    { method: string; path: string; pathParams: string[]; body: "none" | "optional" | "required"; query: "none" | "optional" | "required"; media: string }
  >
>;
export declare const skippedRoutes: Readonly<Record<string, string>>;
