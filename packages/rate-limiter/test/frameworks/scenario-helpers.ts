import {
  createRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
  type RuleInput,
} from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';
import { recordingLogger } from '../support/logger.js';
import { roomInWindow } from '../support/time.js';
import type { AdapterApp, AdapterOptions, AppShape, Harness } from './harness.js';

/** A limiter on a fresh memory store. */
export const limiterOf = (rule: RuleInput, extra: Partial<RateLimiterOptions> = {}) =>
  createRateLimiter({
    store: memoryStore(),
    defaultRule: rule,
    logger: recordingLogger(),
    ...extra,
  });

/**
 * Waits out the last seconds of an hour: the scenarios count in fixed windows of an hour, which
 * must not roll over between a scenario's requests.
 */
export const steady = (): Promise<void> => roomInWindow(3_600_000, 5_000);

/** Builds the app (on `limiterOf(rule)` for a rule), runs `body`, and closes it either way. */
export async function withApp(
  harness: Harness,
  rule: RuleInput | RateLimiter,
  options: AdapterOptions,
  body: (app: AdapterApp) => Promise<void>,
  shape?: AppShape,
): Promise<void> {
  await steady();
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

type HeaderBag = { get(name: string): string | null } | Record<string, unknown>;

function headerOf(headers: HeaderBag, name: string): string | undefined {
  const value =
    typeof headers.get === 'function'
      ? (headers as { get(name: string): string | null }).get(name)
      : (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A parameter of the draft-8 headers the adapters write by default: `r` (remaining) or `t`
 * (seconds to reset) of `RateLimit`, `q` (limit) or `w` (window) of the policy in
 * `RateLimit-Policy` that `RateLimit` names (the most restrictive window; the first policy
 * when there is no `RateLimit`); `null` when absent. Takes fetch `Headers` or the plain object
 * of Fastify's `inject()`.
 */
export function rateLimitParam(headers: HeaderBag, param: 'r' | 't' | 'q' | 'w'): string | null {
  const state = headerOf(headers, 'ratelimit');
  let item: string | undefined;
  if (param === 'r' || param === 't') item = state;
  else {
    const policies = headerOf(headers, 'ratelimit-policy')?.split(', ') ?? [];
    const name = state === undefined ? undefined : /^("[^"]*")/.exec(state)?.[1];
    item = policies.find((p) => name !== undefined && p.startsWith(`${name};`)) ?? policies[0];
  }
  return item === undefined ? null : (new RegExp(`;${param}=(\\d+)`).exec(item)?.[1] ?? null);
}
