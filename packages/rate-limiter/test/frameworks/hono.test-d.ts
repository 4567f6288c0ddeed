/*
 * Type tests, checked by the package's `tsc --noEmit` (the `typecheck` script), never run: a
 * handler after `rateLimit()` keeps the path parameters, variables and validated input Hono
 * infers for its route.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { validator } from 'hono/validator';
import { expectTypeOf } from 'vitest';
import { rateLimit } from '../../src/frameworks/hono.js';
import { createRateLimiter } from '../../src/index.js';
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
