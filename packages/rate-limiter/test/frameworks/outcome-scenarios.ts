import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../support/logger.js';
import { sleep } from '../support/time.js';
import type { AdapterApp, AdapterOptions, Harness } from './harness.js';
import { limiterOf, rateLimitParam, statusesOf, withApp } from './scenario-helpers.js';

const wrong = '/api/v1/login?ok=0';
const right = '/api/v1/login?ok=1';
const repeat = (path: string, times: number) => Array.from({ length: times }, () => path);

/** Statuses of `times` concurrent requests for `path`, counted by status. */
async function flood(app: AdapterApp, path: string, times: number) {
  const replies = await Promise.all(repeat(path, times).map((p) => app.send(p)));
  const counts: Record<number, number> = {};
  for (const { status } of replies) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * Sends `times` concurrent requests, then again those refused, wave after wave, until every
 * one got past the limiter; each wave starts once the previous one is answered (and refunded).
 */
async function untilAllAdmitted(app: AdapterApp, path: string, times: number, limit: number) {
  let pending = times;
  while (pending > 0) {
    const counts = await flood(app, path, pending);
    const refused = counts[429] ?? 0;
    expect(Object.keys(counts).every((status) => status === '401' || status === '429')).toBe(true);
    // The wave found the bucket as full as the failures before it left it: empty.
    expect(pending - refused).toBeGreaterThanOrEqual(Math.min(limit, pending));
    pending = refused;
  }
}

/** Count by outcome (`skipSuccessfulRequests`, `skipFailedRequests`), through real requests. */
export function registerOutcomeScenarios(harness: Harness): void {
  describe(`${harness.name} adapter, count by outcome`, () => {
    it('with skipSuccessfulRequests at limit 5, /login refuses after 5 wrong passwords, never counting a good one', async () => {
      const options: AdapterOptions = { skipSuccessfulRequests: true };
      await withApp(harness, { limit: 5, period: 3600 }, options, async (app) => {
        expect(await statusesOf(app, repeat(right, 10))).toEqual(repeat(right, 10).map(() => 200));
        expect(await statusesOf(app, [wrong, right, wrong, wrong, right, wrong, wrong])).toEqual([
          401, 200, 401, 401, 200, 401, 401,
        ]);
        expect(await statusesOf(app, [wrong, right])).toEqual([429, 429]);
        expect(app.probe.calls.login).toBe(17);
      });
    });

    it('with skipSuccessfulRequests, 200 concurrent failing requests at limit 3 let exactly 3 reach the handler', async () => {
      const options: AdapterOptions = { skipSuccessfulRequests: true };
      await withApp(harness, { limit: 3, period: 3600 }, options, async (app) => {
        expect(await flood(app, `${wrong}&ms=20`, 200)).toEqual({ 401: 3, 429: 197 });
        expect(app.probe.calls.login).toBe(3);
      });
    });

    it('with skipFailedRequests, 200 concurrent failing requests at limit 3 are never more than 3 in the handler, and all get there as refunds come back', async () => {
      const options: AdapterOptions = { skipFailedRequests: true };
      await withApp(harness, { limit: 3, period: 3600 }, options, async (app) => {
        await untilAllAdmitted(app, `${wrong}&ms=5`, 200, 3);
        expect(app.probe.calls.login).toBe(200);
        expect(app.probe.maxInFlight).toBeLessThanOrEqual(3);
        // Nothing left counted: the next request finds the whole limit.
        const next = await app.send(right);
        expect(rateLimitParam(next.headers, 'r')).toBe('2');
      });
    });

    it('with skipFailedRequests, a handler that throws (500) is given back, a success counts', async () => {
      const options: AdapterOptions = { skipFailedRequests: true };
      await withApp(harness, { limit: 1, period: 3600 }, options, async (app) => {
        const paths = ['/api/v1/boom', '/api/v1/boom', '/api/v1/boom', right, right];
        expect(await statusesOf(app, paths)).toEqual([500, 500, 500, 200, 429]);
        expect(app.probe.calls.boom).toBe(3);
      });
    });

    it('with skipFailedRequests, a 401 is given back too (default: failure is a status of 400 or more)', async () => {
      const options: AdapterOptions = { skipFailedRequests: true };
      await withApp(harness, { limit: 1, period: 3600 }, options, async (app) => {
        expect(await statusesOf(app, [wrong, wrong, wrong, right, wrong])).toEqual([
          401, 401, 401, 200, 429,
        ]);
      });
    });

    it('judges success by requestWasSuccessful: a 401 it calls success is given back, a 500 counts', async () => {
      const options: AdapterOptions = {
        skipSuccessfulRequests: true,
        requestWasSuccessful: (status) => status < 500,
        // One bucket for both routes.
        scope: () => 'auth',
      };
      await withApp(harness, { limit: 2, period: 3600 }, options, async (app) => {
        const paths = [wrong, wrong, wrong, '/api/v1/boom', wrong, '/api/v1/boom', wrong];
        expect(await statusesOf(app, paths)).toEqual([401, 401, 401, 500, 401, 500, 429]);
      });
    });

    it('keeps a request counted when requestWasSuccessful throws, and logs it', async () => {
      const logger = recordingLogger();
      const limiter = limiterOf({ limit: 1, period: 3600 }, { logger });
      const requestWasSuccessful = () => {
        throw new Error('no verdict');
      };
      const options: AdapterOptions = { skipSuccessfulRequests: true, requestWasSuccessful };
      await withApp(harness, limiter, options, async (app) => {
        expect(await statusesOf(app, [right, right])).toEqual([200, 429]);
        expect(logger.errors).toHaveLength(1);
        expect(logger.errors[0]).toMatch(/stays counted/);
      });
    });

    it('waits for an async requestWasSuccessful before giving back', async () => {
      const options: AdapterOptions = {
        skipSuccessfulRequests: true,
        requestWasSuccessful: async (status) => {
          await sleep(1);
          return status === 200;
        },
      };
      await withApp(harness, { limit: 1, period: 3600 }, options, async (app) => {
        // Each request after the previous one's verdict came in.
        const statuses: number[] = [];
        for (const path of [right, right, wrong, right]) {
          statuses.push((await app.send(path)).status);
          await sleep(20);
        }
        expect(statuses).toEqual([200, 200, 401, 429]);
      });
    });

    if (harness.abortable) {
      // One caller whatever the socket: the aborted fetch and the next request share a bucket.
      const identify = () => ({ id: 'one-caller' });

      it('with skipFailedRequests, a request the client aborted is given back', async () => {
        const options: AdapterOptions = { skipFailedRequests: true, identify };
        await withApp(harness, { limit: 1, period: 3600 }, options, async (app) => {
          await app.abort!(`${right}&ms=150`, 40);
          // The handler has finished (with a 200 nobody read) by then.
          await sleep(250);
          expect(app.probe.calls.login).toBe(1);
          expect(await statusesOf(app, [right, right])).toEqual([200, 429]);
        });
      });

      it('with skipSuccessfulRequests, a request the client aborted counts, whatever the handler answered', async () => {
        const options: AdapterOptions = { skipSuccessfulRequests: true, identify };
        await withApp(harness, { limit: 1, period: 3600 }, options, async (app) => {
          await app.abort!(`${right}&ms=150`, 40);
          await sleep(250);
          expect(app.probe.calls.login).toBe(1);
          expect((await app.send(right)).status).toBe(429);
        });
      });
    }
  });
}
