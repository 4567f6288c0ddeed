import type { Identity } from '@kit/rate-limiter';
import { forbidden, HttpError, unauthorized } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { UserRow, UserService } from '../services/users.js';
import type { TokenBlacklist } from './blacklist.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { bearerToken, type IssuedToken, type TokenService, type TokenType } from './tokens.js';

// Hashing a password for an unknown user too keeps the login time from telling which users exist.
const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' +
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';

const WRONG_LOGIN = 'Wrong username, email or password.';

/** What a successful login hands out: the access token body and the refresh token's cookie. */
export interface LoginResult {
  body: { access_token: string; token_type: 'bearer' };
  refresh: IssuedToken;
}

/**
 * Login, refresh and logout, the current user of a request, and the caller's identity for rate
 * limiting. A token is good while it is signed, unexpired, of the right type, not logged out,
 * and its user still exists with the token version it names.
 */
export function createAuth(
  users: UserService,
  tokens: TokenService,
  blacklist: TokenBlacklist,
  logger: Logger,
) {
  /** The claims of a token that is good right now, or `null`. */
  async function validClaims(token: string, type: TokenType) {
    const claims = await tokens.verify(token, type);
    if (!claims || (await blacklist.has(token))) return null;
    return claims;
  }

  async function userOf(token: string | null, type: TokenType): Promise<UserRow | null> {
    if (!token) return null;
    const claims = await validClaims(token, type);
    if (!claims) return null;
    const found = await users.findById(claims.id);
    return found && found.tokenVersion === claims.tokenVersion ? found : null;
  }

  const accessBody = async (user: UserRow) => ({
    access_token: (await tokens.issue(user, 'access')).token,
    token_type: 'bearer' as const,
  });

  async function requireUser(authorization: string | null | undefined): Promise<UserRow> {
    const found = await userOf(bearerToken(authorization), 'access');
    if (!found) throw unauthorized();
    return found;
  }

  return {
    async login(usernameOrEmail: string, password: string): Promise<LoginResult> {
      const found = await users.findForLogin(usernameOrEmail);
      const ok = await verifyPassword(password, found?.hashedPassword ?? DUMMY_HASH);
      if (!found || !ok) throw unauthorized(WRONG_LOGIN);
      if (needsRehash(found.hashedPassword)) {
        // A hash migrated from the original (or older scrypt parameters): replaced now that the
        // password is known. A failed write only postpones it to the next login.
        await hashPassword(password)
          .then((hash) => users.setPasswordHash(found.id, hash, { revokeTokens: false }))
          .catch((error) => logger.warn({ err: error, user: found.id }, 'could not rehash'));
      }
      return { body: await accessBody(found), refresh: await tokens.issue(found, 'refresh') };
    },

    /** A new access token for a good refresh token (the cookie), else 401. */
    async refresh(refreshToken: string | undefined) {
      if (!refreshToken) throw unauthorized('Refresh token missing.');
      const found = await userOf(refreshToken, 'refresh');
      if (!found) throw unauthorized('Invalid refresh token.');
      return accessBody(found);
    },

    /**
     * Logs the bearer token out, and the refresh token when one is sent and good: both are
     * refused from now on, until they would have expired.
     */
    async logout(authorization: string | undefined, refreshToken: string | undefined) {
      const access = bearerToken(authorization);
      const claims = access ? await validClaims(access, 'access') : null;
      if (!access || !claims) throw unauthorized();
      await blacklist.add(access, claims.expiresAt);
      const refresh = refreshToken ? await validClaims(refreshToken, 'refresh') : null;
      if (refreshToken && refresh) await blacklist.add(refreshToken, refresh.expiresAt);
    },

    /** Ends every token of the account: access and refresh, on every device. */
    async logoutEverywhere(user: UserRow): Promise<void> {
      await users.revokeTokens(user.id);
    },

    /** Changes the caller's own password after checking the current one; ends every token. */
    async changePassword(user: UserRow, current: string, next: string): Promise<void> {
      if (!(await verifyPassword(current, user.hashedPassword))) {
        throw new HttpError(400, 'Current password is wrong.');
      }
      await users.setPasswordHash(user.id, await hashPassword(next), { revokeTokens: true });
    },

    /** The authenticated user, or a 401 with `WWW-Authenticate: Bearer`. */
    requireUser,

    async requireSuperuser(authorization: string | null | undefined): Promise<UserRow> {
      const found = await requireUser(authorization);
      if (!found.isSuperuser) throw forbidden();
      return found;
    },

    /**
     * Who is calling, for the rate limiter: user id and tier name read fresh on every request,
     * so a tier change applies at once; `null` (limit by IP) without a good token.
     */
    async identify(authorization: string | null | undefined): Promise<Identity | null> {
      const token = bearerToken(authorization);
      const claims = token ? await validClaims(token, 'access') : null;
      if (!claims) return null;
      const found = await users.identity(claims.id);
      if (!found || found.tokenVersion !== claims.tokenVersion) return null;
      return { id: found.id, tier: found.tier };
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
