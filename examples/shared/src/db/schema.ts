import {
  boolean,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  unique,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';

// Mirrors migrations/*.sql, which are the source of truth for the database itself.
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true });

export const tier = pgTable('tier', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 100 }).notNull().unique(),
  createdAt: createdAt(),
});

export const rateLimit = pgTable(
  'rate_limit',
  {
    id: serial('id').primaryKey(),
    tierId: integer('tier_id')
      .notNull()
      .references(() => tier.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }).notNull().unique(),
    path: varchar('path', { length: 255 }).notNull(),
    limit: integer('limit').notNull(),
    period: integer('period').notNull(),
    createdAt: createdAt(),
    updatedAt: at('updated_at'),
  },
  (table) => [unique('rate_limit_tier_path_unique').on(table.tierId, table.path)],
);

export const user = pgTable('user', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 30 }).notNull(),
  username: varchar('username', { length: 20 }).notNull().unique(),
  email: varchar('email', { length: 50 }).notNull().unique(),
  hashedPassword: text('hashed_password').notNull(),
  profileImageUrl: text('profile_image_url').notNull().default('https://profileimageurl.com'),
  uuid: uuid('uuid').notNull().defaultRandom(),
  createdAt: createdAt(),
  updatedAt: at('updated_at'),
  deletedAt: at('deleted_at'),
  isDeleted: boolean('is_deleted').notNull().default(false),
  isSuperuser: boolean('is_superuser').notNull().default(false),
  tierId: integer('tier_id').references(() => tier.id, { onDelete: 'set null' }),
  /** Part of every token; bumped to end all of the account's tokens at once. */
  tokenVersion: integer('token_version').notNull().default(0),
});

export const post = pgTable('post', {
  id: serial('id').primaryKey(),
  createdByUserId: integer('created_by_user_id')
    .notNull()
    .references(() => user.id, { onDelete: 'cascade' }),
  title: varchar('title', { length: 30 }).notNull(),
  text: varchar('text', { length: 63206 }).notNull(),
  uuid: uuid('uuid').notNull().defaultRandom(),
  mediaUrl: text('media_url'),
  createdAt: createdAt(),
  updatedAt: at('updated_at'),
  deletedAt: at('deleted_at'),
  isDeleted: boolean('is_deleted').notNull().default(false),
});

export const task = pgTable('task', {
  id: text('id').primaryKey(),
  message: text('message').notNull(),
  status: varchar('status', { length: 20 })
    .$type<'queued' | 'in_progress' | 'complete' | 'failed'>()
    .notNull()
    .default('queued'),
  result: text('result'),
  error: text('error'),
  enqueuedAt: timestamp('enqueued_at', { withTimezone: true }).notNull().defaultNow(),
  startedAt: at('started_at'),
  finishedAt: at('finished_at'),
});

/** Logged-out tokens (their SHA-256) until they expire, when there is no Redis. */
export const tokenBlacklist = pgTable('token_blacklist', {
  id: serial('id').primaryKey(),
  token: varchar('token').notNull().unique(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

export const schema = { tier, rateLimit, user, post, task, tokenBlacklist };
