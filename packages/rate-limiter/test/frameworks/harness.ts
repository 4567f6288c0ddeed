import type { Listening } from '../../../../testing/listen.js';
import type { Identity, RateLimiter } from '../../src/index.js';
import type { MiddlewareOptions } from '../../src/middleware.js';
import { rawStatus } from '../support/raw-request.js';

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

/**
 * Adapter options in framework-neutral form: each harness maps them onto its request type
 * (`identify` gets the Authorization header, `skip` the path the framework reports).
 */
export type AdapterOptions = Omit<
  MiddlewareOptions<never>,
  'limiter' | 'identify' | 'cost' | 'skip'
> & {
  identify?: (authorization: string | undefined) => Identity | null | Promise<Identity | null>;
  cost?: number;
  skip?: (path: string) => boolean | Promise<boolean>;
};

/** An app with the adapter under test on `/api/v1/*`. */
export interface AdapterApp {
  /** GETs a path (`/api/v1/tasks/task`, `/api/v1/tasks`, `/api/v1/health`, `/api/v1/raw`). */
  send(path: string, init?: SendInit): Promise<Reply>;
  /**
   * Sends the target as given, absolute-form included, and resolves to the status: a raw
   * request line where the framework runs a server, the URL where it takes Requests (Hono).
   */
  sendTarget(target: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * One framework, for the shared scenarios. Each app routes, under `/api/v1` (mounted where the
 * framework mounts): `GET /tasks/task` and `GET /tasks` (JSON), `GET /health` (text), and
 * `GET /raw`, answered in the framework's rawest way (Hono: a `new Response()`).
 */
export interface Harness {
  name: string;
  /** Whether `make(..., { caseSensitive: false })` routes `/API/v1` like `/api/v1`. */
  foldsCase: boolean;
  /**
   * Builds the app and waits until it is ready, so bad options reject here: at creation for
   * Express and Hono, at `app.ready()` for Fastify.
   */
  make(
    limiter: RateLimiter,
    options?: AdapterOptions,
    app?: { caseSensitive?: boolean },
  ): Promise<AdapterApp>;
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

/** An AdapterApp over a listening server: fetch for requests, a raw socket for targets. */
export function listeningHarness({ port, base, close }: Listening): AdapterApp {
  return {
    send: async (path, init) => readReply(await fetch(base + path, { headers: headersOf(init) })),
    sendTarget: (target) => rawStatus(port, target),
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

/**
 * Maps framework-neutral options onto a framework's request type. A value that is not a
 * function is passed through as is, so the adapter's own checks see it.
 */
export function adapt<Req>(
  options: AdapterOptions,
  authorizationOf: (req: Req) => string | undefined,
  pathOf: (req: Req) => string,
): Omit<MiddlewareOptions<Req>, 'limiter'> {
  const { identify, skip, ...rest } = options;
  return {
    ...rest,
    identify:
      typeof identify === 'function'
        ? (req) => identify(authorizationOf(req))
        : (identify as never),
    skip: typeof skip === 'function' ? (req) => skip(pathOf(req)) : (skip as never),
  };
}
