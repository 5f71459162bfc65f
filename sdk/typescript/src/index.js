// SPDX-License-Identifier: Apache-2.0
export { Tollgate } from "./client.js";
export {
  TollgateError,
  InvalidError,
  AuthenticationError,
  PermissionError,
  InsufficientFundsError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  UnavailableError,
  ConnectionError,
  DeclinedError,
  WebhookVerificationError,
} from "./errors.js";
export { Hold, meter, tokenFields, usageData } from "./meter.js";
export { meteredOpenAI, openAIChatUsage, openAIResponsesUsage } from "./openai.js";
export { meteredAnthropic, anthropicUsage } from "./anthropic.js";
export { tollgateMiddleware, aiUsage } from "./ai.js";
export { verifyWebhook, signWebhook } from "./webhooks.js";
export { routes, skippedRoutes } from "./routes.js";
