import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Logger } from '../logger.js';
import type { Settings } from '../settings.js';

const INT32_MAX = 2_147_483_647;

/** An access token goes in `Authorization: Bearer`; a refresh token only buys access tokens. */
export type TokenType = 'access' | 'refresh';

/** Whom a token was issued to: the user's immutable id and the account's token version. */
export interface TokenSubject {
  id: number;
  tokenVersion: number;
}

/** What a verified token says. */
export interface TokenClaims extends TokenSubject {
  type: TokenType;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
  /** Lifetime in whole seconds (a cookie's `Max-Age`). */
  maxAge: number;
}

export interface TokenService {
  /**
   * A signed HS256 token whose `sub` is the user id (never the username, which another account
   * may take later), with the account's token version (`ver`), its type and a unique `jti`.
   */
  issue(subject: TokenSubject, type: TokenType): Promise<IssuedToken>;
  /** The claims of a valid, unexpired token of this type, or `null`. */
  verify(token: string, type: TokenType): Promise<TokenClaims | null>;
}

/**
 * JWT signing with jose. Without SECRET_KEY a random key is made (tokens then die with the
 * process), which is refused in production.
 *
 * @example
 * const tokens = createTokenService(settings, logger);
 * const { token } = await tokens.issue({ id: 1, tokenVersion: 0 }, 'access');
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
  const lifetimeSeconds: Record<TokenType, number> = {
    access: settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
    refresh: settings.REFRESH_TOKEN_EXPIRE_DAYS * 24 * 60 * 60,
  };

  return {
    async issue(subject, type) {
      const maxAge = lifetimeSeconds[type];
      const exp = Math.floor(Date.now() / 1000) + maxAge;
      const token = await new SignJWT({ ver: subject.tokenVersion, token_type: type })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(subject.id))
        // Two logins in one second must not make one token: logging out one ends only it.
        .setJti(randomBytes(16).toString('base64url'))
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: exp * 1000, maxAge };
    },
    async verify(token, type) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          requiredClaims: ['sub', 'exp'],
        });
        const { sub, ver, token_type: tokenType, exp } = payload;
        // Tokens of the original (and of earlier versions of this app) name a username: refused.
        if (typeof sub !== 'string' || !/^[1-9]\d{0,9}$/.test(sub) || +sub > INT32_MAX) return null;
        if (!Number.isSafeInteger(ver) || (ver as number) < 0 || tokenType !== type) return null;
        return {
          id: Number(sub),
          tokenVersion: ver as number,
          type,
          expiresAt: (exp as number) * 1000,
        };
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
