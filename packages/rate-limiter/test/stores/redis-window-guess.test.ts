import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedisStore } from '../../src/stores/redis-store.js';
import type { StoreRequest } from '../../src/types.js';
import { nextWindow, roomInWindow, uniqueKey, windowEnd } from '../support/time.js';

// The fixed-window script trusts the client's clock only to NAME the window key; Redis's TIME
// decides. These stores guess with clocks that are off by a whole window, against a real
// Redis on this machine (so Redis's time is Date.now()).
const client = new Redis(inject('redisUrl'));
afterAll(() => client.quit());

const PERIOD = 60_000;
const honest = createRedisStore(client, Date.now);
const ahead = createRedisStore(client, () => Date.now() + PERIOD);
const behind = createRedisStore(client, () => Date.now() - PERIOD);

const request = (key: string, limit: number, cost = 1, periodMs = PERIOD): StoreRequest => ({
  key,
  algorithm: 'fixed-window',
  windows: [{ limit, periodMs }],
  cost,
  blockMs: 0,
});

const stampOf = (end: number) => (end - PERIOD) / 1000;

describe('redis fixed window with a client clock a window off', () => {
  it.each([
    ['ahead', ahead],
    ['behind', behind],
  ])('counts in Redis’s window when the client clock is %s', async (_, skewed) => {
    await roomInWindow(PERIOD, 5_000);
    const key = uniqueKey('guess');
    const end = windowEnd(PERIOD);
    const first = await skewed.consume(request(key, 5));
    expect(first).toMatchObject({ allowed: true, remaining: 4, resetAt: end, retryAfterMs: 0 });
    expect(await client.get(`${key}:${stampOf(end)}`)).toBe('1');
    // The wrongly guessed window is left as it was: nothing counted, no key.
    expect(await client.keys(`${key}*`)).toEqual([`${key}:${stampOf(end)}`]);
    const pttl = await client.pttl(`${key}:${stampOf(end)}`);
    expect(pttl).toBeGreaterThan(0);
    // Redis reads its clock once per command, possibly a millisecond behind this one.
    expect(pttl).toBeLessThanOrEqual(end - Date.now() + 2);
    // An honest client continues the same count.
    expect((await honest.consume(request(key, 5))).remaining).toBe(3);
  });

  it('admits exactly `limit` over honest, fast and slow clocks, and denies with Redis’s times', async () => {
    await roomInWindow(PERIOD, 5_000);
    const key = uniqueKey('mixed');
    const end = windowEnd(PERIOD);
    const stores = [honest, ahead, behind, ahead, behind, honest];
    const answers = [];
    for (const store of stores) answers.push(await store.consume(request(key, 4)));
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, true, false, false]);
    expect(answers.map((a) => a.remaining)).toEqual([3, 2, 1, 0, 0, 0]);
    for (const answer of answers) expect(answer.resetAt).toBe(end);
    const denied = answers[4]!;
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(end - Date.now() + 50);
    expect(await client.get(`${key}:${stampOf(end)}`)).toBe('4');
    expect(await client.keys(`${key}*`)).toHaveLength(1);
  });

  it('charges cost in Redis’s window and gives back a denied cost', async () => {
    await roomInWindow(PERIOD, 5_000);
    const key = uniqueKey('cost');
    const end = windowEnd(PERIOD);
    expect((await ahead.consume(request(key, 10, 4))).remaining).toBe(6);
    expect((await behind.consume(request(key, 10, 4))).remaining).toBe(2);
    const tooBig = await ahead.consume(request(key, 10, 4));
    expect(tooBig).toMatchObject({ allowed: false, remaining: 2, resetAt: end });
    expect((await behind.consume(request(key, 10, 2))).remaining).toBe(0);
    expect(await client.get(`${key}:${stampOf(end)}`)).toBe('10');
    expect(await client.keys(`${key}*`)).toHaveLength(1);
  });

  it('peeks at Redis’s window', async () => {
    await roomInWindow(PERIOD, 5_000);
    const key = uniqueKey('peek');
    const end = windowEnd(PERIOD);
    await honest.consume(request(key, 3, 2));
    for (const store of [ahead, behind, honest]) {
      expect(await store.peek(request(key, 3))).toMatchObject({
        allowed: true,
        remaining: 1,
        resetAt: end,
        retryAfterMs: 0,
        window: 0,
      });
      const tooBig = await store.peek(request(key, 3, 2));
      expect(tooBig.allowed).toBe(false);
      expect(tooBig.resetAt).toBe(end);
    }
    expect(await client.get(`${key}:${stampOf(end)}`)).toBe('2');
  });

  it('never carries a full window over to a slow client just past the boundary', async () => {
    const period = 1000;
    const slow = createRedisStore(client, () => Date.now() - 200);
    await nextWindow(period, 20);
    const key = uniqueKey('boundary');
    expect((await honest.consume(request(key, 1, 1, period))).allowed).toBe(true);
    expect((await slow.consume(request(key, 1, 1, period))).allowed).toBe(false);
    // 20 ms into the next window the slow client still names the old one: Redis has expired it.
    await nextWindow(period, 20);
    const next = await slow.consume(request(key, 1, 1, period));
    expect(next).toMatchObject({ allowed: true, remaining: 0 });
    expect(next.resetAt).toBe(windowEnd(period));
  });

  it('admits at most `limit` per window even in a window’s last millisecond', async () => {
    // 2 ms windows: half of all checks land in a last millisecond, where a key given an expiry
    // of "now" would be deleted at once and every concurrent first hit admitted.
    const key = uniqueKey('last-ms');
    const admitted = new Map<number, number>();
    for (let round = 0; round < 150; round++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => honest.consume(request(key, 1, 1, 2))),
      );
      for (const r of results) {
        if (r.allowed) admitted.set(r.resetAt, (admitted.get(r.resetAt) ?? 0) + 1);
      }
    }
    expect(admitted.size).toBeGreaterThan(10);
    expect(Math.max(...admitted.values())).toBe(1);
  });

  it('keys sub-second periods by the window start in ms, whatever the client guessed', async () => {
    const period = 500;
    const fast = createRedisStore(client, () => Date.now() + period);
    await roomInWindow(period, 200);
    const key = uniqueKey('ms');
    const end = windowEnd(period);
    const result = await fast.consume(request(key, 2, 1, period));
    expect(result.resetAt).toBe(end);
    expect(await client.get(`${key}:${result.resetAt - period}`)).toBe('1');
    expect(await client.keys(`${key}*`)).toHaveLength(1);
  });

  it.each([
    ['ahead', ahead],
    ['behind', behind],
  ])(
    'weights the sliding window by Redis’s windows when the client clock is %s',
    async (_, skewed) => {
      await roomInWindow(PERIOD, 5_000);
      const key = uniqueKey('slide');
      const end = windowEnd(PERIOD);
      const slide = (store: typeof honest) =>
        store.consume({ ...request(key, 3), algorithm: 'sliding-window' });
      expect(await slide(skewed)).toMatchObject({
        allowed: true,
        remaining: 2,
        resetAt: end,
        retryAfterMs: 0,
      });
      expect((await slide(honest)).remaining).toBe(1);
      expect((await slide(skewed)).remaining).toBe(0);
      const denied = await slide(skewed);
      expect(denied).toMatchObject({ allowed: false, remaining: 0, resetAt: end });
      // Only Redis's current window holds counts.
      expect(await client.keys(`${key}*`)).toEqual([`${key}:s:${end - PERIOD}`]);
      expect(await client.get(`${key}:s:${end - PERIOD}`)).toBe('3');
    },
  );
});
