import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import * as s from '../http/schemas.js';
import { toRateLimitRead } from '../services/rate-limits.js';
import { toTierRead } from '../services/tiers.js';

const byName = z.object({ name: z.string() });
const byTier = z.object({ tier_name: z.string() });
const byRule = z.object({ tier_name: z.string(), id: s.intString() });

export const tierRoutes = [
  defineRoute({
    method: 'post',
    path: '/api/v1/tier',
    summary: 'Create a tier (superuser)',
    tag: 'tiers',
    access: 'superuser',
    status: 201,
    body: s.tierCreate,
    response: s.tierRead,
    handle: (ctx, { body }) => ctx.services.tiers.create(body.name),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/tiers',
    summary: 'List tiers',
    tag: 'tiers',
    access: 'public',
    query: s.pageQuery,
    response: s.paginated(s.tierRead),
    handle: (ctx, { query }) => ctx.services.tiers.list(query),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/tier/:name',
    summary: 'Read a tier',
    tag: 'tiers',
    access: 'public',
    params: byName,
    response: s.tierRead,
    handle: async (ctx, { params }) => toTierRead(await ctx.services.tiers.get(params.name)),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/tier/:name',
    summary: 'Update a tier (superuser)',
    tag: 'tiers',
    access: 'superuser',
    params: byName,
    body: s.tierUpdate,
    response: s.message,
    handle: async (ctx, { params, body }) => {
      await ctx.services.tiers.update(params.name, body);
      return { message: 'Tier updated' };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/tier/:name',
    summary: 'Delete a tier and its rate limits (superuser)',
    tag: 'tiers',
    access: 'superuser',
    params: byName,
    response: s.message,
    handle: async (ctx, { params }) => {
      await ctx.services.tiers.delete(params.name);
      return { message: 'Tier deleted' };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/tier/:tier_name/rate_limit',
    summary: 'Add a rate limit to a tier (superuser)',
    tag: 'rate_limits',
    access: 'superuser',
    status: 201,
    params: byTier,
    body: s.rateLimitCreate,
    response: s.rateLimitRead,
    handle: (ctx, { params, body }) => ctx.services.rateLimits.create(params.tier_name, body),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/tier/:tier_name/rate_limits',
    summary: "List a tier's rate limits",
    tag: 'rate_limits',
    access: 'public',
    params: byTier,
    query: s.pageQuery,
    response: s.paginated(s.rateLimitRead),
    handle: (ctx, { params, query }) => ctx.services.rateLimits.list(params.tier_name, query),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/tier/:tier_name/rate_limit/:id',
    summary: 'Read a rate limit',
    tag: 'rate_limits',
    access: 'public',
    params: byRule,
    response: s.rateLimitRead,
    handle: async (ctx, { params }) =>
      toRateLimitRead(await ctx.services.rateLimits.get(params.tier_name, params.id)),
  }),
  defineRoute({
    method: 'patch',
    path: '/api/v1/tier/:tier_name/rate_limit/:id',
    summary: 'Update a rate limit (superuser)',
    tag: 'rate_limits',
    access: 'superuser',
    params: byRule,
    body: s.rateLimitUpdate,
    response: s.message,
    handle: async (ctx, { params, body }) => {
      await ctx.services.rateLimits.update(params.tier_name, params.id, body);
      return { message: 'Rate Limit updated' };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/tier/:tier_name/rate_limit/:id',
    summary: 'Delete a rate limit (superuser)',
    tag: 'rate_limits',
    access: 'superuser',
    params: byRule,
    response: s.message,
    handle: async (ctx, { params }) => {
      await ctx.services.rateLimits.delete(params.tier_name, params.id);
      return { message: 'Rate Limit deleted' };
    },
  }),
];
