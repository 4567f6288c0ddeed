import { and, asc, count, eq } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { post } from '../db/schema.js';
import { forbidden, notFound } from '../http/errors.js';
import { type Page, type PageRequest, pageBounds, toPage } from './pagination.js';
import type { UserRow, UserService } from './users.js';

export type PostRow = typeof post.$inferSelect;
export interface PostRead {
  id: number;
  title: string;
  text: string;
  media_url: string | null;
  created_by_user_id: number;
  created_at: string;
}

export const toPostRead = (row: PostRow): PostRead => ({
  id: row.id,
  title: row.title,
  text: row.text,
  media_url: row.mediaUrl,
  created_by_user_id: row.createdByUserId,
  created_at: row.createdAt.toISOString(),
});

/** Posts under `/{username}/...`: the owner writes, anyone reads, a superuser purges. */
export function createPostService(db: Db, users: UserService) {
  async function owned(actor: UserRow, username: string): Promise<UserRow> {
    const owner = await users.get(username);
    if (owner.id !== actor.id) throw forbidden();
    return owner;
  }

  async function find(ownerId: number, id: number): Promise<PostRow> {
    const [row] = await db
      .select()
      .from(post)
      .where(and(eq(post.id, id), eq(post.createdByUserId, ownerId), eq(post.isDeleted, false)));
    if (!row) throw notFound('Post');
    return row;
  }

  return {
    async create(
      actor: UserRow,
      username: string,
      input: { title: string; text: string; media_url?: string | null },
    ): Promise<PostRead> {
      const owner = await owned(actor, username);
      const [row] = await db
        .insert(post)
        .values({
          createdByUserId: owner.id,
          title: input.title,
          text: input.text,
          mediaUrl: input.media_url ?? null,
        })
        .returning();
      return toPostRead(row!);
    },

    async list(username: string, request: PageRequest): Promise<Page<PostRead>> {
      const owner = await users.get(username);
      const { offset, limit } = pageBounds(request);
      const where = and(eq(post.createdByUserId, owner.id), eq(post.isDeleted, false));
      const [rows, [total]] = await Promise.all([
        db.select().from(post).where(where).orderBy(asc(post.id)).offset(offset).limit(limit),
        db.select({ value: count() }).from(post).where(where),
      ]);
      return toPage(rows.map(toPostRead), total?.value ?? 0, request);
    },

    async get(username: string, id: number): Promise<PostRead> {
      const owner = await users.get(username);
      return toPostRead(await find(owner.id, id));
    },

    async update(
      actor: UserRow,
      username: string,
      id: number,
      changes: { title?: string; text?: string; media_url?: string | null },
    ): Promise<void> {
      const owner = await owned(actor, username);
      const current = await find(owner.id, id);
      await db
        .update(post)
        .set({
          title: changes.title,
          text: changes.text,
          mediaUrl: changes.media_url,
          updatedAt: new Date(),
        })
        .where(eq(post.id, current.id));
    },

    async softDelete(actor: UserRow, username: string, id: number): Promise<void> {
      const owner = await owned(actor, username);
      const current = await find(owner.id, id);
      await db
        .update(post)
        .set({ isDeleted: true, deletedAt: new Date() })
        .where(eq(post.id, current.id));
    },

    /** Superuser purge: soft-deleted posts can be purged too. */
    async hardDelete(username: string, id: number): Promise<void> {
      const owner = await users.get(username);
      const [row] = await db
        .delete(post)
        .where(and(eq(post.id, id), eq(post.createdByUserId, owner.id)))
        .returning({ id: post.id });
      if (!row) throw notFound('Post');
    },
  };
}

export type PostService = ReturnType<typeof createPostService>;
