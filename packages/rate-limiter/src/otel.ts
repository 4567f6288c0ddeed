/**
 * `@kit/rate-limiter/otel`: the limiter's decisions as OpenTelemetry metrics. The only module
 * that imports `@opentelemetry/api` (an optional peer), so the core costs nothing without it.
 */
import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
} from '@opentelemetry/api';
import { check } from './checks.js';
import { invalidOption } from './errors.js';
import type { DecisionEvent } from './types.js';

/** The instrumentation scope; `test/otel.test.ts` checks the version against package.json. */
const SCOPE_NAME = '@kit/rate-limiter';
const SCOPE_VERSION = '0.1.0';

/**
 * Seconds, 0.1 ms to 1 s: a memory store answers in microseconds, Redis in about a millisecond,
 * and `storeTimeout` (250 ms by default) caps what a store can take.
 */
const STORE_DURATION_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

// Rule names come from the app's configuration, so there are few of them; the cap keeps a
// misconfigured app (a rule name per user) from growing the cache without bound. Past it, a
// check allocates its attributes, and the SDK's own cardinality limit applies.
const MAX_CACHED_RULES = 2000;

const KNOWN = ['meter'];

/** Options of `openTelemetryMetrics`. */
export interface OpenTelemetryMetricsOptions {
  /**
   * Where the instruments are created. By default, the global meter provider's meter for
   * `@kit/rate-limiter`, looked up at each decision, so `metrics.setGlobalMeterProvider()` may
   * run before or after the limiter is created.
   * @default metrics.getMeter('@kit/rate-limiter', <package version>)
   */
  meter?: Meter;
}

interface Instruments {
  decisions: Counter;
  storeDuration: Histogram;
}

function createInstruments(meter: Meter): Instruments {
  return {
    decisions: meter.createCounter('ratelimit.decisions', {
      description: 'Rate-limit checks, by outcome and rule.',
      unit: '{decision}',
    }),
    storeDuration: meter.createHistogram('ratelimit.store.duration', {
      description: 'How long the rate-limit store took to answer a check.',
      unit: 's',
      advice: { explicitBucketBoundaries: STORE_DURATION_BUCKETS },
    }),
  };
}

/**
 * An `onDecision` handler for `createRateLimiter` that records every check through
 * `@opentelemetry/api`:
 * - `ratelimit.decisions` (counter, `{decision}`), with `ratelimit.outcome` (`allowed`, `denied`,
 *   `shadow`, `fallback`) and `ratelimit.rule` (the rule's name);
 * - `ratelimit.store.duration` (histogram, seconds), with `ratelimit.outcome`, for the checks
 *   that called the store (not those an allow/deny list or the over-limit memory answered).
 *
 * Attribute sets are built once per (outcome, rule), so a check allocates nothing here. To run
 * a handler of your own too, call both: `onDecision: (e) => { otel(e); mine(e); }`.
 *
 * @example
 * import { createRateLimiter } from '@kit/rate-limiter';
 * import { memoryStore } from '@kit/rate-limiter/memory';
 * import { openTelemetryMetrics } from '@kit/rate-limiter/otel';
 *
 * const limiter = createRateLimiter({
 *   store: memoryStore(),
 *   onDecision: openTelemetryMetrics(),
 * });
 */
export function openTelemetryMetrics(
  options: OpenTelemetryMetricsOptions = {},
): (event: DecisionEvent) => void {
  check.object(options, 'options', 'an object');
  check.knownKeys(options, KNOWN, 'openTelemetryMetrics');
  const { meter } = options;
  if (
    meter !== undefined &&
    (typeof meter?.createCounter !== 'function' || typeof meter.createHistogram !== 'function')
  ) {
    throw invalidOption('meter', 'must be an OpenTelemetry Meter', { value: meter });
  }

  const fixed = meter === undefined ? undefined : createInstruments(meter);
  let provider: MeterProvider | undefined;
  let followed: Instruments | undefined;
  const current = (): Instruments => {
    if (fixed !== undefined) return fixed;
    // The metrics API has no proxy meter: one taken before the app registers its provider
    // would stay a no-op, so follow the global provider (a property read while unchanged).
    const global = metrics.getMeterProvider();
    if (global !== provider || followed === undefined) {
      provider = global;
      followed = createInstruments(global.getMeter(SCOPE_NAME, SCOPE_VERSION));
    }
    return followed;
  };

  const decisionAttributes = new Map<string, Map<string, Attributes>>();
  const durationAttributes = new Map<string, Attributes>();
  const attributesOf = (outcome: string, rule: string): Attributes => {
    let byRule = decisionAttributes.get(outcome);
    if (byRule === undefined) {
      byRule = new Map();
      decisionAttributes.set(outcome, byRule);
    }
    let attributes = byRule.get(rule);
    if (attributes === undefined) {
      attributes = { 'ratelimit.outcome': outcome, 'ratelimit.rule': rule };
      if (byRule.size < MAX_CACHED_RULES) byRule.set(rule, attributes);
    }
    return attributes;
  };

  return function recordDecision(event: DecisionEvent): void {
    const { decisions, storeDuration } = current();
    decisions.add(1, attributesOf(event.outcome, event.rule));
    if (event.storeLatencyMs !== null) {
      let attributes = durationAttributes.get(event.outcome);
      if (attributes === undefined) {
        attributes = { 'ratelimit.outcome': event.outcome };
        durationAttributes.set(event.outcome, attributes);
      }
      storeDuration.record(event.storeLatencyMs / 1000, attributes);
    }
  };
}
