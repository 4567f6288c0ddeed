import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { invalidationSection } from './cache/invalidation.js';
import { cacheHitSection, loadOursCache } from './cache/section.js';
import { rateLimitSection } from './rate-limit/section.js';
import { acquireBenchRedis } from './redis.js';
import { readSettings } from './settings.js';

const settings = readSettings(process.argv.slice(2));
const log = (line: string) => process.stderr.write(`${line}\n`);
const startedAt = performance.now();
const loadAtStart = loadavg()[0] ?? 0;

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
  await redis.clear();
  const rateLimit = await rateLimitSection(redis, settings, log);
  await redis.clear();
  const oursCache = await loadOursCache(log);
  const hits = await cacheHitSection(redis, oursCache, settings, log);
  await redis.clear();
  const invalidation = await invalidationSection(redis, oursCache, settings, log);
  await redis.clear();
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);
  const header = [
    `# Benchmark results${settings.quick ? ' (--quick smoke run: numbers are not meaningful)' : ''}`,
    '',
    `${new Date().toISOString()} · Node ${process.version} · Redis ${redis.version} · ` +
      `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}) · ` +
      `${settings.concurrency} in flight per Redis row · warm-up ${settings.warmupMs} ms, ` +
      `median of ${settings.rounds} rounds of ${settings.roundMs} ms · run took ${seconds} s · ` +
      `1-min load average ${loadAtStart.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end`,
    '',
  ].join('\n');
  markdown = [header, rateLimit, hits, invalidation].join('\n');
} finally {
  await redis.close();
}

process.stdout.write(`${markdown}\n`);
const out = new URL(`../results/${settings.quick ? 'quick' : 'latest'}.md`, import.meta.url);
await mkdir(new URL('.', out), { recursive: true });
await writeFile(out, `${markdown}\n`);
log(`Written to ${out.pathname}`);
