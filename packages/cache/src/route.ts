import type { CacheEngine, Loader } from './engine.js';
import { createEntry } from './entry.js';
import { CacheError } from './errors.js';
import { escapeGlob } from './glob.js';
import { resolveResourceId } from './key-template.js';
import { type ResolvedRouteOptions, resolveRouteOptions } from './options.js';
import type { CachedEntry, CacheState, ReadOutcome, RequestParams, RouteOptions } from './types.js';

/** The keys and patterns a successful write deletes. */
export interface InvalidationPlan {
  keys: string[];
  patterns: string[];
}

/** True for the methods that read through the cache. */
export function isReadMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * One cached route: its compiled options plus the request-level steps the adapters call
 * (build the key, read, capture a response, plan and run invalidation, pick headers).
 * Everything an adapter does besides moving bytes lives here.
 */
export class CacheRoute {
  readonly options: ResolvedRouteOptions;
  readonly #engine: CacheEngine;
  readonly #reported = new Set<string>();

  constructor(engine: CacheEngine, options: RouteOptions) {
    this.#engine = engine;
    this.options = resolveRouteOptions(options);
  }

  /** `read` routes cache GET/HEAD and invalidate their own key on other methods. */
  get kind(): 'read' | 'write' {
    return this.options.kind;
  }

  #withDefaults(params: RequestParams): RequestParams {
    const { defaults } = this.options;
    for (const name in defaults) {
      if (params[name] === undefined || params[name] === '')
        return { ...defaults, ...stripEmpty(params) };
    }
    return params;
  }

  /** The request's key, `<prefix>:<id>`. Throws `E_MISSING_PARAM` or `E_RESOURCE_ID`. */
  key(params: RequestParams): string {
    const filled = this.#withDefaults(params);
    return `${this.options.keyPrefix.format(filled)}:${resolveResourceId(filled, this.options)}`;
  }

  read(key: string, load: Loader, background: boolean): Promise<ReadOutcome> {
    const { expirationMs, staleMs } = this.options;
    return this.#engine.read(key, load, expirationMs + staleMs, background);
  }

  /** Turns a handler's response into an entry, or `undefined` when it must not be cached. */
  capture(
    status: number,
    contentType: string | undefined,
    body: unknown,
    setsCookie: boolean,
  ): CachedEntry | undefined {
    if (status < 200 || status >= 300 || status === 206 || setsCookie) return undefined;
    if (typeof body !== 'string' || !contentType) return undefined;
    return createEntry(status, contentType, body, Date.now() + this.options.expirationMs);
  }

  /**
   * What a write on this request deletes. Keys that cannot be built (a missing parameter)
   * are left out and logged as errors: the write itself still runs.
   */
  plan(params: RequestParams): InvalidationPlan {
    const filled = this.#withDefaults(params);
    const plan: InvalidationPlan = { keys: [], patterns: [] };
    const attempt = (build: () => string, into: string[]) => {
      try {
        into.push(build());
      } catch (error) {
        this.report(error);
      }
    };
    attempt(() => this.key(filled), plan.keys);
    for (const { prefix, id } of this.options.extraKeys) {
      attempt(() => `${prefix.format(filled)}:${id.format(filled)}`, plan.keys);
    }
    for (const pattern of this.options.patterns) {
      attempt(() => pattern.format(filled, escapeGlob), plan.patterns);
    }
    return plan;
  }

  invalidate(plan: InvalidationPlan): Promise<number | undefined> {
    return this.#engine.invalidate(plan.keys, plan.patterns);
  }

  /** Headers of a successful cached read (hit, miss, stale or bypass). */
  headers(entry: CachedEntry, state: CacheState, hasCredentials: boolean): Record<string, string> {
    const { cacheControl, clientMaxAge } = this.options;
    const visibility =
      cacheControl === 'auto' ? (hasCredentials ? 'private' : 'public') : cacheControl;
    const headers: Record<string, string> = {
      'content-type': entry.contentType,
      etag: entry.etag,
      'cache-control': `${visibility}, max-age=${clientMaxAge ?? this.#engine.options.clientMaxAge}`,
    };
    if (this.#engine.options.xCacheHeader) headers['x-cache'] = state;
    return headers;
  }

  /**
   * Logs a request-time configuration problem (once per kind per route): the request goes on
   * uncached rather than failing.
   */
  report(error: unknown): void {
    const code = error instanceof CacheError ? error.code : 'E_UNKNOWN';
    const message = error instanceof Error ? error.message : String(error);
    // Bounded: request-dependent messages must not grow memory without end.
    if (this.#reported.has(message) || this.#reported.size >= 100) return;
    this.#reported.add(message);
    this.#engine.options.logger.error(
      { code, keyPrefix: this.options.keyPrefix.source, err: error },
      `${message} (route "${this.options.keyPrefix.source}" served uncached)`,
    );
  }

  /** A read request reached a route declared for invalidation: serve it uncached, say so once. */
  reportMisuse(method: string): void {
    this.report(
      new CacheError(
        'E_ROUTE_MISUSE',
        `a ${method} request reached a route with invalidation options; reads are not cached there`,
      ),
    );
  }
}

function stripEmpty(params: RequestParams): RequestParams {
  const out: Record<string, string | number | undefined> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}
