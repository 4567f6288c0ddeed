import { describe, expect, it } from 'vitest';
import { customRefusal, whenDecided } from '../src/adapter-flow.js';
import type { Decision } from '../src/middleware.js';
import type { RateLimitResult } from '../src/types.js';

const allowed = undefined;

describe('whenDecided', () => {
  it('finishes in the same turn, with no promise, when the decision came without one', () => {
    const out = whenDecided(
      () => allowed,
      () => 'finished',
      () => 'failed',
    );
    expect(out).toBe('finished');
  });

  it('sends a throw of decide to fail', () => {
    const out = whenDecided(
      () => {
        throw new Error('store down');
      },
      () => 'finished',
      (error) => `failed: ${(error as Error).message}`,
    );
    expect(out).toBe('failed: store down');
  });

  it('sends a throw of finish after a late decision to fail, never to an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const out = whenDecided(
      () => Promise.resolve(allowed),
      () => {
        throw new Error('headers already sent');
      },
      (error) => {
        seen.push(error);
        return 'failed';
      },
    );
    expect(out).toBeInstanceOf(Promise);
    await expect(out).resolves.toBe('failed');
    expect(seen).toHaveLength(1);
  });

  it('sends a rejected late decision to fail', async () => {
    const out = whenDecided(
      () => Promise.reject(new Error('timeout')),
      () => 'finished',
      (error) => `failed: ${(error as Error).message}`,
    );
    await expect(out).resolves.toBe('failed: timeout');
  });
});

describe('customRefusal', () => {
  const result = { allowed: false } as RateLimitResult;
  const refusal = (status: 429 | 503): Decision => ({
    allowed: false,
    status,
    body: { detail: 'Rate limit exceeded' },
    headers: [],
    result,
    settle: undefined,
  });

  it('applies only to a 429 with a result when onLimit is set', async () => {
    expect(customRefusal(refusal(429), undefined)).toBeUndefined();
    expect(customRefusal(refusal(503), () => 'mine')).toBeUndefined();
    await expect(customRefusal(refusal(429), () => 'mine')).resolves.toBe('mine');
  });

  it('rejects, rather than throws, when onLimit throws', async () => {
    const own = customRefusal(refusal(429), () => {
      throw new Error('bad handler');
    });
    await expect(own).rejects.toThrow('bad handler');
  });
});
