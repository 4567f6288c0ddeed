/*
 * Type tests, checked by the package's `tsc --noEmit` (the `typecheck` script), never run: a
 * handler after the cache keeps the types its framework infers for the route.
 */
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { expectTypeOf } from 'vitest';
import { cache as expressCache } from '../../src/frameworks/express.js';
import { cachePlugin } from '../../src/frameworks/fastify.js';
import { cache as honoCache } from '../../src/frameworks/hono.js';
import { createCache, type RouteOptions } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';

const appCache = createCache({ store: memoryStore() });
const options: RouteOptions = { keyPrefix: '{username}_posts', resourceIdName: 'username' };

// Express: `string`, not the `string | string[]` of a plain RequestHandler's ParamsDictionary.
const app = express();
app.get('/:username/posts', expressCache(appCache, options), (req, res) => {
  expectTypeOf(req.params.username).toEqualTypeOf<string>();
  expectTypeOf(req.params).toEqualTypeOf<{ username: string }>();
  res.json({});
});
app.patch('/:username/posts/:id', expressCache(appCache, options), (req, res) => {
  expectTypeOf(req.params.id).toEqualTypeOf<string>();
  res.json({});
});
express.Router().get('/files/:name', expressCache(appCache, options), (req, res) => {
  expectTypeOf(req.params.name).toEqualTypeOf<string>();
  res.end();
});
// It still fits where a plain handler is expected.
const handlers: express.RequestHandler[] = [expressCache(appCache, options)];
app.use(handlers);

// Hono: the path's parameters, as without the middleware.
const hono = new Hono();
hono.get('/:username/posts/:id', honoCache(appCache, options), (c) => {
  expectTypeOf(c.req.param('username')).toEqualTypeOf<string>();
  expectTypeOf(c.req.param()).toEqualTypeOf<{ username: string; id: string }>();
  return c.json({});
});

// Fastify: route generics and a typed `config.cache`.
const fastify = Fastify();
await fastify.register(cachePlugin, { cache: appCache });
fastify.get<{ Params: { username: string } }>(
  '/:username/posts',
  { config: { cache: options } },
  async (request) => {
    expectTypeOf(request.params.username).toEqualTypeOf<string>();
    return {};
  },
);
// @ts-expect-error: `config.cache` takes the route options, checked by the compiler too.
fastify.get('/x', { config: { cache: { keyPrefix: 1 } } }, async () => ({}));
// @ts-expect-error: the plugin needs the cache instance.
fastify.register(cachePlugin, {});
