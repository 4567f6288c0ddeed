export {
  type ClientIpOptions,
  clientIp,
  createClientIpResolver,
  type TrustProxy,
} from './client-ip.js';
export { type Duration, parseDuration } from './duration.js';
export { RateLimiterError, type RateLimiterErrorCode } from './errors.js';
export { type HeaderOptions, RATE_LIMIT_BODY, rateLimitHeaders } from './headers.js';
export { createRateLimiter } from './limiter.js';
export { defaultRuleName, sanitizePath } from './path.js';
export type {
  AdjustRequest,
  Algorithm,
  AppliedRule,
  AppliedWindow,
  CheckInput,
  DecisionEvent,
  DecisionOutcome,
  Identity,
  ListOption,
  Logger,
  RateLimiter,
  RateLimiterOptions,
  RateLimitResult,
  RateLimitStore,
  ResolveRule,
  RuleContext,
  RuleInput,
  RuleWindowInput,
  StoreErrorPolicy,
  StoreRequest,
  StoreResult,
  StoreWindow,
} from './types.js';
