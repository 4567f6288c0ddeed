import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../src/deadlines.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const same = <T>(value: T) => value;
const never = () => new Promise<string>(() => {});
const after = (ms: number, value: string) =>
  new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));

describe('Deadlines', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('passes an answer through and maps a rejection with onError', async () => {
    const expired = vi.fn();
    const deadlines = new Deadlines(1000, expired);
    await expect(deadlines.race(Promise.resolve('ok'), () => 'failed', same)).resolves.toBe('ok');
    await expect(
      deadlines.race(Promise.reject(new Error('x')), () => 'failed', same),
    ).resolves.toBe('failed');
    expect(expired).not.toHaveBeenCalled();
  });

  it('resolves undefined at the deadline, once per call, and ignores a late answer', async () => {
    const expired = vi.fn();
    const deadlines = new Deadlines(50, expired);
    const started = performance.now();
    const [late, hung, quick] = await Promise.all([
      deadlines.race(after(150, 'late'), () => 'failed', same),
      deadlines.race(never(), () => 'failed', same),
      deadlines.race(after(5, 'quick'), () => 'failed', same),
    ]);
    const waited = performance.now() - started;
    expect([late, hung, quick]).toEqual([undefined, undefined, 'quick']);
    expect(waited).toBeGreaterThanOrEqual(49);
    expect(waited).toBeLessThan(50 + 250);
    expect(expired).toHaveBeenCalledTimes(2);
    await sleep(150);
    expect(expired).toHaveBeenCalledTimes(2);
  });

  it('cuts calls off in call order with one timer, not one per call', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const deadlines = new Deadlines(40, () => {});
    const first = Array.from({ length: 500 }, () => deadlines.race(never(), () => 'failed', same));
    await sleep(20);
    const second = Array.from({ length: 500 }, () => deadlines.race(never(), () => 'failed', same));
    const [a, b] = await Promise.all([
      Promise.all(first).then(() => performance.now()),
      Promise.all(second).then(() => performance.now()),
    ]);
    expect(b - a).toBeGreaterThanOrEqual(10);
    // 1,000 calls: the sleep above is one setTimeout, the deadlines a handful of re-arms.
    expect(timers.mock.calls.length).toBeLessThanOrEqual(20);
  });

  it('rejects when the continuation throws, instead of never settling', async () => {
    const deadlines = new Deadlines(1000, () => {});
    const boom = () => {
      throw new Error('boom');
    };
    await expect(deadlines.race(Promise.resolve('ok'), () => 'failed', boom)).rejects.toThrow(
      'boom',
    );
  });

  it('keeps expiring the rest when onExpire throws', async () => {
    const deadlines = new Deadlines(20, () => {
      throw new Error('broken logger');
    });
    const answers = await Promise.all([
      deadlines.race(never(), () => 'failed', same),
      deadlines.race(never(), () => 'failed', same),
    ]);
    expect(answers).toEqual([undefined, undefined]);
  });
});
