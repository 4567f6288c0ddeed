import {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
  type RuleInput,
} from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { recordingLogger } from '../support/logger.js';
import type { AdapterApp, AdapterOptions, AppShape, Harness } from './harness.js';

/** A limiter on a fresh memory store. */
export const limiterOf = (rule: RuleInput, extra: Partial<RateLimiterOptions> = {}) =>
  createRateLimiter({
    store: memoryStore(),
    defaultRule: rule,
    logger: recordingLogger(),
    ...extra,
  });

/** Builds the app (on `limiterOf(rule)` for a rule), runs `body`, and closes it either way. */
export async function withApp(
  harness: Harness,
  rule: RuleInput | RateLimiter,
  options: AdapterOptions,
  body: (app: AdapterApp) => Promise<void>,
  shape?: AppShape,
): Promise<void> {
  const limiter = 'check' in rule ? rule : limiterOf(rule);
  const app = await harness.make(limiter, options, shape);
  try {
    await body(app);
  } finally {
    await app.close();
  }
}

/** Statuses of `paths`, sent one after another. */
export async function statusesOf(app: AdapterApp, paths: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const path of paths) out.push((await app.send(path)).status);
  return out;
}
