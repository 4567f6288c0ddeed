import {
  type AppHandle,
  assignTier,
  createRule,
  createTier,
  createUser,
  type TestUser,
  uniqueName,
} from './fixtures.js';

/** The rate-limited route as a rule names it. */
export const TASK_PATH = 'api/v1/tasks/task';

/** What a rule needs beyond its name; `path` is the task route, `period` an hour, by default. */
export interface RuleSpec {
  limit: number;
  period?: number;
  path?: string;
}

export interface TierWithRule {
  tier: string;
  tierId: number;
  // biome-ignore lint/suspicious/noExplicitAny: the stored rule as JSON
  rule: any;
}

export interface LimitedUser extends TierWithRule {
  user: TestUser;
}

/** Creates a tier named after `prefix` with one rule, as the superuser. */
export async function createTierWithRule(
  app: AppHandle,
  prefix: string,
  spec: RuleSpec,
): Promise<TierWithRule> {
  const tier = uniqueName(prefix);
  const tierId = await createTier(app, tier);
  const rule = await createRule(app, tier, {
    path: spec.path ?? TASK_PATH,
    limit: spec.limit,
    period: spec.period ?? 3600,
    name: uniqueName('r'),
  });
  return { tier, tierId, rule };
}

/** A fresh user on a fresh tier whose one rule is `spec`. */
export async function createLimitedUser(
  app: AppHandle,
  prefix: string,
  spec: RuleSpec,
): Promise<LimitedUser> {
  const tiered = await createTierWithRule(app, prefix, spec);
  const user = await createUser(app);
  await assignTier(app, user.username, tiered.tierId);
  return { ...tiered, user };
}

/** Changes a rule as the superuser. */
export async function patchRule(app: AppHandle, limited: TierWithRule, change: object) {
  const res = await app.api.patch(
    `/tier/${limited.tier}/rate_limit/${limited.rule.id}`,
    change,
    app.adminToken,
  );
  app.expect(res.status, res.text).toBe(200);
}

/** One call of the rate-limited route; returns the status (201, or 429 with its detail). */
export async function taskStatus({ api, expect }: AppHandle, token?: string): Promise<number> {
  const res = await api.post(`/tasks/task?message=${uniqueName('m')}`, undefined, token);
  if (res.status === 429) expect(res.body).toEqual({ detail: 'Rate limit exceeded' });
  else expect(res.status, res.text).toBe(201);
  return res.status;
}

/** Statuses of `n` calls of the rate-limited route in a row. */
export async function taskStatuses(app: AppHandle, n: number, token?: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push(await taskStatus(app, token));
  return statuses;
}

/** `n` times 201. */
export const allowed = (n: number): number[] => Array.from({ length: n }, () => 201);
