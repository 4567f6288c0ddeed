import { FRAMEWORKS, type Framework } from './http/catalog.js';

export const SECTIONS = ['rate-limit', 'cache', 'layers', 'invalidation', 'http'] as const;
export type SectionName = (typeof SECTIONS)[number];

/** How the HTTP section loads its servers. */
export interface HttpSettings {
  /** wrk keep-alive connections, from one wrk thread. */
  connections: number;
  /** wrk counts whole seconds. */
  warmupSeconds: number;
  roundSeconds: number;
  rounds: number;
  frameworks: Framework[];
  /** Only these variant ids (each framework's bare rows always run); undefined for all. */
  variants: string[] | undefined;
  /** Pin servers and load generator to different cores with `taskset` when there are two. */
  pin: boolean;
  /** Write a V8 CPU profile per server to bench/results/profiles/. */
  cpuProf: boolean;
}

/** How long and how hard one run measures. */
export interface Settings {
  quick: boolean;
  /**
   * Each throughput row built and timed in a process of its own (the default), or all in this
   * one (`--shared-process`, to see what rows sharing one process's compiled code cost).
   */
  isolate: boolean;
  /**
   * Processes each isolated row runs in, its rounds taken in turn: one process's luck (V8's
   * random hash seed, where its heap landed) moved a row's median by up to 30% from run to run,
   * and the median over processes is what a typical process of an app sees.
   */
  processesPerRow: number;
  /** The sections this run makes, in the order of SECTIONS. */
  sections: SectionName[];
  /** Operations in flight per Redis-backed case, all on that case's one connection. */
  concurrency: number;
  warmupMs: number;
  roundMs: number;
  rounds: number;
  /** Distinct keys the throughput cases cycle through (many callers, not one hot key). */
  keySpace: number;
  /** Distinct keys inserted to measure heap bytes per tracked rate-limit key. */
  heapKeys: number;
  /** Users x pages per user written before the invalidation timing (1000 x 1000 = 1M keys). */
  fillUsers: number;
  pagesPerUser: number;
  /** Users whose 10 pages are invalidated and timed, per method; the median is reported. */
  invalidationSamples: number;
  http: HttpSettings;
}

/** The value of `--name value` or `--name=value`, split on commas; undefined when absent. */
function listFlag(argv: readonly string[], name: string): string[] | undefined {
  for (const [i, arg] of argv.entries()) {
    const value =
      arg === name
        ? argv[i + 1]
        : arg.startsWith(`${name}=`)
          ? arg.slice(name.length + 1)
          : undefined;
    if (value !== undefined) return value.split(',').filter((x) => x !== '');
  }
  return undefined;
}

function oneOf<T extends string>(name: string, values: string[], allowed: readonly T[]): T[] {
  for (const v of values) {
    if (!allowed.includes(v as T)) {
      throw new Error(`${name}: unknown value "${v}" (one of ${allowed.join(', ')})`);
    }
  }
  return values as T[];
}

function numberFlag(argv: readonly string[], name: string, fallback: number): number {
  const value = listFlag(argv, name)?.[0];
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

/**
 * Full run (about 4 minutes, plus about 12 for the HTTP section, on 2 cores) or `--quick` smoke
 * run. `--only http` (or any comma list of sections) runs just those; `--framework hono`,
 * `--variant rl-ours-memory`, `--no-pin`, `--cpu-prof`, `--http-rounds N` and
 * `--http-seconds N` shape the HTTP section; `--shared-process` times the library rows in this
 * process instead of in processes of their own (`--processes N` per row, 3 by default).
 */
export function readSettings(argv: readonly string[]): Settings {
  const quick = argv.includes('--quick');
  const only = listFlag(argv, '--only');
  const sections = only ? oneOf('--only', only, SECTIONS) : [...SECTIONS];
  const http: HttpSettings = {
    connections: 64,
    warmupSeconds: quick ? 1 : 2,
    roundSeconds: numberFlag(argv, '--http-seconds', 1),
    rounds: numberFlag(argv, '--http-rounds', quick ? 2 : 8),
    frameworks: oneOf('--framework', listFlag(argv, '--framework') ?? [...FRAMEWORKS], FRAMEWORKS),
    variants: listFlag(argv, '--variant'),
    pin: !argv.includes('--no-pin'),
    cpuProf: argv.includes('--cpu-prof'),
  };
  const base = {
    quick,
    isolate: !argv.includes('--shared-process'),
    sections: SECTIONS.filter((s) => sections.includes(s)),
    http,
  };
  if (quick) {
    return {
      ...base,
      concurrency: 128,
      processesPerRow: 1,
      warmupMs: 100,
      roundMs: 200,
      rounds: 3,
      keySpace: 1_000,
      heapKeys: 20_000,
      fillUsers: 20,
      pagesPerUser: 500,
      invalidationSamples: 3,
    };
  }
  return {
    ...base,
    concurrency: 128,
    processesPerRow: numberFlag(argv, '--processes', 3),
    warmupMs: 1_000,
    roundMs: 1_500,
    rounds: 6,
    keySpace: 10_000,
    heapKeys: 500_000,
    fillUsers: 1_000,
    pagesPerUser: 1_000,
    invalidationSamples: 5,
  };
}
