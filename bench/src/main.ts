import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { invalidationSection } from './cache/invalidation.js';
import { layersSection } from './cache/layers-section.js';
import { cacheHitSection, loadOursCache } from './cache/section.js';
import { httpSection } from './http/section.js';
import { assertWrk } from './http/wrk.js';
import { rateLimitSection } from './rate-limit/section.js';
import { acquireBenchRedis } from './redis.js';
import { readSettings, SECTIONS } from './settings.js';

const settings = readSettings(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`${line}\n`);
const startedAt = performance.now();
// A partial run writes its own file, so it never stands in for a full run's latest.md.
const partial = settings.sections.length < SECTIONS.length;
const loadAtStart = loadavg()[0] ?? 0;
const runs = (section: (typeof settings.sections)[number]) => settings.sections.includes(section);
// Before anything else: a missing wrk should not surface after the other sections' minutes.
if (runs('http')) assertWrk();

const redis = await acquireBenchRedis();
log(
  `Redis ${redis.version} at ${redis.url}${redis.owned ? ' (throwaway server)' : ' (REDIS_URL)'}`,
);
if (!redis.owned) {
  log(
    "REDIS_URL is set: the bench writes bench:* and its peers' keys there, and does not flush it.",
  );
}

let markdown: string;
try {
  const parts: string[] = [];
  await redis.clear();
  if (runs('rate-limit')) {
    parts.push(await rateLimitSection(redis, settings, log));
    await redis.clear();
  }
  if (runs('layers')) {
    parts.push(await layersSection(redis, settings, log));
    await redis.clear();
  }
  if (runs('cache') || runs('invalidation')) {
    const oursCache = await loadOursCache(log);
    if (runs('cache')) parts.push(await cacheHitSection(redis, oursCache, settings, log));
    await redis.clear();
    if (runs('invalidation')) {
      parts.push(await invalidationSection(redis, oursCache, settings, log));
      await redis.clear();
    }
  }
  if (runs('http')) {
    parts.push(await httpSection(redis, settings.http, log));
    await redis.clear();
  }
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);
  const only = partial ? ` (only ${settings.sections.join(', ')})` : '';
  const header = [
    `# Benchmark results${only}${settings.quick ? ' (--quick smoke run: numbers are not meaningful)' : ''}`,
    '',
    `${new Date().toISOString()} · Node ${process.version} · Redis ${redis.version} · ` +
      `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}) · ` +
      `${settings.concurrency} in flight per Redis row · warm-up ${settings.warmupMs} ms, ` +
      `median of ${settings.rounds} rounds of ${settings.roundMs} ms` +
      (settings.isolate ? ` over ${settings.processesPerRow} processes per row` : ', one process') +
      ` · run took ${seconds} s · ` +
      `1-min load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end`,
    '',
  ].join('\n');
  markdown = [header, ...parts].join('\n');
} finally {
  await redis.close();
}

process.stdout.write(`${markdown}\n`);
const name = partial ? settings.sections.join('+') : 'latest';
const file = settings.quick ? (partial ? `${name}-quick` : 'quick') : name;
const out = new URL(`../results/${file}.md`, import.meta.url);
await mkdir(new URL('.', out), { recursive: true });
await writeFile(out, `${markdown}\n`);
log(`Written to ${out.pathname}`);
