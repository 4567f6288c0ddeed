import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { appInfoSettings } from './settings-app-info.js';

/** The workspace root: relative paths and `.env` are read from here, whatever the cwd. */
export const projectRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const positiveInt = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(fallback));
const positiveSeconds = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().positive().max(3600).default(fallback));
const redisUrl = () => z.preprocess(emptyToUndefined, z.url({ protocol: /^rediss?$/ }).optional());

const settingsSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /**
   * The original's deployment stage. Its meaning: `/docs`, `/redoc`, `/openapi.json` public,
   * superuser only, hidden; outside `local` the refresh cookie is `Secure`.
   */
  ENVIRONMENT: z.preprocess(
    emptyToUndefined,
    z.enum(['local', 'staging', 'production']).default('local'),
  ),
  ...appInfoSettings,
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8000)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  DATABASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  PGLITE_DIR: z.preprocess(emptyToUndefined, z.string().default('pgdata')),
  REDIS_URL: redisUrl(),
  // Each defaults to REDIS_URL; production may put the cache, the counters and the queue on
  // separate servers, as the original recommended.
  REDIS_CACHE_URL: redisUrl(),
  REDIS_RATE_LIMIT_URL: redisUrl(),
  REDIS_QUEUE_URL: redisUrl(),
  DB_CONNECT_TIMEOUT_SECONDS: positiveSeconds(2),
  DB_STATEMENT_TIMEOUT_SECONDS: positiveSeconds(3),
  SHUTDOWN_TIMEOUT_SECONDS: positiveSeconds(10),
  TASK_QUEUE_NAME: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[\w.-]+$/)
      .default('tasks'),
  ),
  TASK_QUEUE_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[\w.-]+$/)
      .optional(),
  ),
  TASK_ATTEMPTS: positiveInt(3),
  /**
   * How long a worker's lock on a running task lasts (renewed at half of it) and how often
   * workers look for tasks whose worker died: such a task runs again within about twice this.
   * Below 1 s a busy event loop would lose locks of healthy workers.
   */
  TASK_LOCK_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(1).max(3600).default(30)),
  SECRET_KEY: z.preprocess(emptyToUndefined, z.string().min(32).optional()),
  ACCESS_TOKEN_EXPIRE_MINUTES: positiveInt(30),
  REFRESH_TOKEN_EXPIRE_DAYS: positiveInt(7),
  /** Failed logins per account and client IP, per LOGIN_RATE_LIMIT_PERIOD seconds. */
  LOGIN_RATE_LIMIT_LIMIT: positiveInt(5),
  LOGIN_RATE_LIMIT_PERIOD: positiveInt(900),
  ADMIN_NAME: z.preprocess(emptyToUndefined, z.string().min(2).max(30).default('Admin')),
  ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email().default('admin@example.com')),
  ADMIN_USERNAME: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[a-z0-9]{2,20}$/, '2 to 20 lowercase letters or digits')
      .default('admin'),
  ),
  ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(8).default('Str1ngst!')),
  DEFAULT_RATE_LIMIT_LIMIT: positiveInt(10),
  DEFAULT_RATE_LIMIT_PERIOD: positiveInt(3600),
  CLIENT_CACHE_MAX_AGE: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(60)),
  TRUST_PROXY: z
    .preprocess(emptyToUndefined, z.string().default('false'))
    .transform(parseTrustProxy),
  TIER_NAME: z.preprocess(emptyToUndefined, z.string().min(1).default('free')),
  TASK_DELAY_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(50)),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  LOG_FILE: z.string().default('logs/app.log'),
});

export type Settings = z.output<typeof settingsSchema> & {
  /** Where `.env` was read from, if one was. */
  envFile: string | undefined;
};

/** `false` trusts nobody, `true` every hop, a number that many proxies, else trusted CIDRs. */
export type TrustProxy = boolean | number | string[];

function parseTrustProxy(value: string, ctx: z.RefinementCtx): TrustProxy {
  const text = value.trim().toLowerCase();
  if (text === 'false' || text === '0' || text === 'no') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const list = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (list.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected false, a hop count or a list of CIDRs' });
    return z.NEVER;
  }
  return list;
}

/** Error thrown for bad settings; the message lists every bad variable. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/**
 * Reads the settings from `.env` (in the workspace root), then `process.env`, then `overrides`,
 * each layer winning over the one before, and validates them.
 *
 * @example
 * const settings = loadSettings({ PORT: '0', PGLITE_DIR: 'memory://' });
 */
export function loadSettings(overrides: Record<string, string | undefined> = {}): Settings {
  const envFile = resolve(projectRoot, '.env');
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  const merged: Record<string, string | undefined> = { ...fromFile, ...process.env };
  for (const [key, value] of Object.entries(overrides)) merged[key] = value;

  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new SettingsError(`Invalid settings:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, envFile: existsSync(envFile) ? envFile : undefined };
}

/** Resolves a configured path against the workspace root (cwd varies under `pnpm --filter`). */
export function resolveProjectPath(path: string): string {
  return isAbsolute(path) ? path : resolve(projectRoot, path);
}
