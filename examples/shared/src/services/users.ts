import { and, asc, count, eq, or, sql } from 'drizzle-orm';
import { hashPassword } from '../auth/passwords.js';
import type { Db } from '../db/database.js';
import { tier, user } from '../db/schema.js';
import { duplicate, forbidden, notFound } from '../http/errors.js';
import { uniqueViolation } from './db-errors.js';
import { type Page, type PageRequest, pageBounds, toPage } from './pagination.js';

export type UserRow = typeof user.$inferSelect;

export interface UserRead {
  id: number;
  name: string;
  username: string;
  email: string;
  profile_image_url: string;
  tier_id: number | null;
}

export const toUserRead = (row: UserRow): UserRead => ({
  id: row.id,
  name: row.name,
  username: row.username,
  email: row.email,
  profile_image_url: row.profileImageUrl,
  tier_id: row.tierId,
});

const active = eq(user.isDeleted, false);
/** Ends every token of the account: tokens carry the version they were issued with. */
const nextTokenVersion = sql`${user.tokenVersion} + 1`;

/** Users: sign-up, reads, self-service updates, soft and hard deletes. */
export function createUserService(db: Db) {
  async function find(username: string): Promise<UserRow | undefined> {
    const [row] = await db
      .select()
      .from(user)
      .where(and(eq(user.username, username), active));
    return row;
  }

  async function get(username: string): Promise<UserRow> {
    const row = await find(username);
    if (!row) throw notFound('User');
    return row;
  }

  /** Duplicate checks in the original's order; the unique constraints catch races. */
  async function assertAvailable(fields: { email?: string; username?: string }, selfId?: number) {
    if (fields.email) {
      const [taken] = await db
        .select({ id: user.id })
        .from(user)
        .where(eq(user.email, fields.email));
      if (taken && taken.id !== selfId) throw duplicate('Email is already registered');
    }
    if (fields.username) {
      const [taken] = await db
        .select({ id: user.id })
        .from(user)
        .where(eq(user.username, fields.username));
      if (taken && taken.id !== selfId) throw duplicate('Username not available');
    }
  }

  function mapUniqueViolation(error: unknown): never {
    const constraint = uniqueViolation(error);
    if (constraint === null) throw error;
    if (constraint.includes('email')) throw duplicate('Email is already registered');
    throw duplicate('Username not available');
  }

  return {
    find,
    get,

    /** The active user with this id: what a token names. */
    async findById(id: number): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(user)
        .where(and(eq(user.id, id), active));
      return row;
    },

    /** Finds an active user by username or email, for login. */
    async findForLogin(usernameOrEmail: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(user)
        .where(
          and(or(eq(user.username, usernameOrEmail), eq(user.email, usernameOrEmail)), active),
        );
      return row;
    },

    async create(input: {
      name: string;
      username: string;
      email: string;
      password: string;
      isSuperuser?: boolean;
    }): Promise<UserRead> {
      await assertAvailable(input);
      const hashedPassword = await hashPassword(input.password);
      try {
        const [row] = await db
          .insert(user)
          .values({
            name: input.name,
            username: input.username,
            email: input.email,
            hashedPassword,
            isSuperuser: input.isSuperuser ?? false,
          })
          .returning();
        return toUserRead(row!);
      } catch (error) {
        mapUniqueViolation(error);
      }
    },

    async list(request: PageRequest): Promise<Page<UserRead>> {
      const { offset, limit } = pageBounds(request);
      const [rows, [total]] = await Promise.all([
        db.select().from(user).where(active).orderBy(asc(user.id)).offset(offset).limit(limit),
        db.select({ value: count() }).from(user).where(active),
      ]);
      return toPage(rows.map(toUserRead), total?.value ?? 0, request);
    },

    /** Self-service update: only the user may change their own record. */
    async update(
      actor: UserRow,
      username: string,
      changes: { name?: string; username?: string; email?: string; profile_image_url?: string },
    ): Promise<UserRow> {
      const target = await get(username);
      if (target.id !== actor.id) throw forbidden();
      await assertAvailable(
        {
          email: changes.email !== target.email ? changes.email : undefined,
          username: changes.username !== target.username ? changes.username : undefined,
        },
        target.id,
      );
      try {
        const [row] = await db
          .update(user)
          .set({
            name: changes.name,
            username: changes.username,
            email: changes.email,
            profileImageUrl: changes.profile_image_url,
            updatedAt: new Date(),
            // Tokens issued to the old name must not outlive it (see docs/examples.md).
            ...(changes.username !== undefined && changes.username !== target.username
              ? { tokenVersion: nextTokenVersion }
              : {}),
          })
          .where(eq(user.id, target.id))
          .returning();
        return row!;
      } catch (error) {
        mapUniqueViolation(error);
      }
    },

    /** Soft delete by the user themself; their token stops working at once. */
    async softDelete(actor: UserRow, username: string): Promise<UserRow> {
      const target = await get(username);
      if (target.id !== actor.id) throw forbidden();
      await db
        .update(user)
        .set({ isDeleted: true, deletedAt: new Date(), tokenVersion: nextTokenVersion })
        .where(eq(user.id, target.id));
      return target;
    },

    /** Hard delete (superuser): soft-deleted users can be purged too. Their posts go with them. */
    async hardDelete(username: string): Promise<UserRow> {
      const [row] = await db.delete(user).where(eq(user.username, username)).returning();
      if (!row) throw notFound('User');
      return row;
    },

    async setTier(username: string, tierId: number): Promise<UserRow> {
      const target = await get(username);
      const [found] = await db.select({ id: tier.id }).from(tier).where(eq(tier.id, tierId));
      if (!found) throw notFound('Tier');
      await db.update(user).set({ tierId, updatedAt: new Date() }).where(eq(user.id, target.id));
      return target;
    },

    async withTier(username: string) {
      const target = await get(username);
      if (target.tierId === null) throw notFound('Tier');
      const [found] = await db.select().from(tier).where(eq(tier.id, target.tierId));
      if (!found) throw notFound('Tier');
      return {
        ...toUserRead(target),
        tier_name: found.name,
        tier_created_at: found.createdAt.toISOString(),
      };
    },

    /**
     * Replaces the stored password hash. `revokeTokens` for a password change, which ends every
     * session; not for a rehash of the same password into today's scheme.
     */
    async setPasswordHash(id: number, hashedPassword: string, options: { revokeTokens: boolean }) {
      await db
        .update(user)
        .set({
          hashedPassword,
          updatedAt: new Date(),
          ...(options.revokeTokens ? { tokenVersion: nextTokenVersion } : {}),
        })
        .where(eq(user.id, id));
    },

    /** Ends every token of the account (logout everywhere). */
    async revokeTokens(id: number): Promise<void> {
      await db.update(user).set({ tokenVersion: nextTokenVersion }).where(eq(user.id, id));
    },

    /**
     * The user's id, tier name and token version, fresh from the database, for rate limiting:
     * `null` for a deleted user.
     */
    async identity(
      id: number,
    ): Promise<{ id: string; tier: string | null; tokenVersion: number } | null> {
      const [row] = await db
        .select({ id: user.id, tier: tier.name, tokenVersion: user.tokenVersion })
        .from(user)
        .leftJoin(tier, eq(user.tierId, tier.id))
        .where(and(eq(user.id, id), active));
      return row ? { id: String(row.id), tier: row.tier, tokenVersion: row.tokenVersion } : null;
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
