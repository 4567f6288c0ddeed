import { createHash } from 'node:crypto';
import { createRateLimiter, type RateLimiter, type RateLimitStore } from '@kit/rate-limiter';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';

/** The status of a refused login: only these responses count against the account and IP. */
export const FAILED_LOGIN_STATUS = 401;

/**
 * The limiter of `POST /api/v1/login`: LOGIN_RATE_LIMIT_LIMIT failed logins per
 * LOGIN_RATE_LIMIT_PERIOD seconds for each (account, client IP). The apps put it in front of the
 * login route with {@link loginRateLimitOptions}.
 */
export function createLoginLimiter(
  settings: Settings,
  store: RateLimitStore,
  prefix: string,
  logger: Logger,
): RateLimiter {
  return createRateLimiter({
    store,
    prefix,
    defaultRule: {
      limit: settings.LOGIN_RATE_LIMIT_LIMIT,
      period: settings.LOGIN_RATE_LIMIT_PERIOD,
    },
    // A Redis outage must not switch the guessing protection off: each process keeps counting.
    onStoreError: 'memory',
    logger: logger.child({ component: 'login-rate-limiter' }),
  });
}

// Names of this shape are keyed as they are (readable in Redis); any other is hashed, so a
// long or odd name can neither make a huge key nor, through `/`, `?` or `#`, share another's.
const PLAIN_NAME = /^[a-z0-9@._+-]{1,64}$/;

/**
 * The bucket of a login attempt: the submitted username or email as the app looks it up,
 * trimmed and lower-cased, so case variants of one name share one bucket. The caller is always
 * anonymous to this limiter, so the key is (this bucket, client IP).
 */
export function loginScope(formBody: string | undefined): string {
  const submitted = new URLSearchParams(formBody ?? '').get('username') ?? '';
  const name = submitted.normalize('NFKC').trim().toLowerCase();
  if (PLAIN_NAME.test(name)) return `login:${name}`;
  return `login:sha256-${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;
}

/**
 * The framework-independent options of the login limiter's middleware. Each app adds `scope`
 * (from the form body, which it reads first) and `requestWasSuccessful` (the response status is
 * not {@link FAILED_LOGIN_STATUS}, so a malformed form or an outage is never a guess).
 */
export function loginRateLimitOptions(limiter: RateLimiter, settings: Settings) {
  return {
    limiter,
    // Successful logins give back what they were charged: only failures count.
    skipSuccessfulRequests: true,
    // Never a user: a bearer token sent along must not move the attempt off the IP's bucket.
    identify: () => null,
    trustProxy: settings.TRUST_PROXY,
  } as const;
}
