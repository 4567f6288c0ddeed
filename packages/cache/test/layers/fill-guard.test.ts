import { describe, expect, it } from 'vitest';
import { FillGuard } from '../../src/layers/fill-guard.js';

describe('FillGuard', () => {
  it('lets a read fill unless its key, a matching pattern or everything was evicted meanwhile', () => {
    const guard = new FillGuard();
    const quiet = guard.begin('a:1');
    expect(guard.end('a:1', quiet)).toBe(true);

    const byKey = guard.begin('a:1');
    guard.evictKeys(['b:1']);
    guard.evictKeys(['a:1']);
    expect(guard.end('a:1', byKey)).toBe(false);

    const byPattern = guard.begin('a:1');
    const other = guard.begin('b:1');
    guard.evictMatching(/^a:/);
    expect([guard.end('a:1', byPattern), guard.end('b:1', other)]).toEqual([false, true]);

    const byAll = guard.begin('a:1');
    guard.evictAll();
    expect(guard.end('a:1', byAll)).toBe(false);
  });

  it('lets a read that began after the eviction fill, beside an older one that may not', () => {
    const guard = new FillGuard();
    const older = guard.begin('k');
    guard.evictKeys(['k']);
    const newer = guard.begin('k');
    expect(guard.end('k', newer)).toBe(true);
    expect(guard.end('k', older)).toBe(false);
  });

  it('remembers only keys with a read in flight', () => {
    const guard = new FillGuard();
    const a = guard.begin('k');
    const b = guard.begin('k');
    expect(guard.size).toBe(1);
    guard.end('k', a);
    expect(guard.size).toBe(1);
    guard.end('k', b);
    expect(guard.size).toBe(0);
    guard.evictKeys(['k']); // nothing in flight: nothing remembered
    expect(guard.size).toBe(0);
  });
});
