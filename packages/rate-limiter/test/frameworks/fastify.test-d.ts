/*
 * Type tests, checked by the package's `tsc --noEmit` (the `typecheck` script), never run: the
 * plugin's options and each route's `config.rateLimit` are typed, and a route's own generics
 * are kept.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { expectTypeOf } from 'vitest';
import { type FastifyRouteRateLimit, rateLimitPlugin } from '../../src/frameworks/fastify.js';
import { createRateLimiter, type RateLimitResult } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';

const limiter = createRateLimiter({ store: memoryStore() });
const app = Fastify();

app.register(rateLimitPlugin, {
  limiter,
  identify: (request) => {
    expectTypeOf(request).toEqualTypeOf<FastifyRequest>();
    return null;
  },
  cost: (request) => (request.method === 'POST' ? 2 : 1),
});
// @ts-expect-error `limiter` is required
app.register(rateLimitPlugin, {});
// @ts-expect-error `cost` is a number or a function
app.register(rateLimitPlugin, { limiter, cost: '2' });

app.get<{ Params: { username: string }; Querystring: { page?: number } }>(
  '/users/:username',
  { config: { rateLimit: { cost: 3 } } },
  async (request) => {
    expectTypeOf(request.params.username).toEqualTypeOf<string>();
    expectTypeOf(request.query.page).toEqualTypeOf<number | undefined>();
    expectTypeOf(request.routeOptions.config.rateLimit).toEqualTypeOf<
      FastifyRouteRateLimit | undefined
    >();
    return { ok: true };
  },
);
app.get('/health', { config: { rateLimit: false } }, async () => 'up');
// @ts-expect-error a route's `cost` is a number or a function too
app.get('/bad-cost', { config: { rateLimit: { cost: 'three' } } }, async () => 'x');
// @ts-expect-error `true` is not a route setting: omit it, or pass false or overrides
app.get('/bad-flag', { config: { rateLimit: true } }, async () => 'x');

// The handler finds the check in `request.rateLimit`: undefined when nothing was checked.
app.get('/limited', async (request) => {
  expectTypeOf(request.rateLimit).toEqualTypeOf<RateLimitResult | undefined>();
  return 'ok';
});
app.register(rateLimitPlugin, {
  limiter,
  onLimit: (result, request, reply) => {
    expectTypeOf(result).toEqualTypeOf<RateLimitResult>();
    expectTypeOf(request).toEqualTypeOf<FastifyRequest>();
    expectTypeOf(reply).toEqualTypeOf<FastifyReply>();
    return reply.code(429).send({ retryAfter: result.retryAfter });
  },
  requestWasSuccessful: (_request, reply) => {
    expectTypeOf(reply).toEqualTypeOf<FastifyReply>();
    return reply.statusCode < 400;
  },
  scope: 'route',
  onIdentifyError: 'deny',
});
// A route's own settings may change the count by outcome.
app.post('/login', { config: { rateLimit: { skipSuccessfulRequests: true } } }, async () => 'x');
