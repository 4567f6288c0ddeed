import { createHash } from 'node:crypto';
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Db } from '../db/database.js';
import { tokenBlacklist } from '../db/schema.js';
import { HttpError } from '../http/errors.js';

/** Logged-out tokens, each kept until it would have expired anyway. */
export interface TokenBlacklist {
  /** Refuses `token` from now on, until `expiresAt` (epoch ms). */
  add(token: string, expiresAt: number): Promise<void>;
  has(token: string): Promise<boolean>;
}

// Only a digest is stored: short keys, and a leaked list holds no tokens.
const digest = (token: string) => createHash('sha256').update(token).digest('hex');

// A revocation list that cannot be read must not let a logged-out token through: the request
// fails as an outage, as the faults part of docs/examples.md describes.
const REDIS_TIMEOUT_MS = 2000;
const unavailable = (cause: unknown) => {
  const error = new HttpError(503, 'Service unavailable', { 'Retry-After': '5' });
  error.cause = cause;
  return error;
};

async function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('redis did not answer')), REDIS_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    throw unavailable(error);
  } finally {
    clearTimeout(timer);
  }
}

/** On Redis (with REDIS_URL): one key per token that expires with it. */
export function redisBlacklist(redis: Redis, prefix: string): TokenBlacklist {
  const keyOf = (token: string) => `${prefix}token-blacklist:${digest(token)}`;
  return {
    async add(token, expiresAt) {
      const ttl = Math.ceil(expiresAt - Date.now());
      if (ttl <= 0) return;
      await withinTimeout(redis.set(keyOf(token), '1', 'PX', ttl));
    },
    async has(token) {
      return (await withinTimeout(redis.exists(keyOf(token)))) === 1;
    },
  };
}

/** In the database (the embedded default): the `token_blacklist` table, expired rows purged. */
export function databaseBlacklist(db: Db): TokenBlacklist {
  return {
    async add(token, expiresAt) {
      if (expiresAt <= Date.now()) return;
      const now = new Date();
      await db.delete(tokenBlacklist).where(lte(tokenBlacklist.expiresAt, now));
      await db
        .insert(tokenBlacklist)
        .values({ token: digest(token), expiresAt: new Date(expiresAt) })
        .onConflictDoNothing();
    },
    async has(token) {
      const [row] = await db
        .select({ id: tokenBlacklist.id })
        .from(tokenBlacklist)
        .where(
          and(eq(tokenBlacklist.token, digest(token)), gt(tokenBlacklist.expiresAt, new Date())),
        );
      return row !== undefined;
    },
  };
}
