import { CacheError, invalidOption } from './errors.js';
import { escapeGlob } from './glob.js';
import type { RequestParams } from './types.js';

const PLACEHOLDER_NAME = /^[A-Za-z_][\w-]*$/;

/** A parsed `{name}` template: literal parts interleaved with placeholder names. */
export interface KeyTemplate {
  readonly source: string;
  readonly placeholders: readonly string[];
  /** Fills the placeholders; `escape` is applied to values (used for patterns). */
  format(params: RequestParams, escapeValue?: (value: string) => string): string;
}

/**
 * Parses a template once, at setup. Unbalanced braces, empty or odd placeholder names fail
 * with `E_INVALID_OPTION` naming `option`.
 */
export function compileTemplate(source: string, option: string): KeyTemplate {
  if (typeof source !== 'string' || source.length === 0) {
    throw invalidOption(option, 'must be a non-empty string');
  }
  const literals: string[] = [];
  const names: string[] = [];
  let literal = '';
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char === '}') {
      throw invalidOption(option, `has a "}" without its "{" at position ${i} in "${source}"`);
    }
    if (char !== '{') {
      literal += char;
      continue;
    }
    const end = source.indexOf('}', i + 1);
    if (end === -1) {
      throw invalidOption(option, `has a "{" without its "}" at position ${i} in "${source}"`);
    }
    const name = source.slice(i + 1, end);
    if (!PLACEHOLDER_NAME.test(name)) {
      throw invalidOption(
        option,
        `has an invalid placeholder "{${name}}" in "${source}" (use letters, digits, _ and -)`,
      );
    }
    literals.push(literal);
    names.push(name);
    literal = '';
    i = end;
  }
  literals.push(literal);

  return {
    source,
    placeholders: names,
    format(params, escapeValue) {
      let out = literals[0]!;
      for (let i = 0; i < names.length; i++) {
        const value = params[names[i]!];
        if (value === undefined || value === '') {
          throw new CacheError(
            'E_MISSING_PARAM',
            `template "${source}" needs parameter "${names[i]}", which the request does not have`,
          );
        }
        const text = String(value);
        out += (escapeValue ? escapeValue(text) : text) + literals[i + 1]!;
      }
      return out;
    },
  };
}

/** How the resource id is found: by name, or inferred by type. */
export interface ResourceIdRule {
  resourceIdName?: string | undefined;
  resourceIdType?: 'integer' | 'string' | undefined;
}

const INTEGER = /^-?\d+$/;

/**
 * The resource id of a request: the parameter named `resourceIdName`, or else the last integer
 * parameter whose name contains `id` (type `integer`) or the last parameter (type `string`).
 * Throws `E_RESOURCE_ID` when there is none.
 */
export function resolveResourceId(params: RequestParams, rule: ResourceIdRule): string {
  if (rule.resourceIdName !== undefined) {
    const value = params[rule.resourceIdName];
    if (value === undefined || value === '') {
      throw new CacheError(
        'E_RESOURCE_ID',
        `resource id parameter "${rule.resourceIdName}" is missing from the request`,
      );
    }
    return String(value);
  }
  let found: string | undefined;
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    const text = String(value);
    if (rule.resourceIdType === 'string' || (name.includes('id') && INTEGER.test(text))) {
      found = text;
    }
  }
  if (found === undefined) {
    const names = Object.keys(params).join(', ') || 'none';
    throw new CacheError(
      'E_RESOURCE_ID',
      `unable to infer the resource id (type ${rule.resourceIdType ?? 'integer'}) from parameters: ` +
        `${names}; set \`resourceIdName\``,
    );
  }
  return found;
}

/**
 * Builds a cache key the way a cached route does: `<formatted keyPrefix>:<resource id>`.
 *
 * @example
 * ```ts
 * formatKey('{username}_posts:page_{page}:items_per_page:{items_per_page}',
 *   { username: 'alice', page: 1, items_per_page: 10 }, { resourceIdName: 'username' });
 * // 'alice_posts:page_1:items_per_page:10:alice'
 * ```
 */
export function formatKey(
  keyPrefix: string,
  params: RequestParams,
  rule: ResourceIdRule = {},
): string {
  const template = compileTemplate(keyPrefix, 'keyPrefix');
  return `${template.format(params)}:${resolveResourceId(params, rule)}`;
}

/**
 * Fills a pattern template with escaped values, so `{username}_posts:*` for the user `*`
 * becomes `\*_posts:*` and matches only that user's keys.
 *
 * @example
 * ```ts
 * formatPattern('{username}_posts:*', { username: '*' }); // '\\*_posts:*'
 * ```
 */
export function formatPattern(pattern: string, params: RequestParams): string {
  return compileTemplate(pattern, 'pattern').format(params, escapeGlob);
}
