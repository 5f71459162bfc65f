// SPDX-License-Identifier: Apache-2.0
import type { Routes } from "./routes.js";
import type { Hold, MeterOptions } from "./index.js";

/** How a Tollgate client reaches the server and retries. */
export interface ClientOptions {
  /** An API key (tg_test_… or tg_live_…); default TOLLGATE_API_KEY. */
  apiKey?: string;
  /** Where `tollgate serve` answers; default TOLLGATE_URL, else http://127.0.0.1:8080. */
  baseUrl?: string;
  /** Retries after a 429, a 503 or no answer; default 3. Other errors are never retried. */
  maxRetries?: number;
  /** Backoff without Retry-After: a random wait below minRetryDelayMs × 2^attempt (default 500)… */
  minRetryDelayMs?: number;
  /** …and below maxRetryDelayMs (default 8000). */
  maxRetryDelayMs?: number;
  /** A Retry-After longer than this (default 60000 ms) is not waited for: the error is thrown. */
  maxRetryAfterMs?: number;
  /** Per attempt; default 60000 ms. */
  timeoutMs?: number;
  /** A fetch to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Told about a failure nobody awaits (a void after the work threw); default console.warn of its message. */
  onBackgroundError?: (err: unknown, what: string) => void;
}

/** Per-request options of every route method. */
export interface RequestOptions {
  /** The Idempotency-Key of a POST; default a new UUID, reused by the client's retries. */
  idempotencyKey?: string;
  /** Further headers (such as Request-Id, to follow your trace id). */
  headers?: HeadersInit;
  signal?: AbortSignal;
}

/** `request`'s options: RequestOptions with the query and JSON body. */
export interface RequestInit extends RequestOptions {
  query?: Record<string, string | number | boolean | Date | string[] | undefined | null>;
  body?: unknown;
}

export interface Tollgate extends Routes {}

/** A client for Tollgate's REST API; one method per route, by operationId (see Routes). */
export declare class Tollgate {
  constructor(options?: ClientOptions);
  readonly baseUrl: string;
  maxRetries: number;
  onBackgroundError: (err: unknown, what: string) => void;
  /** Calls any route; returns the parsed JSON answer (or text for a non-JSON one). */
  request<T = unknown>(method: string, path: string, init?: RequestInit): Promise<T>;
  /** authorize → run → record (or void when work throws); see meter in the README. */
  meter<T>(options: MeterOptions, work: (hold: Hold) => Promise<T> | T): Promise<T>;
}
