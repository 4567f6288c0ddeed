import type { RouteOptions as CacheRouteOptions } from '@kit/cache';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import type { UserRow } from '../services/users.js';

export type Method = 'get' | 'post' | 'patch' | 'delete';

/** Who may call a route: anyone, any logged-in user, or a superuser. */
export type Access = 'public' | 'user' | 'superuser';

/** What a handler receives: validated params, query and body, and the caller when required. */
export interface RouteInput<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** The caller; set when the route's access is `user` or `superuser`. */
  user: UserRow;
  /** The request's cookies (the refresh token). */
  cookies: Record<string, string>;
  /** The `Authorization` header as sent (logout revokes its token). */
  authorization: string | undefined;
}

/** A handler's answer with response headers (a cookie, say); any other value is the body alone. */
export class Reply {
  constructor(
    readonly body: unknown,
    readonly headers: Record<string, string>,
  ) {}
}

/** What OpenAPI says about a route beyond its schemas and access rules. */
export interface RouteDocs {
  /** Cookies the route reads, as cookie parameters. */
  cookies?: z.ZodObject;
  /** Headers of the success response: name → description. */
  headers?: Record<string, string>;
  /** Error responses besides those of the access rules: status → description. */
  responses?: Record<number, string>;
}

/**
 * One API route, framework-free. The apps turn each into a framework route (adding the
 * rate-limit and cache middleware it asks for); OpenAPI is generated from the same objects.
 */
export interface ApiRoute {
  method: Method;
  /** Express/Hono syntax, `/api/v1/user/:username`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  /** Success status. @default 200 */
  status?: number;
  params?: z.ZodType;
  query?: z.ZodType;
  /** JSON body schema. */
  body?: z.ZodType;
  /** `application/x-www-form-urlencoded` body schema (login). */
  form?: z.ZodType;
  response: z.ZodType;
  /** Limited by `@kit/rate-limiter` with the caller's tier rules. */
  rateLimited?: boolean;
  /** Limited by `ctx.loginLimiter`: failed attempts per (submitted account, client IP). */
  loginLimited?: boolean;
  /** Options of `@kit/cache`'s `cache()` middleware, placed before the handler. */
  cache?: CacheRouteOptions;
  /**
   * Headers on every response of the route, refusals included (`Cache-Control: no-store` where
   * tokens or personal data are answered); the apps set them before any middleware.
   */
  headers?: Record<string, string>;
  docs?: RouteDocs;
  handle(ctx: AppContext, input: RouteInput): Promise<unknown>;
}

/** The request as the framework hands it over: raw strings and the framework's parsed query. */
export interface RawRequest {
  params: Record<string, string>;
  /**
   * The query as the framework parsed it for its handlers (Express `req.query`, Hono
   * `c.req.query()`): the same object `@kit/cache` keys by, so both read one query.
   */
  query: Readonly<Record<string, unknown>>;
  /** The raw body, `undefined` or `''` when none was sent. */
  body: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  /** The `Cookie` header. */
  cookie?: string | undefined;
}

/** What the framework sends back: always a JSON body. */
export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

/** A route as written: the handler's input is typed from the route's own schemas. */
export interface RouteSpec<P, Q, B, F>
  extends Omit<ApiRoute, 'params' | 'query' | 'body' | 'form' | 'handle'> {
  params?: P;
  query?: Q;
  body?: B;
  form?: F;
  handle(
    ctx: AppContext,
    input: RouteInput<Out<P>, Out<Q>, B extends z.ZodType ? z.output<B> : Out<F>>,
  ): Promise<unknown>;
}

/** Declares a route; the schemas given type what its handler receives. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  F extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B, F>): ApiRoute {
  return spec as unknown as ApiRoute;
}
