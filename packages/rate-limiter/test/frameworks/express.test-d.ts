/*
 * Type tests, checked by the package's `tsc --noEmit` (the `typecheck` script), never run: a
 * handler after `rateLimit()` keeps the types Express infers for its route.
 */
import express, { type RequestHandler } from 'express';
import { expectTypeOf } from 'vitest';
import { rateLimit } from '../../src/frameworks/express.js';
import { createRateLimiter, type RateLimitResult } from '../../src/index.js';
import { memoryStore } from '../../src/stores/memory.js';

const limiter = createRateLimiter({ store: memoryStore() });
const limit = rateLimit({
  limiter,
  // The options' callbacks get Express's own Request.
  identify: (req) => {
    expectTypeOf(req).toEqualTypeOf<express.Request>();
    return null;
  },
});
const app = express();

// Route parameters stay `string`: the middleware is no inference candidate that would widen
// them to `ParamsDictionary` (`string | string[]` in @types/express 5).
app.get('/users/:username', limit, (req, res) => {
  expectTypeOf(req.params.username).toEqualTypeOf<string>();
  expectTypeOf(req.params).toEqualTypeOf<{ username: string }>();
  res.end();
});
app.post('/orgs/:org/repos/:repo', limit, limit, (req, res) => {
  expectTypeOf(req.params.org).toEqualTypeOf<string>();
  expectTypeOf(req.params.repo).toEqualTypeOf<string>();
  res.end();
});
express.Router().get('/files/:name', limit, (req, res) => {
  expectTypeOf(req.params.name).toEqualTypeOf<string>();
  res.end();
});
express
  .Router()
  .route('/tags/:tag')
  .get(limit, (req, res) => {
    expectTypeOf(req.params.tag).toEqualTypeOf<string>();
    res.end();
  });

// Explicit route generics (response and body types) are kept too.
app.post<'/items/:id', { id: string }, { ok: boolean }, { name: string }>(
  '/items/:id',
  limit,
  (req, res) => {
    expectTypeOf(req.body.name).toEqualTypeOf<string>();
    res.json({ ok: true });
    // @ts-expect-error the declared response body is { ok: boolean }
    res.json({ ok: 'yes' });
  },
);

// Still a plain RequestHandler, for app.use() and handler arrays.
app.use(limit);
app.use('/api', limit);
const chain: RequestHandler[] = [limit];
app.get('/chained/:id', ...chain, (_req, res) => {
  res.end();
});

// The handler finds the check in `req.rateLimit`: undefined when nothing was checked (skip()).
app.get('/limited', limit, (req, res) => {
  expectTypeOf(req.rateLimit).toEqualTypeOf<RateLimitResult | undefined>();
  res.end();
});
rateLimit({
  limiter,
  onLimit: (result, req, res) => {
    expectTypeOf(result).toEqualTypeOf<RateLimitResult>();
    expectTypeOf(req).toEqualTypeOf<express.Request>();
    expectTypeOf(res).toEqualTypeOf<express.Response>();
    res.status(429).json({ retryAfter: result.retryAfter });
  },
  requestWasSuccessful: (req, res) => {
    expectTypeOf(req).toEqualTypeOf<express.Request>();
    return res.statusCode < 400;
  },
  scope: (req) => req.baseUrl,
});
// @ts-expect-error `scope` is 'path', 'route' or a function
rateLimit({ limiter, scope: 'host' });
// @ts-expect-error `onIdentifyError` is 'anonymous', 'allow' or 'deny'
rateLimit({ limiter, onIdentifyError: 'ignore' });
