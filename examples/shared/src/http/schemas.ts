import { z } from 'zod';
import { rulePathProblem } from './rule-path.js';

// Request and response shapes of the original API. Request bodies are strict: unknown fields are
// a 422, as the original's `extra="forbid"` models made them.

const INT32_MAX = 2_147_483_647;

/** A path or query integer: digits only (no `1e3`, no blanks), within PostgreSQL's `integer`. */
export const intString = (min = 1, max = INT32_MAX) =>
  z
    .string()
    .regex(/^(0|[1-9]\d*)$/, 'Input should be a valid integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    // OpenAPI documents what the client sends: an integer, not the string it arrives as.
    .meta({ type: 'integer', minimum: min, maximum: max });

export const username = z
  .string()
  .regex(/^[a-z0-9]{2,20}$/, 'Username must be 2 to 20 lowercase letters or digits')
  .meta({ example: 'userson' });
const url = z.string().regex(/^(https?|ftp):\/\/[^\s/$.?#].[^\s]*$/, 'Input should be a valid URL');
const timestamp = z.iso.datetime({ offset: true });

export const pageQuery = z.object({
  page: z
    .string()
    .optional()
    .default('1')
    .pipe(intString(1))
    .meta({ type: 'integer', minimum: 1, default: 1 }),
  items_per_page: z
    .string()
    .optional()
    .default('10')
    .pipe(intString(1, 100))
    .meta({ type: 'integer', minimum: 1, maximum: 100, default: 10 }),
});

export const paginated = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    total_count: z.number().int(),
    has_more: z.boolean(),
    page: z.number().int(),
    items_per_page: z.number().int(),
  });

export const message = z.object({ message: z.string() }).meta({ id: 'Message' });

export const token = z
  .object({ access_token: z.string(), token_type: z.literal('bearer') })
  .meta({ id: 'Token' });

export const loginForm = z.object({
  username: z.string().min(1).meta({ description: 'Username or email' }),
  password: z.string().min(1),
});

export const userCreate = z
  .strictObject({
    name: z.string().min(2).max(30).meta({ example: 'User Userson' }),
    username,
    email: z.email().max(50).meta({ example: 'user.userson@example.com' }),
    password: z.string().min(8).max(128).meta({ example: 'Str1ngst!' }),
  })
  .meta({ id: 'UserCreate' });

export const passwordChange = z
  .strictObject({
    current_password: z.string().min(1).max(128),
    new_password: z.string().min(8).max(128).meta({ example: 'N3w-Str1ngst!' }),
  })
  .meta({ id: 'PasswordChange' });

export const userUpdate = z
  .strictObject({
    name: z.string().min(2).max(30).optional(),
    username: username.optional(),
    email: z.email().max(50).optional(),
    profile_image_url: url.optional(),
  })
  .meta({ id: 'UserUpdate' });

export const userRead = z
  .object({
    id: z.number().int(),
    name: z.string(),
    username: z.string(),
    email: z.string(),
    profile_image_url: z.string(),
    tier_id: z.number().int().nullable(),
  })
  .meta({ id: 'UserRead' });

export const userTierRead = userRead
  .extend({ tier_name: z.string(), tier_created_at: timestamp })
  .meta({ id: 'UserTierRead' });

export const userTierUpdate = z
  .strictObject({ tier_id: z.number().int().min(1).max(INT32_MAX) })
  .meta({ id: 'UserTierUpdate' });

export const tierCreate = z
  .strictObject({ name: z.string().trim().min(1).max(100).meta({ example: 'free' }) })
  .meta({ id: 'TierCreate' });
export const tierUpdate = z
  .strictObject({ name: z.string().trim().min(1).max(100).optional() })
  .meta({ id: 'TierUpdate' });
export const tierRead = z
  .object({ name: z.string(), id: z.number().int(), created_at: timestamp })
  .meta({ id: 'TierRead' });

const limit = z.number().int().positive().max(INT32_MAX).meta({ example: 10 });
const period = z.number().int().positive().max(INT32_MAX).meta({ example: 3600 });
const rulePath = z
  .string()
  .min(1)
  .max(255)
  .superRefine((value, ctx) => {
    const problem = rulePathProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ example: 'api/v1/tasks/task' });
const ruleName = z.string().trim().min(1).max(100).meta({ example: 'api_v1_tasks:10:3600' });

export const rateLimitCreate = z
  .strictObject({ path: rulePath, limit, period, name: ruleName.nullish() })
  .meta({ id: 'RateLimitCreate' });
export const rateLimitUpdate = z
  .strictObject({
    path: rulePath.optional(),
    limit: limit.optional(),
    period: period.optional(),
    name: ruleName.optional(),
  })
  .meta({ id: 'RateLimitUpdate' });
export const rateLimitRead = z
  .object({
    path: z.string(),
    limit: z.number().int(),
    period: z.number().int(),
    id: z.number().int(),
    tier_id: z.number().int(),
    name: z.string(),
  })
  .meta({ id: 'RateLimitRead' });

export const userRateLimits = userRead
  .extend({ tier_rate_limits: z.array(rateLimitRead) })
  .meta({ id: 'UserRateLimits' });

export const postCreate = z
  .strictObject({
    title: z.string().min(2).max(30).meta({ example: 'This is my post' }),
    text: z.string().min(1).max(63206).meta({ example: 'This is the content of my post.' }),
    media_url: url.nullish(),
  })
  .meta({ id: 'PostCreate' });
export const postUpdate = z
  .strictObject({
    title: z.string().min(2).max(30).optional(),
    text: z.string().min(1).max(63206).optional(),
    media_url: url.nullish(),
  })
  .meta({ id: 'PostUpdate' });
export const postRead = z
  .object({
    id: z.number().int(),
    title: z.string(),
    text: z.string(),
    media_url: z.string().nullable(),
    created_by_user_id: z.number().int(),
    created_at: timestamp,
  })
  .meta({ id: 'PostRead' });

export const taskCreated = z.object({ id: z.string() }).meta({ id: 'TaskCreated' });
export const taskQuery = z.object({ message: z.string().min(1).max(1000) });
export const taskRead = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'in_progress', 'complete', 'failed']),
    message: z.string(),
    result: z.string().nullable(),
    enqueued_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'TaskRead' });

export const errorDetail = z
  .object({ detail: z.union([z.string(), z.array(z.record(z.string(), z.unknown()))]) })
  .meta({ id: 'ErrorDetail' });
