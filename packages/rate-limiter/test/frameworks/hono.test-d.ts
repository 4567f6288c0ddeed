/*
 * Type tests, checked by the package's `tsc --noEmit` (the `typecheck` script), never run: a
 * handler after `rateLimit()` keeps the path parameters, variables and validated input Hono
 * infers for its route.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { validator } from 'hono/validator';
import { expectTypeOf } from 'vitest';
import { rateLimit } from '../../src/frameworks/hono.js';
import { createRateLimiter, type RateLimitResult } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';

const limiter = createRateLimiter({ store: memoryStore() });
const limit = rateLimit({
  limiter,
  identify: (c) => {
    expectTypeOf(c).toEqualTypeOf<Context>();
    return null;
  },
});
const app = new Hono<{ Variables: { user: string } }>();

app.get('/users/:username', limit, (c) => {
  expectTypeOf(c.req.param('username')).toEqualTypeOf<string>();
  expectTypeOf(c.req.param()).toEqualTypeOf<{ username: string }>();
  // The app's own variables are not widened by the middleware's environment.
  expectTypeOf(c.get('user')).toEqualTypeOf<string>();
  return c.text('ok');
});

app.post(
  '/items/:id',
  limit,
  validator('json', (value) => value as { name: string }),
  (c) => {
    expectTypeOf(c.req.param('id')).toEqualTypeOf<string>();
    expectTypeOf(c.req.valid('json')).toEqualTypeOf<{ name: string }>();
    return c.json({ ok: true });
  },
);

app.use('/api/*', limit);
const chain: MiddlewareHandler[] = [limit];
expectTypeOf(chain).toEqualTypeOf<MiddlewareHandler[]>();

// The handler finds the check in `c.get('rateLimit')`: undefined when nothing was checked.
app.get('/limited', limit, (c) => {
  expectTypeOf(c.get('rateLimit')).toEqualTypeOf<RateLimitResult | undefined>();
  return c.text('ok');
});
rateLimit({
  limiter,
  // A Response to send, or nothing for the default 429.
  onLimit: (result, c) => {
    expectTypeOf(result).toEqualTypeOf<RateLimitResult>();
    expectTypeOf(c).toEqualTypeOf<Context>();
    return result.retryAfter > 60 ? c.json({ retryAfter: result.retryAfter }, 429) : undefined;
  },
  requestWasSuccessful: (c, res) => {
    expectTypeOf(res).toEqualTypeOf<Context>();
    return c.res.status < 400;
  },
  scope: (c) => c.req.path.split('/')[1] ?? '',
});
// @ts-expect-error onLimit answers with a Response (or nothing), not a body
rateLimit({ limiter, onLimit: () => ({ error: 'slow down' }) });
