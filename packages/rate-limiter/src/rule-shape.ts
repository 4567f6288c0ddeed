import { check } from './checks.js';
import { invalidOption } from './errors.js';
import { defaultRuleName } from './path.js';
import type { AppliedRule, AppliedWindow, RuleInput, RuleWindowInput } from './types.js';

/** Checks a limit: a positive safe integer. */
export function checkLimit(option: string, value: unknown): number {
  if (value === undefined) throw invalidOption(option, 'is required', { value });
  return check.positiveInteger(option, value, 0);
}

/** Checks a period (seconds or a duration string) and returns milliseconds. */
export function checkPeriod(option: string, value: unknown): number {
  if (value === undefined) throw invalidOption(option, 'is required', { value });
  return check.duration(option, value, undefined);
}

/** Most windows one rule may have: each is a key and a little work per check. */
export const MAX_WINDOWS = 8;

/**
 * Checks a rule as the app gives it (`defaultRule`, or what `resolveRule` returned) and turns it
 * into the rule a check applies: windows in milliseconds, shortest first, each named. Throws
 * `E_INVALID_OPTION` naming `option` (`defaultRule`, `rule`) and the window at fault.
 *
 * @example
 * applyRule([{ limit: 1000, period: '1 h' }, { limit: 10, period: 1 }], 'api_v1', null, 'default', 'defaultRule');
 * // windows: [{ name: 'api_v1:10:1', limit: 10, periodMs: 1000 }, { name: 'api_v1:1000:3600', ... }]
 */
export function applyRule(
  input: RuleInput,
  path: string,
  tier: string | null,
  source: AppliedRule['source'],
  option: string,
): AppliedRule {
  const list: readonly RuleWindowInput[] = Array.isArray(input)
    ? input
    : [input as RuleWindowInput];
  if (list.length === 0 || list.length > MAX_WINDOWS) {
    throw invalidOption(option, `must have 1 to ${MAX_WINDOWS} windows`, { value: list.length });
  }
  const windows: AppliedWindow[] = list.map((window, i) => {
    const at = Array.isArray(input) ? `${option}[${i}]` : option;
    if (window === null || typeof window !== 'object') {
      throw invalidOption(at, 'must be { limit, period }', { value: window });
    }
    const limit = checkLimit(`${at}.limit`, window.limit);
    const periodMs = checkPeriod(`${at}.period`, window.period);
    const name = window.name ?? defaultRuleName(path, limit, periodMs / 1000);
    if (typeof name !== 'string' || name === '') {
      throw invalidOption(`${at}.name`, 'must be a non-empty string', { value: name });
    }
    return { name, limit, periodMs };
  });
  windows.sort((a, b) => a.periodMs - b.periodMs);
  for (let i = 1; i < windows.length; i++) {
    if (windows[i]!.periodMs === windows[i - 1]!.periodMs) {
      throw invalidOption(option, 'has two windows with the same period: merge them', {
        value: `${windows[i]!.periodMs} ms`,
      });
    }
  }
  const first = windows[0]!;
  return {
    source,
    name: first.name,
    tier,
    limit: first.limit,
    periodMs: first.periodMs,
    windows: Object.freeze(windows),
  };
}

/** What a rule's windows are, as one string: equal for rules that count alike. */
export function windowsSignature(rule: AppliedRule): string {
  let text = '';
  for (const w of rule.windows) text += `${w.limit}/${w.periodMs},`;
  return text;
}
