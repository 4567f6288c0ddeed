import { CompiledRoute } from '../compiled-route.js';
import type { CacheEngine } from '../engine.js';
import { decodeEntry, encodeEntry, matchesIfNoneMatch } from '../entry.js';
import { CacheError } from '../errors.js';
import type { CachedEntry, CacheState, RequestParams, RouteOptions } from '../types.js';
import { bodyText } from './body-text.js';
import { handlerOptsOut, headerOf, isCacheableStatus, isSafeMethod, isTextual } from './headers.js';
import { isPathParamOf } from './path-params.js';
import { readQuery } from './query.js';
import type {
  CacheReply,
  CacheRequestInfo,
  CacheStep,
  Captured,
  HandlerResponse,
  InvalidateStep,
  PassStep,
  ReadStep,
} from './types.js';

const PASS: PassStep = Object.freeze({ action: 'pass' });
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_NAMES: readonly string[] = Object.freeze([]);

/** How a read runs the route's handler: resolves to what `capture` returned, if it ran. */
export type RunHandler = (state: 'MISS' | 'BYPASS') => Promise<Captured | undefined>;

/**
 * The request core of one cached route, shared by every adapter: it decides what a request
 * does (`begin`), reads through the cache (`read`), turns the handler's response into an entry
 * and the headers to send (`capture`), and invalidates after a successful write
 * (`invalidate`). An adapter only moves values between its framework and these four calls.
 *
 * @example
 * ```ts
 * const route = appCache.route({ keyPrefix: '{username}_post_cache', resourceIdName: 'id' });
 * const step = route.begin({ method: 'GET', params: { username: 'alice', id: '5' }, headers: {} });
 * ```
 */
export class CachedRoute {
  readonly #route: CompiledRoute;
  #lastPattern: string | undefined;
  #queryNames: readonly string[] = [];

  constructor(engine: CacheEngine, options: RouteOptions) {
    this.#route = new CompiledRoute(engine, options);
    this.#lastPattern = undefined;
    this.#queryNames = this.#route.usedNames;
  }

  /** `read` for a route that caches GET/HEAD, `write` for one declared for invalidation. */
  get kind(): 'read' | 'write' {
    return this.#route.kind;
  }

  /**
   * What to do with a request. Never throws: a request whose key cannot be built, or whose
   * parameters the handler might read differently, is a `pass` (logged once per route).
   */
  begin(info: CacheRequestInfo): CacheStep {
    const route = this.#route;
    const { method } = info;
    const isRead = method === 'GET' || method === 'HEAD';
    // OPTIONS, TRACE: neither read through the cache nor allowed to evict an entry.
    if (!isRead && isSafeMethod(method)) return PASS;
    if (isRead && route.kind === 'write') {
      route.reportMisuse(method);
      return PASS;
    }
    const path = info.params;
    let params: RequestParams = path;
    let idParams: RequestParams | undefined;
    if (info.search !== undefined) {
      idParams = path;
      const names = this.#queryNamesOf(info, path);
      const reading = readQuery(info.search, info.query, names, route.options.defaults);
      if (!reading.trusted) {
        route.report(new CacheError('E_AMBIGUOUS_PARAM', reading.problem));
        if (isRead) return PASS;
      }
      params = { ...(reading.trusted ? reading.values : reading.candidates), ...path };
    }
    if (!isRead) return { action: 'invalidate', plan: route.plan(params, idParams) };
    let key: string;
    let tags: string[];
    try {
      key = route.key(params, idParams);
      tags = route.tags(params);
    } catch (error) {
      route.report(error);
      return PASS;
    }
    const { headers } = info;
    return {
      action: 'read',
      key,
      head: method === 'HEAD',
      credentials: Boolean(headerOf(headers, 'authorization') || headerOf(headers, 'cookie')),
      ifNoneMatch: headerOf(headers, 'if-none-match'),
      tags,
    };
  }

  /**
   * Reads through the cache. `run` runs the handler (for this request, when it is the one that
   * loads the key, or when the store failed) and resolves to what `capture` returned. Resolves
   * to the reply to send when this request's handler did not run, `undefined` when it did.
   * With `background` (the framework-free wrapper), a stale entry is served at once and the
   * refresh runs detached; adapters, which cannot replay a request, refresh in line.
   */
  async read(step: ReadStep, run: RunHandler, background = false): Promise<CacheReply | undefined> {
    const outcome = await this.#route.read(
      step.key,
      step.tags,
      async (state, grace) => {
        step.grace = grace && decodeEntry(grace.payload, grace.freshUntil);
        const entry = (await run(state))?.entry;
        return entry && encodeEntry(entry);
      },
      background,
    );
    const entry = outcome.record && decodeEntry(outcome.record.payload, outcome.record.freshUntil);
    if (outcome.ran || !entry) return undefined;
    return this.#reply(step, entry, outcome.state);
  }

  /**
   * What to send instead of a failed handler's response (a 5xx, a thrown error rendered as
   * one): the expired entry the route's `grace` still allows, as a `STALE` reply. `undefined`
   * when the handler did not fail or no entry is in grace. Adapters ask before `capture`.
   */
  graceReply(step: ReadStep, status: number): CacheReply | undefined {
    if (status < 500 || !step.grace) return undefined;
    this.#route.reportGrace(status);
    return this.#reply(step, step.grace, 'STALE');
  }

  /**
   * Whether a response is worth reading to its end to cache it: a cacheable status and a text
   * body that is not streamed. Adapters whose body may be a stream ask before reading it.
   */
  wants(status: number, contentType: string | null | undefined, streamed: boolean): boolean {
    return !streamed && isCacheableStatus(status) && isTextual(contentType);
  }

  /**
   * The handler's response turned into an entry (when cacheable) and what to send instead:
   * the cache headers, and a 304 when the request's `If-None-Match` matches.
   */
  capture(step: ReadStep, response: HandlerResponse, state: 'MISS' | 'BYPASS'): Captured {
    const { status, header } = response;
    const body = bodyText(response.body, response.encoding);
    const contentType = header('content-type');
    if (
      body === undefined ||
      !isCacheableStatus(status) ||
      typeof contentType !== 'string' ||
      !isTextual(contentType) ||
      handlerOptsOut(header)
    ) {
      return { status, headers: NO_HEADERS, body: true, entry: undefined };
    }
    const entry = this.#route.entry(status, contentType, body);
    const headers = this.#route.headers(entry, state, step.credentials);
    delete headers['content-type'];
    const notModified = matchesIfNoneMatch(step.ifNoneMatch, entry.etag);
    return { status: notModified ? 304 : status, headers, body: !notModified, entry };
  }

  /**
   * Deletes what a write touched when it succeeded (2xx, or a 3xx such as the 303 after a form
   * post); the response should wait for it, so the next read sees fresh data. `undefined` (at
   * once) for a failed write (4xx, 5xx). Never rejects: store failures are logged.
   */
  invalidate(step: InvalidateStep, status: number): Promise<void> | undefined {
    if (status < 200 || status >= 400) return undefined;
    return this.#route.invalidate(step.plan).then(() => undefined);
  }

  /** Logs an error an adapter caught around these calls (a bug): the request goes on uncached. */
  report(error: unknown): void {
    this.#route.report(error);
  }

  #reply(step: ReadStep, entry: CachedEntry, state: CacheState): CacheReply {
    const headers = this.#route.headers(entry, state, step.credentials);
    if (matchesIfNoneMatch(step.ifNoneMatch, entry.etag)) {
      delete headers['content-type'];
      return { status: 304, headers, body: '', state };
    }
    headers['content-length'] = String(Buffer.byteLength(entry.body));
    return { status: entry.status, headers, body: step.head ? '' : entry.body, state };
  }

  /** The names the route reads from the query: the ones the route pattern does not bind. */
  #queryNamesOf(info: CacheRequestInfo, path: RequestParams): readonly string[] {
    const names = this.#route.usedNames;
    // Most keys need only parameters this request's path bound: no pattern to look at.
    if (names.every((name) => path[name] !== undefined)) return NO_NAMES;
    const pattern = info.routePath;
    if (pattern === undefined) return names.filter((name) => !(name in path));
    if (pattern !== this.#lastPattern) {
      // A middleware usually serves one route: remembering the last pattern is enough.
      this.#lastPattern = pattern;
      this.#queryNames = names.filter((name) => !isPathParamOf(pattern, name));
    }
    return this.#queryNames;
  }
}
