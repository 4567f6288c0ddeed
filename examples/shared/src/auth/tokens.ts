import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';

export interface TokenService {
  /** A signed HS256 access token whose `sub` is the username. */
  issue(username: string): Promise<string>;
  /** The `sub` of a valid, unexpired token, or `null`. */
  verify(token: string): Promise<string | null>;
}

/**
 * JWT signing with jose. Without SECRET_KEY a random key is made (tokens then die with the
 * process), which is refused in production.
 *
 * @example
 * const tokens = createTokenService(settings, logger);
 * const jwt = await tokens.issue('admin');
 */
export function createTokenService(settings: Settings, logger: Logger): TokenService {
  let secret = settings.SECRET_KEY;
  if (!secret) {
    if (settings.NODE_ENV === 'production') {
      throw new Error('SECRET_KEY must be set in production (at least 32 characters).');
    }
    secret = randomBytes(32).toString('hex');
    if (settings.NODE_ENV === 'development') {
      logger.warn('SECRET_KEY is not set: using a random key, so tokens end with this process');
    }
  }
  const key = new TextEncoder().encode(secret);
  const lifetimeSeconds = settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60;

  return {
    issue: (username) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(username)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
        .sign(key),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
        return typeof payload.sub === 'string' ? payload.sub : null;
      } catch (error) {
        if (error instanceof errors.JOSEError) return null;
        throw error;
      }
    },
  };
}

/** The token of an `Authorization: Bearer <token>` header, or `null`. */
export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
