import type { Identity } from '@kit/rate-limiter';
import { forbidden, unauthorized } from '../http/errors.js';
import type { UserRow, UserService } from '../services/users.js';
import { verifyPassword } from './passwords.js';
import { bearerToken, type TokenService } from './tokens.js';

// Hashing a password for an unknown user too keeps the login time from telling which users exist.
const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' +
  'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';

/** Login, the current user of a request, and the caller's identity for rate limiting. */
export function createAuth(users: UserService, tokens: TokenService) {
  async function userOf(authorization: string | null | undefined): Promise<UserRow | null> {
    const token = bearerToken(authorization);
    if (!token) return null;
    const username = await tokens.verify(token);
    if (!username) return null;
    return (await users.find(username)) ?? null;
  }

  return {
    async login(usernameOrEmail: string, password: string) {
      const found = await users.findForLogin(usernameOrEmail);
      const ok = await verifyPassword(password, found?.hashedPassword ?? DUMMY_HASH);
      if (!found || !ok) throw unauthorized('Wrong username, email or password.');
      return { access_token: await tokens.issue(found.username), token_type: 'bearer' as const };
    },

    /** The authenticated user, or a 401 with `WWW-Authenticate: Bearer`. */
    async requireUser(authorization: string | null | undefined): Promise<UserRow> {
      const found = await userOf(authorization);
      if (!found) throw unauthorized();
      return found;
    },

    async requireSuperuser(authorization: string | null | undefined): Promise<UserRow> {
      const found = await userOf(authorization);
      if (!found) throw unauthorized();
      if (!found.isSuperuser) throw forbidden();
      return found;
    },

    /**
     * Who is calling, for the rate limiter: user id and tier name read fresh on every request,
     * so a tier change applies at once; `null` (limit by IP) without a valid token.
     */
    async identify(authorization: string | null | undefined): Promise<Identity | null> {
      const token = bearerToken(authorization);
      if (!token) return null;
      const username = await tokens.verify(token);
      return username ? users.identity(username) : null;
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
