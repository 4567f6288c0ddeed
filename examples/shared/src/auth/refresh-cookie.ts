import type { Settings } from '../settings.js';

/** The cookie that holds the refresh token, as the original named it. */
export const REFRESH_COOKIE = 'refresh_token';
// Sent to /api/v1/refresh and /api/v1/logout, which is where the original's default path put it.
const PATH = '/api/v1';

/**
 * `Set-Cookie` values for the refresh token: httpOnly (no script reads it), `SameSite=Lax`, and
 * `Secure` outside `ENVIRONMENT=local` (where the app is served over plain http).
 */
export function refreshCookies(settings: Pick<Settings, 'ENVIRONMENT'>) {
  const attributes = [`Path=${PATH}`, 'HttpOnly', 'SameSite=Lax'];
  if (settings.ENVIRONMENT !== 'local') attributes.push('Secure');
  const tail = attributes.join('; ');
  return {
    set: (token: string, maxAge: number) =>
      `${REFRESH_COOKIE}=${token}; Max-Age=${maxAge}; ${tail}`,
    clear: () => `${REFRESH_COOKIE}=; Max-Age=0; ${tail}`,
  };
}
