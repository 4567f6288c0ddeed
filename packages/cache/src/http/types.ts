import type { InvalidationPlan } from '../compiled-route.js';
import type { CachedEntry, CacheState, RequestParams } from '../types.js';

/**
 * Request headers as a framework holds them: Node's lower-case header object (Express,
 * Fastify), or a Fetch `Headers` (Hono). The core reads only `authorization`, `cookie` and
 * `if-none-match`.
 */
export type HeaderSource =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get(name: string): string | null };

/** A request as an adapter describes it to the core: plain values, no framework objects. */
export interface CacheRequestInfo {
  /** Upper-case method, e.g. `GET`. */
  method: string;
  /**
   * The path parameters the handler sees (`req.params`, `c.req.param()`; a wildcard as one
   * string). Without `search`, every parameter the key needs, path and query merged, where an
   * array stands for a repeated query parameter.
   */
  params: RequestParams;
  /**
   * The matched route pattern (`/:username/posts{/:page}`), so a query parameter named like an
   * optional path parameter the request left out cannot stand in for it. Read only when the
   * key needs a parameter the request's path did not bind: a getter is welcome.
   */
  readonly routePath?: string | undefined;
  /**
   * The raw query string, without the `?` (`''` when there is none). With it, query values are
   * read from the raw string and checked against `query`; without it, `params` must already
   * hold every value the key needs (the framework-free `appCache.cache()` wrapper).
   */
  search?: string | undefined;
  /** The query as the framework parsed it for the handler (`req.query`, `c.req.queries()`). */
  query?: Readonly<Record<string, unknown>> | undefined;
  headers: HeaderSource;
}

/** The handler's response as the adapter captured it. */
export interface HandlerResponse {
  status: number;
  /**
   * The body as the framework ended it: text, or a buffer of UTF-8 text, is cached; anything
   * else (a stream, other bytes) is not.
   */
  body: unknown;
  /** The encoding the body was ended with (Express's `res.end(chunk, encoding)`), if any. */
  encoding?: unknown;
  /**
   * A response header the handler set, lower-case name (`res.get`, `res.headers.get`,
   * `reply.getHeader`). The core reads `content-type`, and never stores a response with
   * `set-cookie` (the cookie would be replayed to everyone), `vary` or its own `cache-control`.
   */
  header(name: string): unknown;
}

/** What to send instead of the handler's response as it stands. */
export interface Captured {
  /** The status to send: the handler's, or 304 when the request's ETag matched. */
  readonly status: number;
  /** Headers to set on the response (ETag, Cache-Control, X-Cache); empty when not cached. */
  readonly headers: Readonly<Record<string, string>>;
  /** `false` for a 304: send no body, no Content-Type and no Content-Length. */
  readonly body: boolean;
  /** The entry stored for later hits, when the response is cacheable. */
  readonly entry: CachedEntry | undefined;
}

/** A response for the adapter to send as it is: a hit, a stale entry, or a 304. */
export interface CacheReply {
  status: number;
  /** Complete headers, Content-Length included (except on a 304). */
  headers: Record<string, string>;
  /** The stored bytes; `''` for a 304 and for HEAD. */
  body: string;
  state: CacheState;
}

/** The request is not cached: run the handler as usual. */
export interface PassStep {
  readonly action: 'pass';
}

/**
 * A write (POST, PUT, PATCH, DELETE...): run the handler, then `route.invalidate(step, status)`
 * before its response goes out.
 */
export interface InvalidateStep {
  readonly action: 'invalidate';
  readonly plan: InvalidationPlan;
}

/** A cached read: `route.read(step, runHandler)`. */
export interface ReadStep {
  readonly action: 'read';
  readonly key: string;
  readonly head: boolean;
  /** The request carried `Authorization` or a cookie: its response is `private`. */
  readonly credentials: boolean;
  readonly ifNoneMatch: string | undefined;
  /** Tags the entry is filed under. */
  readonly tags: readonly string[];
  /**
   * Set by `read` while the handler runs: the expired entry that may stand in for its error
   * (the route's `grace`), which `capture` sends instead of a 5xx.
   */
  grace?: CachedEntry | undefined;
}

/** What the core decided for one request. */
export type CacheStep = PassStep | InvalidateStep | ReadStep;
