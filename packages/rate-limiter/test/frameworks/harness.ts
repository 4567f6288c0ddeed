import type { Listening } from '../../../../testing/listen.js';
import type { Identity, RateLimiter, RateLimitResult } from '../../src/index.js';
import type { MiddlewareOptions } from '../../src/middleware.js';
import { rawStatus } from '../support/raw-request.js';
import { sleep } from '../support/time.js';

/** A response as the shared scenarios read it: the body is JSON when it parses, else text. */
export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** What a scenario request carries. */
export interface SendInit {
  token?: string;
  forwardedFor?: string;
}

/** A refusal an `onLimit` writes, in framework-neutral form. */
export interface NeutralReply {
  status: number;
  body: unknown;
}

/**
 * Adapter options in framework-neutral form: each harness maps them onto its request type
 * (`identify` gets the Authorization header, `skip` and a function `scope` the request path
 * without its query, `requestWasSuccessful` the response status, `onLimit` returns the reply
 * to write, or nothing for the default).
 */
export type AdapterOptions = Omit<
  MiddlewareOptions<never>,
  'limiter' | 'identify' | 'cost' | 'skip' | 'scope' | 'requestWasSuccessful'
> & {
  identify?: (authorization: string | undefined) => Identity | null | Promise<Identity | null>;
  cost?: number;
  skip?: (path: string) => boolean | Promise<boolean>;
  scope?: 'path' | 'route' | ((path: string) => string);
  requestWasSuccessful?: (status: number) => boolean | Promise<boolean>;
  onLimit?: (result: RateLimitResult) => NeutralReply | undefined;
};

/** How the app is built: routing case, and where the middleware goes. */
export interface AppShape {
  caseSensitive?: boolean;
  /**
   * `'app'` (the default): one middleware in front of every route (a router's `use()`, Hono's
   * `use()`, Fastify's plugin). `'route'`: in each route's own handler chain, where the route
   * pattern is known.
   */
  mount?: 'app' | 'route';
}

/** What the app's handlers saw: invocations per route, and how many ran at once. */
export interface Probe {
  calls: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
}

/** An app with the adapter under test on `/api/v1/*`. */
export interface AdapterApp {
  /** GETs a path (see `Harness` for the routes). */
  send(path: string, init?: SendInit): Promise<Reply>;
  /**
   * Sends the target as given, absolute-form included, and resolves to the status: a raw
   * request line where the framework runs a server, the URL where it takes Requests (Hono).
   */
  sendTarget(target: string): Promise<number>;
  /**
   * Where requests go through a socket: starts a GET and drops the connection after `ms`,
   * resolving once it is dropped.
   */
  abort?: (path: string, ms: number) => Promise<void>;
  probe: Probe;
  close(): Promise<void>;
}

/**
 * One framework, for the shared scenarios. Each app routes, under `/api/v1` (mounted where the
 * framework mounts): `GET /tasks/task` and `GET /tasks` (JSON), `GET /health` (text), `GET /raw`,
 * answered in the framework's rawest way (Hono: a `new Response()`), `GET /post/:id` (JSON),
 * `GET /login?ok=1|0&ms=N` (200 or 401 after N ms), `GET /boom` (throws: a 500) and
 * `GET /seen` (the rate-limit result the handler found, see `seenBody`).
 */
export interface Harness {
  name: string;
  /** Whether `make(..., { caseSensitive: false })` routes `/API/v1` like `/api/v1`. */
  foldsCase: boolean;
  /**
   * What `scope: 'route'` keys by when the middleware is mounted app-wide: `'route'`, the
   * matched route pattern (Fastify's hook runs after routing); `'mount'`, the middleware's own
   * mount path (it runs before routing), so every route behind it shares one bucket.
   */
  appWideRoute: 'route' | 'mount';
  /** Whether requests go through a socket the client can drop (`AdapterApp.abort` is set). */
  abortable: boolean;
  /**
   * Builds the app and waits until it is ready, so bad options reject here: at creation for
   * Express and Hono, at `app.ready()` for Fastify.
   */
  make(limiter: RateLimiter, options?: AdapterOptions, app?: AppShape): Promise<AdapterApp>;
}

export function probe(): Probe {
  return { calls: {}, inFlight: 0, maxInFlight: 0 };
}

/** Runs a handler's work counted in `probe` under `route`. */
export async function handled<T>(
  probe: Probe,
  route: string,
  work: () => T | Promise<T>,
): Promise<T> {
  probe.calls[route] = (probe.calls[route] ?? 0) + 1;
  probe.inFlight++;
  probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
  try {
    return await work();
  } finally {
    probe.inFlight--;
  }
}

/** The `/login` answer: 200 for `ok=1`, else 401, after `ms` milliseconds. */
export function login(probe: Probe, query: { ok?: unknown; ms?: unknown }): Promise<NeutralReply> {
  return handled(probe, 'login', async () => {
    const ms = Number(query.ms ?? 0);
    if (ms > 0) await sleep(ms);
    return query.ok === '1'
      ? { status: 200, body: { ok: true } }
      : { status: 401, body: { detail: 'Wrong password' } };
  });
}

/** The `/boom` handler's error, once counted. */
export function boom(probe: Probe): never {
  probe.calls.boom = (probe.calls.boom ?? 0) + 1;
  throw new Error('boom');
}

/** What `/seen` answers: the parts of the result the handler found that the scenarios read. */
export function seenBody(result: RateLimitResult | undefined): { seen: unknown } {
  if (result === undefined) return { seen: null };
  const { allowed, limit, remaining, scope, listed, shadow } = result;
  return { seen: { allowed, limit, remaining, scope, listed, shadow } };
}

/** Reads a fetch Response into a Reply. */
export async function readReply(response: Response): Promise<Reply> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body };
}

/** Starts a fetch of `url` and aborts it after `ms`, resolving once aborted. */
export async function abortedFetch(url: string, ms: number): Promise<void> {
  const controller = new AbortController();
  const pending = fetch(url, { signal: controller.signal }).then(
    (response) => response.text(),
    () => undefined,
  );
  await sleep(ms);
  controller.abort();
  await pending.catch(() => undefined);
}

/** An AdapterApp over a listening server: fetch for requests, a raw socket for targets. */
export function listeningHarness({ port, base, close }: Listening, probe: Probe): AdapterApp {
  return {
    send: async (path, init) => readReply(await fetch(base + path, { headers: headersOf(init) })),
    sendTarget: (target) => rawStatus(port, target),
    abort: (path, ms) => abortedFetch(base + path, ms),
    probe,
    close,
  };
}

/** Request headers for a SendInit. */
export function headersOf(init: SendInit = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.forwardedFor) headers['x-forwarded-for'] = init.forwardedFor;
  return headers;
}

/** How a framework's request and response read, for `adapt`. */
export interface Readers<Req, Res = Req> {
  authorization(req: Req): string | undefined;
  /** The request path without the query string. */
  path(req: Req): string;
  status(req: Req, res: Res): number;
}

/**
 * Maps framework-neutral options (but `onLimit`, whose shape differs most) onto a framework's
 * request type. A value that is not a function is passed through as is, so the adapter's own
 * checks see it.
 */
export function adapt<Req, Res = Req>(
  options: AdapterOptions,
  read: Readers<Req, Res>,
): Omit<MiddlewareOptions<Req, Res>, 'limiter'> {
  const { identify, skip, scope, requestWasSuccessful, onLimit: _, ...rest } = options;
  const mapped: Omit<MiddlewareOptions<Req, Res>, 'limiter'> = {
    ...rest,
    identify:
      typeof identify === 'function'
        ? (req) => identify(read.authorization(req))
        : (identify as never),
    skip: typeof skip === 'function' ? (req) => skip(read.path(req)) : (skip as never),
    scope: typeof scope === 'function' ? (req) => scope(read.path(req)) : scope,
  };
  if (requestWasSuccessful !== undefined) {
    mapped.requestWasSuccessful =
      typeof requestWasSuccessful === 'function'
        ? (req, res) => requestWasSuccessful(read.status(req, res))
        : (requestWasSuccessful as never);
  }
  return mapped;
}

/**
 * A neutral `onLimit` as a framework's: `write` sends the reply the neutral one returned.
 * A value that is not a function is passed through for the adapter's checks.
 */
export function mapOnLimit<Args extends unknown[], R>(
  onLimit: AdapterOptions['onLimit'],
  write: (reply: NeutralReply, ...args: Args) => R,
): ((result: RateLimitResult, ...args: Args) => R | undefined) | undefined {
  if (typeof onLimit !== 'function') return onLimit as never;
  return (result, ...args) => {
    const reply = onLimit(result);
    return reply === undefined ? undefined : write(reply, ...args);
  };
}
