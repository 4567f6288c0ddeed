import { describe, expect, it } from 'vitest';
import type { Identity } from '../../src/index.js';
import { recordingLogger } from '../support/logger.js';
import type { AdapterOptions, Harness } from './harness.js';
import { limiterOf, rateLimitParam, steady, withApp } from './scenario-helpers.js';

/** `Bearer broken` stands for a user store that is down; another token is that user. */
function identify(authorization: string | undefined): Identity | null {
  if (authorization === 'Bearer broken') throw new Error('user store down');
  return authorization ? { id: authorization.replace('Bearer ', '') } : null;
}

const broken = { token: 'broken' };
const onePerHour = { limit: 1, period: 3600 };

/** What a caller whose `identify` threw gets (`onIdentifyError`), and what `null` means. */
export function registerIdentityScenarios(harness: Harness): void {
  async function setup(options: AdapterOptions) {
    await steady();
    const logger = recordingLogger();
    const app = await harness.make(limiterOf(onePerHour, { logger }), { identify, ...options });
    return { app, logger };
  }

  describe(`${harness.name} adapter, identity failures`, () => {
    it("with onIdentifyError 'deny', answers 503 with Retry-After and never reaches the handler", async () => {
      let limited = 0;
      const onLimit = () => {
        limited++;
        return undefined;
      };
      const { app } = await setup({ onIdentifyError: 'deny', onLimit });
      try {
        const reply = await app.send('/api/v1/login?ok=1', broken);
        expect(reply.status).toBe(503);
        expect(reply.body).toEqual({ detail: 'Service unavailable' });
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(reply.headers.get('ratelimit-policy')).toBeNull();
        expect(app.probe.calls.login).toBeUndefined();
        expect(limited).toBe(0);
      } finally {
        await app.close();
      }
    });

    it("with onIdentifyError 'deny', a rejecting async identify() is a 503 too", async () => {
      const rejecting = async () => {
        throw new Error('user store down');
      };
      await withApp(
        harness,
        onePerHour,
        { identify: rejecting, onIdentifyError: 'deny' },
        async (app) => {
          expect((await app.send('/api/v1/tasks')).status).toBe(503);
        },
      );
    });

    it("with onIdentifyError 'allow', admits with no headers and counts nothing", async () => {
      const { app } = await setup({ onIdentifyError: 'allow' });
      try {
        for (let i = 0; i < 3; i++) {
          const reply = await app.send('/api/v1/seen', broken);
          expect(reply.status).toBe(200);
          expect(reply.headers.get('ratelimit-policy')).toBeNull();
          expect(reply.headers.get('ratelimit-policy')).toBeNull();
          expect(reply.body).toEqual({ seen: null });
        }
        // The IP's own bucket is untouched: its one request still passes.
        expect((await app.send('/api/v1/seen')).status).toBe(200);
        expect((await app.send('/api/v1/seen')).status).toBe(429);
      } finally {
        await app.close();
      }
    });

    it("with onIdentifyError 'anonymous' (the default), limits the caller by IP, logging once a minute", async () => {
      const { app, logger } = await setup({});
      try {
        const first = await app.send('/api/v1/tasks', broken);
        expect(first.status).toBe(200);
        expect(rateLimitParam(first.headers, 'r')).toBe('0');
        // The same IP bucket, whether identify() threw or there was no token.
        expect((await app.send('/api/v1/tasks')).status).toBe(429);
        expect((await app.send('/api/v1/tasks', broken)).status).toBe(429);
        // A known user from that IP has a budget of its own.
        expect((await app.send('/api/v1/tasks', { token: 'u1' })).status).toBe(200);
        expect(logger.errors).toHaveLength(1);
        expect(logger.errors[0]).toMatch(/identify\(\) threw \(user store down\)/);
      } finally {
        await app.close();
      }
    });

    it('limits a caller identify() returns null for by IP, silently', async () => {
      const { app, logger } = await setup({ onIdentifyError: 'deny' });
      try {
        expect((await app.send('/api/v1/tasks')).status).toBe(200);
        expect((await app.send('/api/v1/tasks')).status).toBe(429);
        expect(logger.errors).toEqual([]);
        expect(logger.warnings).toEqual([]);
      } finally {
        await app.close();
      }
    });
  });
}
