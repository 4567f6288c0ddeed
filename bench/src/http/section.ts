import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BenchRedis } from '../redis.js';
import type { HttpSettings } from '../settings.js';
import { catalog, pathsOf, type Variant } from './catalog.js';
import { pinCores } from './pinning.js';
import { preflight } from './preflight.js';
import { type ServerHandle, startServer } from './servers.js';
import { type HttpRound, type HttpRow, httpMarkdown } from './tables.js';
import { assertWrk, runWrk } from './wrk.js';

const PROFILE_DIR = fileURLToPath(new URL('../../results/profiles', import.meta.url));
// Every round of every row, for looking at the spread behind a median.
const ROUNDS_FILE = new URL('../../results/http-rounds.json', import.meta.url);

/** The variants this run serves: the selected frameworks, filtered, bare rows always kept. */
function selectVariants(http: HttpSettings): Variant[] {
  const all = catalog(http.frameworks);
  const wanted = http.variants;
  if (!wanted) return all;
  const sections = new Set(all.filter((v) => wanted.includes(v.id)).map((v) => v.section));
  return all.filter((v) => wanted.includes(v.id) || (v.role === 'bare' && sections.has(v.section)));
}

/**
 * The HTTP section: one server process per variant (framework x middleware x store), each
 * loaded by wrk over loopback; warm-up, then rounds interleaved across every variant (round 1
 * of each, then round 2, ...), so a burst of outside load hits all rows alike. Each round
 * reads the server's CPU time before and after. Returns the markdown.
 */
export async function httpSection(
  redis: BenchRedis,
  http: HttpSettings,
  log: (line: string) => void,
): Promise<string> {
  const wrkVersion = assertWrk();
  const variants = selectVariants(http);
  const pinning = pinCores(http.pin, redis.owned ? redis.pid : undefined);
  log(`HTTP: ${variants.length} servers, ${pinning.description}`);
  const rows = new Map<Variant, HttpRow>();
  const running: ServerHandle[] = [];
  try {
    for (const variant of variants) {
      const started = await startServer(variant, {
        redisUrl: redis.url,
        ...(pinning.server ? { cpus: pinning.server } : {}),
        ...(http.cpuProf ? { cpuProfDir: PROFILE_DIR } : {}),
      });
      if ('unavailable' in started) {
        log(`  ${variant.framework} ${variant.id}: not available (${started.unavailable})`);
        rows.set(variant, { variant, unavailable: started.unavailable, rounds: [] });
        continue;
      }
      const check = await preflight(started);
      if (check.problem) log(`  ${variant.framework} ${variant.id}: ${check.problem}`);
      rows.set(variant, { variant, rounds: [], headers: check.headers, problem: check.problem });
      running.push(started);
    }

    const load = (server: ServerHandle, seconds: number) =>
      runWrk({
        port: server.port,
        paths: pathsOf(server.variant.section),
        connections: http.connections,
        seconds,
        ...(pinning.load ? { cpus: pinning.load } : {}),
      });
    for (const server of running) {
      log(`  warm-up ${server.variant.framework} ${server.variant.id}`);
      await load(server, http.warmupSeconds);
    }
    // Only on the bench's own server, whose CPU is its rows' alone.
    const redisCpu = redis.processCpuUs ?? (() => Number.NaN);
    for (let r = 0; r < http.rounds; r++) {
      for (const server of running) {
        const onRedis = server.variant.store === 'redis';
        const before = await server.cpu(true);
        const redisBefore = onRedis ? redisCpu() : Number.NaN;
        const result = await load(server, http.roundSeconds);
        const redisAfter = onRedis ? redisCpu() : Number.NaN;
        const after = await server.cpu();
        const perRequest = (us: number) =>
          result.requests > 0 ? us / result.requests : Number.NaN;
        const round: HttpRound = {
          ...result,
          cpuUsPerReq: perRequest(after.us - before.us),
          redisUsPerReq: perRequest(redisAfter - redisBefore),
          logged: after.logged - before.logged,
        };
        rows.get(server.variant)?.rounds.push(round);
        if (result.errors > 0) {
          log(`  ${server.variant.framework} ${server.variant.id}: ${result.errorDetail}`);
        }
      }
      log(`  HTTP round ${r + 1}/${http.rounds} done`);
    }
  } finally {
    await Promise.all(running.map((s) => s.stop()));
    pinning.restore();
  }
  if (http.cpuProf) log(`  CPU profiles in ${PROFILE_DIR}`);
  await mkdir(new URL('.', ROUNDS_FILE), { recursive: true });
  await writeFile(ROUNDS_FILE, `${JSON.stringify([...rows.values()], null, 1)}\n`);
  return httpMarkdown([...rows.values()], {
    wrkVersion,
    http,
    pinning: pinning.description,
  });
}
