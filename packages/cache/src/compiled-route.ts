import { LogThrottle } from '@kit/internal';
import type { CacheEngine, LoadState, ReadResult } from './engine.js';
import { createEntry } from './entry.js';
import { CacheError } from './errors.js';
import { escapeGlob } from './glob.js';
import { encodeKeyValue, resolveResourceId } from './key-template.js';
import { type ResolvedRouteOptions, resolveRouteOptions } from './options.js';
import type { StoredRecord } from './record.js';
import type {
  CachedEntry,
  CacheState,
  RequestParams,
  RequestParamValue,
  RouteOptions,
} from './types.js';

const REPORT_INTERVAL_MS = 3_600_000;

/** Most combinations of repeated values one write invalidates the keys of. */
export const MAX_WRITE_VARIANTS = 16;

/** The keys, patterns and tags a successful write deletes. */
export interface InvalidationPlan {
  keys: string[];
  patterns: string[];
  tags: string[];
}

/**
 * One cached route's compiled options and the steps the request core builds on: the key,
 * the read, the invalidation plan and its run, the headers of a cached read, and the log of
 * request-time problems.
 */
export class CompiledRoute {
  readonly options: ResolvedRouteOptions;
  readonly #engine: CacheEngine;
  // Request-dependent messages, each logged once an hour: bounded, and a flood of new ones
  // pushes the oldest out instead of silencing the route for good.
  readonly #reported = new LogThrottle(100);
  /** Every parameter name the route's keys and patterns read. */
  readonly #usedNames: readonly string[];
  /** `Cache-Control` of a read without and with credentials. */
  readonly #publicCacheControl: string;
  readonly #privateCacheControl: string;

  constructor(engine: CacheEngine, options: RouteOptions) {
    this.#engine = engine;
    this.options = resolveRouteOptions(options);
    const { keyPrefix, resourceIdName, extraKeys, patterns, tags, invalidateTags } = this.options;
    const templates = [
      keyPrefix,
      ...extraKeys.flatMap(({ prefix, id }) => [prefix, id]),
      ...patterns,
      ...tags,
      ...invalidateTags,
    ];
    const names = new Set(templates.flatMap((template) => template.placeholders));
    if (resourceIdName !== undefined) names.add(resourceIdName);
    this.#usedNames = [...names];
    // Built once: a hit only picks one.
    const { cacheControl, clientMaxAge = engine.options.clientMaxAge } = this.options;
    const directive = (visibility: string) => `${visibility}, max-age=${clientMaxAge}`;
    const auto = cacheControl === 'auto';
    this.#publicCacheControl = directive(auto ? 'public' : cacheControl);
    this.#privateCacheControl = directive(auto ? 'private' : cacheControl);
  }

  /** Every parameter name the route's keys and patterns read. */
  get usedNames(): readonly string[] {
    return this.#usedNames;
  }

  /** `read` routes cache GET/HEAD and invalidate their own key on other methods. */
  get kind(): 'read' | 'write' {
    return this.options.kind;
  }

  /** Fills absent parameters from `defaults`. An empty value is not absent (see {@link key}). */
  #withDefaults(params: RequestParams): RequestParams {
    const { defaults } = this.options;
    for (const name in defaults) {
      if (params[name] === undefined) return { ...defaults, ...withoutUndefined(params) };
    }
    return params;
  }

  /**
   * The request's key, `<prefix>:<id>`, values encoded by `encodeKeyValue`. Throws
   * `E_MISSING_PARAM` or `E_RESOURCE_ID` when it cannot be built, and `E_AMBIGUOUS_PARAM` when
   * a value it needs is empty, repeated or structured: the handler might read another value
   * than the key would hold (`?page=1&page=2`), or reject what a default would have keyed
   * (`?page=`), so such a request must be served uncached.
   *
   * @param idParams Where the resource id is inferred from when `resourceIdName` is not set.
   *   The adapters pass the path parameters: those are fixed by the route, while a client can
   *   append any query parameter (`?zid=8`) and would otherwise choose the key.
   */
  key(params: RequestParams, idParams?: RequestParams): string {
    const filled = this.#withDefaults(params);
    const idSource = this.options.resourceIdName === undefined && idParams ? idParams : filled;
    const id = resolveResourceId(idSource, this.options);
    return `${this.options.keyPrefix.format(filled)}:${encodeKeyValue(id)}`;
  }

  /** The tags a read's entry is filed under; throws like {@link key} when one cannot be built. */
  tags(params: RequestParams): string[] {
    const { tags } = this.options;
    if (tags.length === 0) return [];
    const filled = this.#withDefaults(params);
    return tags.map((tag) => tag.format(filled));
  }

  read(
    key: string,
    tags: readonly string[],
    load: (state: LoadState, grace: StoredRecord | undefined) => Promise<string | undefined>,
    background: boolean,
  ): Promise<ReadResult> {
    const { expirationMs, staleMs, graceMs, singleFlight } = this.options;
    return this.#engine.read(key, () => ({
      tags,
      lifetimes: { freshMs: expirationMs, staleMs, graceMs },
      background,
      load,
      shareFailure: false,
      lockMs: singleFlight === 'global' ? this.#engine.options.lockTimeoutMs : undefined,
    }));
  }

  /** A cacheable response as the entry stored for it, fresh for the route's `expiration`. */
  entry(status: number, contentType: string, body: string): CachedEntry {
    return createEntry(status, contentType, body, Date.now() + this.options.expirationMs);
  }

  /**
   * What a write on this request deletes. Keys that cannot be built (a missing parameter)
   * are left out and logged: the write itself still runs. An empty value counts as absent
   * (its default applies); a repeated one deletes the keys of each of its values, since the
   * handler may have written under any of them (at most {@link MAX_WRITE_VARIANTS}
   * combinations, beyond which the keys needing those values are left out and logged).
   */
  plan(params: RequestParams, idParams?: RequestParams): InvalidationPlan {
    const keys = new Set<string>();
    const patterns = new Set<string>();
    const tags = new Set<string>();
    const attempt = (build: () => string, into: Set<string>) => {
      try {
        into.add(build());
      } catch (error) {
        this.report(error);
      }
    };
    for (const filled of this.#writeVariants(params)) {
      attempt(() => this.key(filled, idParams), keys);
      for (const { prefix, id } of this.options.extraKeys) {
        attempt(() => `${prefix.format(filled)}:${id.format(filled)}`, keys);
      }
      for (const pattern of this.options.patterns) {
        attempt(() => pattern.format(filled, escapeGlob), patterns);
      }
      for (const tag of this.options.invalidateTags) attempt(() => tag.format(filled), tags);
    }
    return { keys: [...keys], patterns: [...patterns], tags: [...tags] };
  }

  #writeVariants(params: RequestParams): RequestParams[] {
    let variants: Array<Record<string, RequestParamValue>> = [{ ...params }];
    for (const name of this.#usedNames) {
      const value = params[name];
      if (value === '') {
        for (const variant of variants) variant[name] = undefined;
        continue;
      }
      if (typeof value !== 'object') continue;
      const choices = [...new Set(value.map((item) => (item === '' ? undefined : item)))];
      if (choices.length === 0) choices.push(undefined);
      // Left as an array, the value makes every template using it fail, which is logged.
      if (variants.length * choices.length > MAX_WRITE_VARIANTS) continue;
      variants = variants.flatMap((variant) =>
        choices.map((choice) => ({ ...variant, [name]: choice })),
      );
    }
    return variants.map((variant) => this.#withDefaults(variant));
  }

  invalidate(plan: InvalidationPlan): Promise<number | undefined> {
    return this.#engine.invalidate({ ...plan, clear: false });
  }

  /** Headers of a successful cached read (hit, miss, stale or bypass). */
  headers(entry: CachedEntry, state: CacheState, hasCredentials: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': entry.contentType,
      etag: entry.etag,
      'cache-control': hasCredentials ? this.#privateCacheControl : this.#publicCacheControl,
    };
    if (this.#engine.options.xCacheHeader) headers['x-cache'] = state;
    return headers;
  }

  /**
   * Logs a request-time problem (each message once an hour per route): the request goes on
   * uncached rather than failing.
   */
  report(error: unknown): void {
    const code = error instanceof CacheError ? error.code : 'E_UNKNOWN';
    const message = error instanceof Error ? error.message : String(error);
    if (!this.#reported.shouldLog(message, REPORT_INTERVAL_MS)) return;
    const details = { code, keyPrefix: this.options.keyPrefix.source };
    const text = `${message} (route "${this.options.keyPrefix.source}" served uncached)`;
    const { logger } = this.#engine.options;
    // An odd request is the client's doing: a warning, without a stack. Only a bug of ours
    // (no code of ours) is an error worth its stack.
    if (code === 'E_AMBIGUOUS_PARAM') logger.warn(details, text);
    else if (code !== 'E_UNKNOWN') logger.error(details, text);
    else logger.error({ ...details, err: error, unexpected: true }, text);
  }

  /** A handler failed and its expired entry went out instead (logged once an hour per status). */
  reportGrace(status: number): void {
    const message = `the handler answered ${status}; serving the expired entry within its grace period`;
    if (!this.#reported.shouldLog(message, REPORT_INTERVAL_MS)) return;
    this.#engine.options.logger.warn(
      { code: 'E_LOAD_FAILED', keyPrefix: this.options.keyPrefix.source, status },
      message,
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

function withoutUndefined(params: RequestParams): RequestParams {
  const out: Record<string, RequestParamValue> = {};
  for (const name in params) {
    if (params[name] !== undefined) out[name] = params[name];
  }
  return out;
}
