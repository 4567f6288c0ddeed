import { describe, expect, it } from 'vitest';
import { ExpiringMap } from '../src/expiring-map.js';

describe('ExpiringMap', () => {
  it('answers a value and its expiry until then, nothing from that moment on', () => {
    const map = new ExpiringMap<string>(10);
    map.set('k', 'v', 1_000, 0);
    expect(map.get('k', 999)).toBe('v');
    expect(map.expiresAt('k', 999)).toBe(1_000);
    expect(map.expiresAt('k', 1_000)).toBe(0);
    expect(map.get('k', 1_000)).toBeUndefined();
    expect(map.expiresAt('missing', 0)).toBe(0);
  });

  it('moves the expiry of a key set again', () => {
    const map = new ExpiringMap<number>(10);
    map.set('k', 1, 100, 0);
    map.set('k', 2, 500, 50);
    expect(map.get('k', 200)).toBe(2);
    expect(map.expiresAt('k', 200)).toBe(500);
  });

  it('stays within its size, dropping the oldest live entries first', () => {
    const map = new ExpiringMap<number>(16);
    for (let i = 0; i < 17; i++) map.set(`k${i}`, i, 1_000, 0);
    expect(map.size).toBeLessThanOrEqual(16);
    expect(map.get('k0', 1)).toBeUndefined();
    expect(map.get('k16', 1)).toBe(16);
  });

  it('keeps nothing with a size of 0', () => {
    const map = new ExpiringMap<number>(0);
    map.set('k', 1, 1_000, 0);
    expect(map.get('k', 1)).toBeUndefined();
  });
});
