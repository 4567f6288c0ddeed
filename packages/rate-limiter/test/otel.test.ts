import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Attributes, type Meter, metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  type MetricData,
  MetricReader,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import ts from 'typescript';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../../testing/redis-server.js';
import { RateLimiterError } from '../src/errors.js';
import { type OpenTelemetryMetricsOptions, openTelemetryMetrics } from '../src/otel.js';
import type { DecisionEvent, DecisionOutcome, RateLimitResult } from '../src/types.js';
import tsupConfig from '../tsup.config.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Collects on demand: what the SDK's pull exporters are, minus the exporting. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  /** The metrics of the `@kit/rate-limiter` scope, by name. */
  async byName(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.collect();
    expect(errors).toEqual([]);
    const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === '@kit/rate-limiter');
    return new Map((scope?.metrics ?? []).map((m) => [m.descriptor.name, m]));
  }
}

function setup() {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  onTestFinished(() => provider.shutdown());
  const meter = provider.getMeter('@kit/rate-limiter', '0.1.0');
  return { reader, meter, record: openTelemetryMetrics({ meter }) };
}

/** A decision as `createRateLimiter` reports it: a user on a 10-per-hour rule of `/api/tasks`. */
function decision(
  outcome: DecisionOutcome,
  rule: string,
  storeLatencyMs: number | null,
  overrides: Partial<RateLimitResult> = {},
): DecisionEvent {
  const allowed = outcome !== 'denied';
  const window = { name: rule, limit: 10, periodMs: 3_600_000 };
  const result: RateLimitResult = {
    allowed,
    limit: 10,
    remaining: allowed ? 4 : 0,
    resetAt: 1_764_590_400_000,
    retryAfter: allowed ? 0 : 1800,
    rule: {
      source: 'tier',
      name: rule,
      tier: 'free',
      limit: 10,
      periodMs: 3_600_000,
      windows: [window],
    },
    window,
    key: 'ratelimit:{u:42:api_tasks}',
    scope: 'api_tasks',
    subject: 'user',
    cost: 1,
    fallback: outcome === 'fallback' ? 'allow' : null,
    cached: storeLatencyMs === null && outcome === 'denied',
    listed: null,
    shadow: outcome === 'shadow',
    at: 1_764_588_600_000,
    ...overrides,
  };
  return { outcome, rule, scope: 'api_tasks', storeLatencyMs, result };
}

const sumPoints = (metric: MetricData | undefined) => {
  expect(metric?.dataPointType).toBe(DataPointType.SUM);
  return Object.fromEntries(
    (metric as SumMetricData).dataPoints.map((p) => [
      `${p.attributes['ratelimit.outcome']} ${p.attributes['ratelimit.rule']}`,
      p.value,
    ]),
  );
};

const histogramPoints = (metric: MetricData | undefined) => {
  expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM);
  return (metric as HistogramMetricData).dataPoints;
};

describe('openTelemetryMetrics', () => {
  it('counts decisions by outcome and rule', async () => {
    const { reader, record } = setup();
    for (const event of [
      decision('allowed', 'api:10:3600', 1.5),
      decision('allowed', 'api:10:3600', 0.4),
      decision('denied', 'api:10:3600', 0.7),
      decision('denied', 'api:10:3600', null),
      decision('allowed', 'login:5:60', 0.2),
      decision('shadow', 'login:5:60', 0.3),
      decision('fallback', 'api:10:3600', 250),
    ]) {
      record(event);
    }
    const counter = (await reader.byName()).get('ratelimit.decisions');
    expect(counter?.descriptor).toMatchObject({ unit: '{decision}' });
    expect((counter as SumMetricData).isMonotonic).toBe(true);
    expect(sumPoints(counter)).toEqual({
      'allowed api:10:3600': 2,
      'denied api:10:3600': 2,
      'allowed login:5:60': 1,
      'shadow login:5:60': 1,
      'fallback api:10:3600': 1,
    });
  });

  it('records store latency in seconds, by outcome only, with buckets from 0.1 ms to 1 s', async () => {
    const { reader, record } = setup();
    record(decision('allowed', 'api:10:3600', 1.5));
    record(decision('allowed', 'login:5:60', 0.5));
    record(decision('denied', 'api:10:3600', 20));
    const histogram = (await reader.byName()).get('ratelimit.store.duration');
    expect(histogram?.descriptor).toMatchObject({ unit: 's' });
    const points = histogramPoints(histogram);
    expect(points.map((p) => p.attributes)).toEqual([
      { 'ratelimit.outcome': 'allowed' },
      { 'ratelimit.outcome': 'denied' },
    ]);
    const allowed = points[0]!.value;
    expect(allowed.count).toBe(2);
    expect(allowed.sum).toBeCloseTo(0.002, 9);
    expect(allowed.min).toBeCloseTo(0.0005, 9);
    expect(allowed.max).toBeCloseTo(0.0015, 9);
    expect(allowed.buckets.boundaries).toEqual([
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ]);
    // 0.5 ms falls in (0.25 ms, 0.5 ms], 1.5 ms in (1 ms, 2.5 ms].
    expect(allowed.buckets.counts).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(points[1]!.value).toMatchObject({ count: 1, sum: 0.02 });
  });

  it('records no store latency for a check the store did not answer', async () => {
    const { reader, record } = setup();
    // The over-limit memory and the allow/deny lists answer with no store call.
    record(decision('denied', 'api:10:3600', null));
    record(decision('allowed', 'api:10:3600', null, { listed: 'allow' }));
    const byName = await reader.byName();
    expect(sumPoints(byName.get('ratelimit.decisions'))).toEqual({
      'denied api:10:3600': 1,
      'allowed api:10:3600': 1,
    });
    const histogram = byName.get('ratelimit.store.duration');
    expect(histogram === undefined || histogramPoints(histogram).length === 0).toBe(true);
  });

  it('hands the SDK the same attribute objects on every check of an outcome and rule', () => {
    const { meter } = setup();
    const seen: Attributes[] = [];
    // The real SDK meter, with the attributes each call passes noted on the way.
    const noting: Meter = Object.create(meter, {
      createCounter: {
        value: (...args: Parameters<Meter['createCounter']>) => {
          const counter = meter.createCounter(...args);
          return {
            add: (value: number, attributes?: Attributes) => {
              seen.push(attributes!);
              counter.add(value, attributes);
            },
          };
        },
      },
    });
    const record = openTelemetryMetrics({ meter: noting });
    record(decision('allowed', 'api:10:3600', 1));
    record(decision('allowed', 'api:10:3600', 2));
    record(decision('denied', 'api:10:3600', 2));
    record(decision('allowed', 'api:10:3600', null));
    expect(seen[1]).toBe(seen[0]);
    expect(seen[3]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[0]);
    expect(seen[2]).toEqual({ 'ratelimit.outcome': 'denied', 'ratelimit.rule': 'api:10:3600' });
  });

  // Also what keeps the meter's version in step with package.json.
  it('uses the global meter provider by default, even one registered after it was made', async () => {
    const record = openTelemetryMetrics();
    record(decision('allowed', 'api:10:3600', 1)); // no provider yet: a no-op
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    onTestFinished(async () => {
      metrics.disable();
      await provider.shutdown();
    });
    expect(metrics.setGlobalMeterProvider(provider)).toBe(true);
    record(decision('denied', 'api:10:3600', 1));
    const { resourceMetrics } = await reader.collect();
    const scope = resourceMetrics.scopeMetrics[0]!.scope;
    expect(scope).toMatchObject({ name: '@kit/rate-limiter', version: packageVersion() });
    const byName = await reader.byName();
    expect(sumPoints(byName.get('ratelimit.decisions'))).toEqual({ 'denied api:10:3600': 1 });
  });

  it.each<[string, unknown, string]>([
    ['options that are not an object', 'prometheus', 'options'],
    ['null options', null, 'options'],
    ['an unknown option', { attributes: {} }, 'attributes'],
    ['a meter that is not a Meter', { meter: {} }, 'meter'],
    ['a meter of the wrong type', { meter: 'default' }, 'meter'],
  ])('rejects %s, naming the option', (_name, options, option) => {
    const make = () => openTelemetryMetrics(options as OpenTelemetryMetricsOptions);
    expect(make).toThrow(RateLimiterError);
    expect(make).toThrow(`option \`${option}\``);
    try {
      make();
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_INVALID_OPTION', option });
    }
  });
});

describe('openTelemetryMetrics through the Prometheus exporter', () => {
  it('is scraped as ratelimit_decisions_total and ratelimit_store_duration_*', async () => {
    const port = await freePort();
    const exporter = new PrometheusExporter({ host: '127.0.0.1', port, preventServerStart: true });
    await exporter.startServer();
    const provider = new MeterProvider({ readers: [exporter] });
    onTestFinished(() => provider.shutdown()); // which stops the exporter's server
    const record = openTelemetryMetrics({ meter: provider.getMeter('@kit/rate-limiter', '0.1.0') });
    record(decision('allowed', 'api:10:3600', 0.8));
    record(decision('denied', 'api:10:3600', 0.8));
    record(decision('denied', 'api:10:3600', null));

    const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).toBe(200);
    const lines = (await response.text()).split('\n');
    const sample = (name: string, labels: string) =>
      lines
        .find((line) => line.startsWith(`${name}{${labels}`))
        ?.split(' ')
        .at(-1);
    const scope = 'otel_scope_name="@kit/rate-limiter",otel_scope_version="0.1.0"';
    expect(lines).toContain('# TYPE ratelimit_decisions_total counter');
    expect(lines).toContain('# TYPE ratelimit_store_duration histogram');
    const denied = 'ratelimit_outcome="denied",ratelimit_rule="api:10:3600"';
    expect(sample('ratelimit_decisions_total', `${denied},${scope}`)).toBe('2');
    const deniedOnly = `ratelimit_outcome="denied",${scope}`;
    expect(sample('ratelimit_store_duration_count', deniedOnly)).toBe('1');
    expect(sample('ratelimit_store_duration_sum', deniedOnly)).toBe('0.0008');
    const bucket = (le: string) =>
      sample('ratelimit_store_duration_bucket', `${deniedOnly},le="${le}"}`);
    expect([bucket('0.0005'), bucket('0.001'), bucket('+Inf')]).toEqual(['0', '1', '1']);
  });
});

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  return (manifest as { version: string }).version;
}

/** Every module `entry` reaches through relative imports, and the packages they import. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    // TypeScript's own scan: imports, re-exports, import() and require(), never comments.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      visit(target.endsWith('.ts') ? target : join(target, 'index.ts'));
    }
  };
  visit(join(packageDir, entry));
  return {
    files: [...files].map((file) => relative(packageDir, file)).sort(),
    packages: [...packages].sort(),
  };
}

describe('@opentelemetry/api stays optional', () => {
  const config = tsupConfig as { entry: Record<string, string> };
  const entries = Object.entries(config.entry).filter(([name]) => name !== 'otel');

  it('is imported by the otel entry', () => {
    expect(config.entry.otel).toBe('src/otel.ts');
    expect(importGraph('src/otel.ts').packages).toContain('@opentelemetry/api');
  });

  it.each(entries)('is reached by no module of the %s entry', (_name, entry) => {
    const graph = importGraph(entry);
    expect(graph.files).toContain(entry);
    expect(graph.files).not.toContain('src/otel.ts');
    expect(graph.packages.filter((p) => p.startsWith('@opentelemetry/'))).toEqual([]);
  });
});
