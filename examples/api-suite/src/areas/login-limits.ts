import type { ApiClient, ApiResponse } from '../client.js';
import {
  type ApiSuiteTarget,
  createUser,
  type TestUser,
  uniqueUsername,
  useApp,
} from '../fixtures.js';
import type { Expect, TestApi } from '../test-api.js';

const LIMIT = 3;
const WRONG_LOGIN = { detail: 'Wrong username, email or password.' };

/** A login attempt from `ip` (the app trusts one proxy hop in these tests). */
const attempt = (api: ApiClient, username: string, password: string, ip = '198.51.100.1') =>
  api.request('POST', '/login', {
    form: { username, password },
    headers: { 'x-forwarded-for': ip },
  });

function expectRefused(expect: Expect, res: ApiResponse, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(401);
  expect(res.body, what).toEqual(WRONG_LOGIN);
}

function expectLimited(expect: Expect, res: ApiResponse, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(429);
  expect(res.body, what).toEqual({ detail: 'Rate limit exceeded' });
  expect(Number(res.headers.get('retry-after')), `${what}: Retry-After`).toBeGreaterThan(0);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** Issue 11, finding 3: failed logins are limited per (account, client IP). */
export function registerLoginLimits(target: ApiSuiteTarget, t: TestApi) {
  const { beforeAll, describe, expect, it } = t;
  describe(`${target.name}: login brute-force protection`, () => {
    const app = useApp(target, t, {
      LOGIN_RATE_LIMIT_LIMIT: String(LIMIT),
      LOGIN_RATE_LIMIT_PERIOD: '900',
      TRUST_PROXY: '1',
    });
    let user: TestUser;
    beforeAll(async () => {
      user = await createUser(app);
    });

    it(`answers 429 after ${LIMIT} failures for that account from that IP, the right password too`, async () => {
      const victim = await createUser(app);
      const ip = '198.51.100.10';
      for (let i = 1; i <= LIMIT; i++) {
        expectRefused(
          expect,
          await attempt(app.api, victim.username, `wrong-${i}`, ip),
          `try ${i}`,
        );
      }
      expectLimited(expect, await attempt(app.api, victim.username, 'wrong-again', ip), 'next');
      expectLimited(expect, await attempt(app.api, victim.username, victim.password, ip), 'right');
      // Case variants of the name are one account, not fresh buckets.
      const upper = victim.username.toUpperCase();
      expectLimited(expect, await attempt(app.api, ` ${upper} `, 'wrong', ip), 'upper case');
      // The owner from elsewhere, and other accounts from this IP, are unaffected.
      expect((await attempt(app.api, victim.username, victim.password, '203.0.113.9')).status).toBe(
        200,
      );
      expect((await attempt(app.api, user.username, user.password, ip)).status).toBe(200);
      expectRefused(expect, await attempt(app.api, user.username, 'wrong', ip), 'other account');
    });

    it('never counts successful logins', async () => {
      const owner = await createUser(app);
      const ip = '198.51.100.20';
      for (let i = 0; i < LIMIT * 3; i++) {
        const res = await attempt(app.api, owner.username, owner.password, ip);
        expect(res.status, `success ${i}: ${res.text}`).toBe(200);
      }
      for (let i = 1; i <= LIMIT; i++) {
        expectRefused(expect, await attempt(app.api, owner.username, 'wrong', ip), `failure ${i}`);
      }
      expectLimited(expect, await attempt(app.api, owner.username, 'wrong', ip), 'over');
    });

    it('limits unknown accounts alike, with the same 401 as a wrong password', async () => {
      const ghost = uniqueUsername('ghost');
      const ip = '198.51.100.30';
      for (let i = 1; i <= LIMIT; i++) {
        expectRefused(expect, await attempt(app.api, ghost, 'whatever1', ip), `try ${i}`);
      }
      expectLimited(expect, await attempt(app.api, ghost, 'whatever1', ip), 'over');
    });

    it('does not count a malformed login (422): it tests no password', async () => {
      const owner = await createUser(app);
      const ip = '198.51.100.40';
      for (let i = 0; i < LIMIT + 2; i++) {
        const res = await app.api.request('POST', '/login', {
          form: { username: owner.username },
          headers: { 'x-forwarded-for': ip },
        });
        expect(res.status, res.text).toBe(422);
      }
      expect((await attempt(app.api, owner.username, owner.password, ip)).status).toBe(200);
    });

    it(`lets exactly ${LIMIT} of 20 concurrent wrong passwords through to the password check`, async () => {
      const owner = await createUser(app);
      const ip = '198.51.100.50';
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => attempt(app.api, owner.username, `wrong-${i}`, ip)),
      );
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses.filter((status) => status === 401)).toHaveLength(LIMIT);
      expect(statuses.filter((status) => status === 429)).toHaveLength(20 - LIMIT);
    });

    it('answers an unknown user about as slowly as a wrong password (a password is hashed)', async () => {
      // One IP per attempt keeps the limiter out of the measurement.
      const unknown: number[] = [];
      const wrong: number[] = [];
      for (let i = 0; i < 7; i++) {
        let start = performance.now();
        expectRefused(
          expect,
          await attempt(app.api, uniqueUsername('nobody'), 'x', `10.9.0.${i}`),
          'unknown',
        );
        unknown.push(performance.now() - start);
        start = performance.now();
        expectRefused(expect, await attempt(app.api, user.username, 'x', `10.9.1.${i}`), 'wrong');
        wrong.push(performance.now() - start);
      }
      // Loose bounds for a busy machine; skipping the hash for unknown users is 10x faster.
      const ratio = median(unknown) / median(wrong);
      expect(ratio, `unknown ${median(unknown)} ms vs wrong ${median(wrong)} ms`).toBeGreaterThan(
        0.4,
      );
      expect(ratio).toBeLessThan(2.5);
    });
  });

  describe(`${target.name}: login limits by default (5 failures per 900 s)`, () => {
    const app = useApp(target, t, { TRUST_PROXY: '1' });

    it('answers 429 on the sixth failure, for at most 900 s', async () => {
      const owner = await createUser(app);
      const ip = '198.51.100.60';
      for (let i = 1; i <= 5; i++) {
        expectRefused(expect, await attempt(app.api, owner.username, 'wrong', ip), `try ${i}`);
      }
      const limited = await attempt(app.api, owner.username, owner.password, ip);
      expectLimited(expect, limited, 'sixth');
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    });
  });
}
