import { describe, expect, it } from 'vitest';
import { type Duration, parseDuration, RateLimiterError } from '../src/index.js';

describe('parseDuration', () => {
  it.each<[Duration, number]>([
    [3600, 3_600_000],
    [1, 1000],
    [1.5, 1500],
    [0.25, 250],
    ['1 h', 3_600_000],
    ['1h', 3_600_000],
    ['2 hrs', 7_200_000],
    ['30 s', 30_000],
    ['2 minutes', 120_000],
    ['1.5 s', 1500],
    ['250ms', 250],
    ['500 milliseconds', 500],
    ['1 day', 86_400_000],
  ])('%s -> %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([
    0,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    'soon',
    '1 fortnight',
    '0 s',
    '0.1 ms',
    '-1 h',
  ])('rejects %s', (input) => {
    expect(() => parseDuration(input as Duration)).toThrow(RateLimiterError);
  });
});
