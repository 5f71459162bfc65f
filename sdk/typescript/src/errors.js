// SPDX-License-Identifier: Apache-2.0

/**
 * An error Tollgate answered (or could not answer, for a ConnectionError).
 * `message` is the server's, written to say how to fix the request; `field`
 * names the input at fault when there is one. Match on the class or on
 * `code`, never on the message.
 */
export class TollgateError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, type?: string, code?: string, field?: string,
   *          requestId?: string, retryAfter?: number, cause?: unknown}} [facts]
   */
  constructor(message, facts = {}) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.name = new.target.name;
    this.status = facts.status ?? 0;
    this.type = facts.type ?? "";
    this.code = facts.code ?? "";
    this.field = facts.field ?? "";
    this.requestId = facts.requestId ?? "";
    this.retryAfter = facts.retryAfter;
  }

  /** The API's name for `field`. */
  get param() {
    return this.field;
  }

  /** What to do about it: the server's message. */
  get hint() {
    return this.message;
  }
}

/** 400 or 422: the request is malformed or breaks a rule; fix it, do not retry it. */
export class InvalidError extends TollgateError {}
/** 401: the key is missing, unknown or revoked. */
export class AuthenticationError extends TollgateError {}
/** 403: a read-only key tried to write. */
export class PermissionError extends TollgateError {}
/** 402: a charge or refund beyond what the wallet holds. */
export class InsufficientFundsError extends TollgateError {}
/** 404: nothing with that id in the key's account and mode. */
export class NotFoundError extends TollgateError {}
/** 409: an id or Idempotency-Key reused with another request, or a state that forbids it. */
export class ConflictError extends TollgateError {}
/** 429: the key's rate limit, after the client's retries ran out. */
export class RateLimitError extends TollgateError {}

/**
 * 503 after the client's retries ran out: `unavailable` (nothing was done) or
 * `outcome_unknown` (it may have been written). Either way, retrying later
 * with the same ids writes it at most once.
 */
export class UnavailableError extends TollgateError {
  /** True when the write may have happened (code outcome_unknown). */
  get outcomeUnknown() {
    return this.code === "outcome_unknown";
  }
}

/** No answer at all (network failure or timeout) after the client's retries. */
export class ConnectionError extends TollgateError {}

/**
 * An authorization Tollgate declined: the customer cannot pay for the work,
 * which therefore did not run. Not an HTTP failure (the API answers 200 with
 * approved false); `code` is the decline reason (insufficient_funds,
 * no_subscription, subscription_suspended) and `authorization` the whole
 * answer, with what was `required`, what is `available` and the `shortfall`
 * a top-up must cover.
 */
export class DeclinedError extends TollgateError {
  /** @param {import("./openapi.js").components["schemas"]["Authorization"]} authorization */
  constructor(authorization) {
    const reason = authorization.decline_reason ?? "declined";
    super(
      `authorization declined (${reason}): ${authorization.required} ${authorization.asset} required, ` +
        `${authorization.available} available, shortfall ${authorization.shortfall}`,
      { status: 200, type: "declined", code: reason },
    );
    this.authorization = authorization;
    this.reason = reason;
    this.required = authorization.required;
    this.available = authorization.available;
    this.shortfall = authorization.shortfall;
  }
}

/** The signature, timestamp or headers of an incoming webhook do not check out. */
export class WebhookVerificationError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/**
 * errorFromResponse builds the typed error for a non-2xx answer from its
 * status and the API's envelope {"error": {type, code, message, param}}.
 * @param {number} status
 * @param {any} body the parsed JSON, or null
 * @param {Headers} headers
 */
export function errorFromResponse(status, body, headers) {
  const e = body && typeof body === "object" && body.error && typeof body.error === "object" ? body.error : {};
  const facts = {
    status,
    type: typeof e.type === "string" ? e.type : "",
    code: typeof e.code === "string" ? e.code : "",
    field: typeof e.param === "string" ? e.param : "",
    requestId: headers.get("request-id") ?? "",
    retryAfter: retryAfterSeconds(headers),
  };
  const message = typeof e.message === "string" && e.message !== "" ? e.message : `HTTP ${status}`;
  const Class =
    {
      400: InvalidError,
      401: AuthenticationError,
      402: InsufficientFundsError,
      403: PermissionError,
      404: NotFoundError,
      409: ConflictError,
      413: InvalidError,
      422: InvalidError,
      429: RateLimitError,
      503: UnavailableError,
    }[status] ?? TollgateError;
  return new Class(message, facts);
}

/**
 * retryAfterSeconds reads Retry-After (seconds, or an HTTP date).
 * @param {Headers} headers
 * @returns {number | undefined}
 */
export function retryAfterSeconds(headers) {
  const v = headers.get("retry-after");
  if (v == null || v.trim() === "") return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}
