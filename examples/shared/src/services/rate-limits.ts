import { sanitizePath } from '@kit/rate-limiter';
import { and, asc, count, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { rateLimit, tier } from '../db/schema.js';
import { duplicate, HttpError, notFound } from '../http/errors.js';
import { ruleNameFor } from '../http/rule-path.js';
import { uniqueViolation } from './db-errors.js';
import { type Page, type PageRequest, pageBounds, toPage } from './pagination.js';
import type { TierService } from './tiers.js';

export type RateLimitRow = typeof rateLimit.$inferSelect;
export interface RateLimitRead {
  path: string;
  limit: number;
  period: number;
  id: number;
  tier_id: number;
  name: string;
}

export const toRateLimitRead = (row: RateLimitRow): RateLimitRead => ({
  path: row.path,
  limit: row.limit,
  period: row.period,
  id: row.id,
  tier_id: row.tierId,
  name: row.name,
});

const pathTaken = () => new HttpError(400, 'Rate Limit Path not available');

/**
 * Per-tier rules for the rate limiter. Paths are stored sanitized (`api_v1_tasks_task`), one rule
 * per (tier, path); `onChange` invalidates the limiter's memoised rules after each write.
 */
export function createRateLimitService(db: Db, tiers: TierService, onChange: () => void) {
  async function get(tierName: string, id: number): Promise<RateLimitRow> {
    const parent = await tiers.get(tierName);
    const [row] = await db
      .select()
      .from(rateLimit)
      .where(and(eq(rateLimit.id, id), eq(rateLimit.tierId, parent.id)));
    if (!row) throw notFound('Rate Limit');
    return row;
  }

  async function assertFree(
    fields: { name?: string; tierId: number; path?: string },
    selfId?: number,
  ) {
    if (fields.name !== undefined) {
      const [taken] = await db
        .select({ id: rateLimit.id })
        .from(rateLimit)
        .where(eq(rateLimit.name, fields.name));
      if (taken && taken.id !== selfId) throw duplicate('Rate Limit Name not available');
    }
    if (fields.path !== undefined) {
      const [taken] = await db
        .select({ id: rateLimit.id })
        .from(rateLimit)
        .where(and(eq(rateLimit.tierId, fields.tierId), eq(rateLimit.path, fields.path)));
      if (taken && taken.id !== selfId) throw pathTaken();
    }
  }

  function mapUniqueViolation(error: unknown): never {
    const constraint = uniqueViolation(error);
    if (constraint === null) throw error;
    throw constraint.includes('path') ? pathTaken() : duplicate('Rate Limit Name not available');
  }

  return {
    get,

    async create(
      tierName: string,
      input: { path: string; limit: number; period: number; name?: string | null },
    ): Promise<RateLimitRead> {
      const parent = await tiers.get(tierName);
      const path = sanitizePath(input.path);
      const name = input.name ?? ruleNameFor(path, input.limit, input.period);
      await assertFree({ name, tierId: parent.id, path });
      try {
        const [row] = await db
          .insert(rateLimit)
          .values({ tierId: parent.id, path, name, limit: input.limit, period: input.period })
          .returning();
        onChange();
        return toRateLimitRead(row!);
      } catch (error) {
        mapUniqueViolation(error);
      }
    },

    async list(tierName: string, request: PageRequest): Promise<Page<RateLimitRead>> {
      const parent = await tiers.get(tierName);
      const { offset, limit } = pageBounds(request);
      const where = eq(rateLimit.tierId, parent.id);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(rateLimit)
          .where(where)
          .orderBy(asc(rateLimit.id))
          .offset(offset)
          .limit(limit),
        db.select({ value: count() }).from(rateLimit).where(where),
      ]);
      return toPage(rows.map(toRateLimitRead), total?.value ?? 0, request);
    },

    /** Every rule of a tier, for `GET /user/{username}/rate_limits`. */
    async allOfTier(tierId: number): Promise<RateLimitRead[]> {
      const rows = await db
        .select()
        .from(rateLimit)
        .where(eq(rateLimit.tierId, tierId))
        .orderBy(asc(rateLimit.id));
      return rows.map(toRateLimitRead);
    },

    async update(
      tierName: string,
      id: number,
      changes: { path?: string; limit?: number; period?: number; name?: string },
    ): Promise<void> {
      const current = await get(tierName, id);
      const path = changes.path === undefined ? undefined : sanitizePath(changes.path);
      await assertFree({ name: changes.name, tierId: current.tierId, path }, current.id);
      try {
        await db
          .update(rateLimit)
          .set({
            path,
            limit: changes.limit,
            period: changes.period,
            name: changes.name,
            updatedAt: new Date(),
          })
          .where(eq(rateLimit.id, current.id));
      } catch (error) {
        mapUniqueViolation(error);
      }
      onChange();
    },

    async delete(tierName: string, id: number): Promise<void> {
      const current = await get(tierName, id);
      await db.delete(rateLimit).where(eq(rateLimit.id, current.id));
      onChange();
    },

    /** The limiter's `resolveRule`: the rule of this tier for this sanitized path, if any. */
    async ruleFor(tierName: string, path: string) {
      const [row] = await db
        .select({ limit: rateLimit.limit, period: rateLimit.period, name: rateLimit.name })
        .from(rateLimit)
        .innerJoin(tier, eq(rateLimit.tierId, tier.id))
        .where(and(eq(tier.name, tierName), eq(rateLimit.path, path)));
      return row ?? null;
    },
  };
}

export type RateLimitService = ReturnType<typeof createRateLimitService>;
