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

/** Per framework and section, its bare app's server and the other rows' servers. */
function pairGroups(running: readonly ServerHandle[]) {
  const groups = new Map<string, { bare?: ServerHandle; rows: ServerHandle[] }>();
  for (const server of running) {
    const { framework, section, role } = server.variant;
    const key = `${framework} ${section}`;
    const group = groups.get(key) ?? { rows: [] };
    if (role === 'bare') group.bare = server;
    else group.rows.push(server);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The HTTP section: one server process per variant (framework x middleware x store), each
 * loaded by wrk over loopback; warm-up, then rounds interleaved across every variant (round 1
 * of each, then round 2, ...), each row's load between two loads of its framework's bare app,
 * which it is compared with. Each load reads the server's CPU time before and after. Returns
 * the markdown.
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
  const rowsOf = (server: ServerHandle): HttpRow => {
    const row = rows.get(server.variant);
    if (!row) throw new Error(`no row for ${server.variant.id}`);
    return row;
  };
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
    const measure = async (server: ServerHandle): Promise<HttpRound> => {
      const onRedis = server.variant.store === 'redis';
      const before = await server.cpu(true);
      const redisBefore = onRedis ? redisCpu() : Number.NaN;
      const result = await load(server, http.roundSeconds);
      const redisAfter = onRedis ? redisCpu() : Number.NaN;
      const after = await server.cpu();
      const perRequest = (us: number) => (result.requests > 0 ? us / result.requests : Number.NaN);
      if (result.errors > 0) {
        log(`  ${server.variant.framework} ${server.variant.id}: ${result.errorDetail}`);
      }
      return {
        ...result,
        cpuUsPerReq: perRequest(after.us - before.us),
        redisUsPerReq: perRequest(redisAfter - redisBefore),
        logged: after.logged - before.logged,
      };
    };
    const groups = pairGroups(running);
    for (let r = 0; r < http.rounds; r++) {
      for (const { bare, rows: members } of groups) {
        // Each row is loaded between two loads of its framework's bare app, and compared with
        // their mean: outside load on the shared VM moves over seconds, so the bare app a
        // minute earlier or later is a poorer yardstick than the one just before and after.
        const bareRow = bare ? rowsOf(bare) : undefined;
        let previous = bare ? await measure(bare) : undefined;
        if (previous) bareRow?.rounds.push(previous);
        for (const server of members) {
          const round = await measure(server);
          const next = bare ? await measure(bare) : undefined;
          if (next) bareRow?.rounds.push(next);
          if (previous && next) {
            round.bare = {
              reqPerSec: (previous.reqPerSec + next.reqPerSec) / 2,
              cpuUsPerReq: (previous.cpuUsPerReq + next.cpuUsPerReq) / 2,
            };
          }
          rowsOf(server).rounds.push(round);
          previous = next;
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
