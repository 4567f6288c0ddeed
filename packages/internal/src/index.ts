/**
 * What `@kit/rate-limiter` and `@kit/cache` share, written once. Never published: each
 * package's build inlines what it uses, so each tarball stays self-contained.
 */

export { coalesceWrites } from './coalesce-writes.js';
export { Deadlines } from './deadlines.js';
export { durationMs, MAX_TIMER_MS } from './duration.js';
export { ExpiringMap } from './expiring-map.js';
export { isLocalStore, LOCAL_STORE, markLocalStore } from './local-store.js';
export { consoleLogger, LogThrottle, pickLogger } from './log.js';
export { isNoScript, type LuaScript, luaScript, runLua } from './lua.js';
export {
  addWhenWritten,
  honoNodeRequest,
  honoNodeResponse,
  type NodeRequest,
  type NodeResponse,
} from './node-response.js';
export {
  createOptionChecks,
  type DurationRule,
  describeValue,
  type InvalidOption,
  type OptionChecks,
  optionMessage,
} from './options.js';
export { type Readiness, redisReadiness } from './redis-readiness.js';
export type { Duration, DurationString, DurationUnit, Logger, SuiteRunner } from './types.js';
