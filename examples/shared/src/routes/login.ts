import { z } from 'zod';
import { REFRESH_COOKIE, refreshCookies } from '../auth/refresh-cookie.js';
import { defineRoute, Reply } from '../http/route.js';
import * as s from '../http/schemas.js';

// Tokens must never be kept by a browser cache or a proxy.
const NO_STORE = { 'Cache-Control': 'no-store' };
const refreshCookie = z.object({
  [REFRESH_COOKIE]: z.string().optional().meta({ description: 'Set by POST /api/v1/login' }),
});

export const loginRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/login',
    summary: 'Log in with username (or email) and password',
    tag: 'login',
    access: 'public',
    form: s.loginForm,
    response: s.token,
    loginLimited: true,
    headers: NO_STORE,
    docs: {
      headers: {
        'Set-Cookie': `${REFRESH_COOKIE}: the refresh token (HttpOnly, SameSite=Lax, Secure outside ENVIRONMENT=local)`,
      },
      responses: {
        401: 'Wrong username, email or password',
        429: 'Too many failed logins for this account from this address',
      },
    },
    handle: async (ctx, { body }) => {
      const { body: token, refresh } = await ctx.auth.login(body.username, body.password);
      const cookie = refreshCookies(ctx.settings).set(refresh.token, refresh.maxAge);
      return new Reply(token, { 'Set-Cookie': cookie });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/refresh',
    summary: 'A new access token for the refresh token cookie',
    tag: 'login',
    access: 'public',
    response: s.token,
    headers: NO_STORE,
    docs: {
      cookies: refreshCookie,
      responses: { 401: 'Refresh token missing, invalid, expired or logged out' },
    },
    handle: (ctx, { cookies }) => ctx.auth.refresh(cookies[REFRESH_COOKIE]),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/logout',
    summary: 'Log out: the access token and the refresh token cookie stop working',
    tag: 'login',
    access: 'user',
    response: s.message,
    headers: NO_STORE,
    docs: {
      cookies: refreshCookie,
      headers: { 'Set-Cookie': `${REFRESH_COOKIE} cleared` },
    },
    handle: async (ctx, { authorization, cookies }) => {
      await ctx.auth.logout(authorization, cookies[REFRESH_COOKIE]);
      return new Reply(
        { message: 'Logged out successfully' },
        { 'Set-Cookie': refreshCookies(ctx.settings).clear() },
      );
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/logout/all',
    summary: 'Log out everywhere: every token of the account stops working',
    tag: 'login',
    access: 'user',
    response: s.message,
    headers: NO_STORE,
    docs: { headers: { 'Set-Cookie': `${REFRESH_COOKIE} cleared` } },
    handle: async (ctx, { user }) => {
      await ctx.auth.logoutEverywhere(user);
      return new Reply(
        { message: 'Logged out everywhere' },
        { 'Set-Cookie': refreshCookies(ctx.settings).clear() },
      );
    },
  }),
];
