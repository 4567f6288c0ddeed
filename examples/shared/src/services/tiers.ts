import { asc, count, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { tier } from '../db/schema.js';
import { duplicate, notFound } from '../http/errors.js';
import { uniqueViolation } from './db-errors.js';
import { type Page, type PageRequest, pageBounds, toPage } from './pagination.js';

export type TierRow = typeof tier.$inferSelect;
export interface TierRead {
  name: string;
  id: number;
  created_at: string;
}

export const toTierRead = (row: TierRow): TierRead => ({
  name: row.name,
  id: row.id,
  created_at: row.createdAt.toISOString(),
});

/**
 * Tiers. `onChange` runs after every write so the rate limiter drops its memoised rules and the
 * change applies on the next request.
 */
export function createTierService(db: Db, onChange: () => void) {
  async function get(name: string): Promise<TierRow> {
    const [row] = await db.select().from(tier).where(eq(tier.name, name));
    if (!row) throw notFound('Tier');
    return row;
  }

  async function insert(name: string): Promise<TierRow> {
    try {
      const [row] = await db.insert(tier).values({ name }).returning();
      return row!;
    } catch (error) {
      if (uniqueViolation(error) !== null) throw duplicate('Tier Name not available');
      throw error;
    }
  }

  return {
    get,

    async create(name: string): Promise<TierRead> {
      const [taken] = await db.select({ id: tier.id }).from(tier).where(eq(tier.name, name));
      if (taken) throw duplicate('Tier Name not available');
      const row = await insert(name);
      onChange();
      return toTierRead(row);
    },

    async list(request: PageRequest): Promise<Page<TierRead>> {
      const { offset, limit } = pageBounds(request);
      const [rows, [total]] = await Promise.all([
        db.select().from(tier).orderBy(asc(tier.id)).offset(offset).limit(limit),
        db.select({ value: count() }).from(tier),
      ]);
      return toPage(rows.map(toTierRead), total?.value ?? 0, request);
    },

    async update(name: string, changes: { name?: string }): Promise<void> {
      const current = await get(name);
      if (changes.name !== undefined && changes.name !== current.name) {
        const [taken] = await db
          .select({ id: tier.id })
          .from(tier)
          .where(eq(tier.name, changes.name));
        if (taken) throw duplicate('Tier Name not available');
        try {
          await db.update(tier).set({ name: changes.name }).where(eq(tier.id, current.id));
        } catch (error) {
          if (uniqueViolation(error) !== null) throw duplicate('Tier Name not available');
          throw error;
        }
      }
      onChange();
    },

    /** Deletes the tier with its rules; its users keep working on the default limits. */
    async delete(name: string): Promise<void> {
      const current = await get(name);
      await db.delete(tier).where(eq(tier.id, current.id));
      onChange();
    },

    /** Creates the tier unless it exists; used by the `create-tier` script. */
    async ensure(name: string): Promise<{ tier: TierRead; created: boolean }> {
      const [existing] = await db.select().from(tier).where(eq(tier.name, name));
      if (existing) return { tier: toTierRead(existing), created: false };
      const row = await insert(name);
      onChange();
      return { tier: toTierRead(row), created: true };
    },
  };
}

export type TierService = ReturnType<typeof createTierService>;
