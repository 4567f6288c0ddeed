import type { RouteOptions } from '../../src/index.js';

/** The routes every adapter's test app mounts, mirroring the example blog app. */
export interface TestRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Hono and Fastify syntax; Express 5 writes an optional parameter as `{/:name}`. */
  path: string;
  expressPath?: string;
  name: string;
  options?: RouteOptions;
}

/** What a test route's handler answers; `contentType` sends `body` as that text, not JSON. */
export interface BackendResponse {
  status: number;
  body: unknown;
  contentType?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const postWrite: RouteOptions = {
  keyPrefix: '{username}_post_cache',
  resourceIdName: 'id',
  toInvalidateExtra: { '{username}_profile': '{username}' },
  patternToInvalidateExtra: ['{username}_posts:*'],
};

export const ROUTES: TestRoute[] = [
  {
    method: 'GET',
    path: '/:username/posts',
    name: 'list',
    options: {
      keyPrefix: '{username}_posts:page_{page}:items_per_page:{items_per_page}',
      resourceIdName: 'username',
      expiration: 60,
      defaults: { page: 1, items_per_page: 10 },
    },
  },
  {
    method: 'POST',
    path: '/:username/posts',
    name: 'create',
    options: {
      keyPrefix: '{username}_posts',
      resourceIdName: 'username',
      patternToInvalidateExtra: ['{username}_posts:*'],
    },
  },
  {
    method: 'GET',
    path: '/:username/posts/:id',
    name: 'read',
    options: { keyPrefix: '{username}_post_cache', resourceIdName: 'id', expiration: 3600 },
  },
  {
    // A write on a read route deletes its own key: here one built from query parameters.
    method: 'POST',
    path: '/:username/posts/touch',
    name: 'touch',
    options: {
      keyPrefix: '{username}_posts:page_{page}:items_per_page:{items_per_page}',
      resourceIdName: 'username',
      defaults: { page: 1, items_per_page: 10 },
    },
  },
  { method: 'PATCH', path: '/:username/posts/:id', name: 'update', options: postWrite },
  { method: 'DELETE', path: '/:username/posts/:id', name: 'delete', options: postWrite },
  { method: 'GET', path: '/items/:item_id', name: 'item', options: { keyPrefix: 'item' } },
  { method: 'GET', path: '/tags/:name', name: 'tag', options: { keyPrefix: 'tag' } },
  {
    method: 'GET',
    path: '/shared/:id',
    name: 'shared',
    options: { keyPrefix: 'shared', cacheControl: 'public' },
  },
  { method: 'GET', path: '/missing/:id', name: 'missing', options: { keyPrefix: 'missing' } },
  {
    method: 'GET',
    path: '/misuse/:id',
    name: 'misuse',
    options: { keyPrefix: 'misuse', patternToInvalidateExtra: ['misuse:*'] },
  },
  {
    method: 'GET',
    path: '/swr/:id',
    name: 'swr',
    options: { keyPrefix: 'swr', expiration: '300 ms', staleWhileRevalidate: 30 },
  },
  {
    // An absent optional path parameter: a query parameter of its name must not stand in.
    method: 'GET',
    path: '/pages/:page?',
    expressPath: '/pages{/:page}',
    name: 'pages',
    options: { keyPrefix: 'pages', resourceIdName: 'page', defaults: { page: 1 } },
  },
  { method: 'GET', path: '/empty/:id', name: 'empty', options: { keyPrefix: 'empty' } },
  {
    method: 'GET',
    path: '/tagged/:username/:id',
    name: 'tagged',
    options: { keyPrefix: 'tagged:{username}', resourceIdName: 'id', tags: ['posts:{username}'] },
  },
  {
    method: 'POST',
    path: '/tagged/:username',
    name: 'tagwrite',
    options: {
      keyPrefix: 'tagwrite',
      resourceIdName: 'username',
      tagsToInvalidate: ['posts:{username}'],
    },
  },
  {
    method: 'GET',
    path: '/grace/:id',
    name: 'grace',
    options: { keyPrefix: 'grace', expiration: '200 ms', grace: 30 },
  },
  { method: 'GET', path: '/vendor/:id', name: 'vendor', options: { keyPrefix: 'vendor' } },
];

/** The data layer behind the test routes: counts calls, can be slowed down or made to fail. */
export function createBackend() {
  const backend = {
    calls: {} as Record<string, number>,
    delayMs: 0,
    fail: false,
    /** The handler throws (rendered as a 500 by the framework). */
    crash: false,
    version: 0,
    /** `query` and `path` as the framework parsed them for the handler. */
    async handle(
      name: string,
      query: Record<string, unknown>,
      path: Record<string, unknown>,
    ): Promise<BackendResponse> {
      const params = { ...query, ...path };
      backend.calls[name] = (backend.calls[name] ?? 0) + 1;
      const version = ++backend.version;
      if (backend.delayMs > 0) await sleep(backend.delayMs);
      if (backend.crash) throw new Error('handler crashed');
      if (backend.fail) {
        const status = name === 'create' ? 500 : name === 'grace' ? 503 : 422;
        return { status, body: { detail: 'nope' } };
      }
      switch (name) {
        case 'create':
          return { status: 201, body: { created: true } };
        case 'delete':
          return { status: 204, body: null };
        case 'missing':
          return { status: 404, body: { detail: 'not found' } };
        case 'empty':
          return { status: 204, body: null };
        case 'pages':
          return { status: 200, body: { page: path.page ?? '1', version } };
        case 'vendor': {
          const body = JSON.stringify({ data: { text: 'héllo ✓', version } });
          return { status: 200, body, contentType: 'application/vnd.api+json' };
        }
        default:
          return { status: 200, body: { route: name, params, version, text: 'héllo ✓' } };
      }
    },
  };
  return backend;
}

export type Backend = ReturnType<typeof createBackend>;
