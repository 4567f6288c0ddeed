import { z } from 'zod';
import { forbidden } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import * as s from '../http/schemas.js';
import { toUserRead } from '../services/users.js';

const byUsername = z.object({ username: z.string() });

export const userRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/user',
    summary: 'Sign up',
    tag: 'users',
    access: 'public',
    status: 201,
    body: s.userCreate,
    response: s.userRead,
    handle: (ctx, { body }) => ctx.services.users.create(body),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/users',
    summary: 'List users',
    tag: 'users',
    access: 'public',
    query: s.pageQuery,
    response: s.paginated(s.userRead),
    handle: (ctx, { query }) => ctx.services.users.list(query),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/user/me/',
    summary: 'The current user',
    tag: 'users',
    access: 'user',
    response: s.userRead,
    // Personal data: never kept by a shared cache, nor shown from the browser's after logout.
    headers: { 'Cache-Control': 'no-store' },
    handle: async (_ctx, { user }) => toUserRead(user),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/user/:username',
    summary: 'Read a user',
    tag: 'users',
    access: 'public',
    params: byUsername,
    response: s.userRead,
    handle: async (ctx, { params }) => toUserRead(await ctx.services.users.get(params.username)),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/user/:username',
    summary: 'Update your own user',
    tag: 'users',
    access: 'user',
    params: byUsername,
    body: s.userUpdate,
    response: s.message,
    handle: async (ctx, { params, body, user }) => {
      await ctx.services.users.update(user, params.username, body);
      // A renamed user's cached posts would otherwise answer under the old name.
      if (body.username && body.username !== params.username) {
        await ctx.invalidateUserCache(params.username);
      }
      return { message: 'User updated' };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/user/:username/password',
    summary: 'Change your own password: every token of the account stops working',
    tag: 'users',
    access: 'user',
    params: byUsername,
    body: s.passwordChange,
    response: s.message,
    // A stolen access token must not buy unlimited guesses at the current password.
    rateLimited: true,
    docs: { responses: { 400: 'Current password is wrong' } },
    handle: async (ctx, { params, body, user }) => {
      const target = await ctx.services.users.get(params.username);
      if (target.id !== user.id) throw forbidden();
      await ctx.auth.changePassword(user, body.current_password, body.new_password);
      return { message: 'Password changed' };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/user/:username',
    summary: 'Delete your own user (soft delete)',
    tag: 'users',
    access: 'user',
    params: byUsername,
    response: s.message,
    handle: async (ctx, { params, user }) => {
      await ctx.services.users.softDelete(user, params.username);
      await ctx.invalidateUserCache(params.username);
      return { message: 'User deleted' };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/db_user/:username',
    summary: 'Delete a user from the database (superuser)',
    tag: 'users',
    access: 'superuser',
    params: byUsername,
    response: s.message,
    handle: async (ctx, { params }) => {
      await ctx.services.users.hardDelete(params.username);
      await ctx.invalidateUserCache(params.username);
      return { message: 'User deleted from the database' };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/user/:username/rate_limits',
    summary: "A user and their tier's rate limits (superuser)",
    tag: 'users',
    access: 'superuser',
    params: byUsername,
    response: s.userRateLimits,
    handle: async (ctx, { params }) => {
      const found = await ctx.services.users.get(params.username);
      const rules =
        found.tierId === null ? [] : await ctx.services.rateLimits.allOfTier(found.tierId);
      return { ...toUserRead(found), tier_rate_limits: rules };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/user/:username/tier',
    summary: 'A user with their tier',
    tag: 'users',
    access: 'public',
    params: byUsername,
    response: s.userTierRead,
    handle: (ctx, { params }) => ctx.services.users.withTier(params.username),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/user/:username/tier',
    summary: "Change a user's tier (superuser)",
    tag: 'users',
    access: 'superuser',
    params: byUsername,
    body: s.userTierUpdate,
    response: s.message,
    handle: async (ctx, { params, body }) => {
      const updated = await ctx.services.users.setTier(params.username, body.tier_id);
      // Identity is read fresh per request, but memoised rules are keyed by tier: drop them too.
      ctx.limiter.invalidateRules();
      return { message: `User ${updated.name} Tier updated` };
    },
  }),
];
