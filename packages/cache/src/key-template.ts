import { CacheError, invalidOption } from './errors.js';
import { escapeGlob } from './glob.js';
import type { RequestParams, RequestParamValue } from './types.js';

const PLACEHOLDER_NAME = /^[A-Za-z_][\w-]*$/;

/** A parsed `{name}` template: literal parts interleaved with placeholder names. */
export interface KeyTemplate {
  readonly source: string;
  readonly placeholders: readonly string[];
  /**
   * Fills the placeholders with encoded values (see {@link encodeKeyValue}); `escapeValue` is
   * applied after that (glob escaping, for patterns). Throws `E_MISSING_PARAM` for an absent
   * value and `E_AMBIGUOUS_PARAM` for an empty, repeated or structured one.
   */
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
  if (source.includes('\u0000')) {
    // Index sets live under `<prefix>\0idx:`: no key may contain NUL.
    throw invalidOption(option, `must not contain a NUL character in "${source}"`);
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
  const where = `template "${source}"`;

  return {
    source,
    placeholders: names,
    format(params, escapeValue) {
      let out = literals[0]!;
      for (let i = 0; i < names.length; i++) {
        const text = keyValue(params[names[i]!], names[i]!, where);
        out += (escapeValue ? escapeValue(text) : text) + literals[i + 1]!;
      }
      return out;
    },
  };
}

/**
 * What a parameter value becomes inside a key: `%`, `:` and control characters are
 * percent-encoded (`a:b` -> `a%3Ab`), everything else is kept. `:` separates the levels of a
 * key, so a value can never reach into the next level: `{username}` = `alice_posts:x` cannot
 * produce a key that `alice_posts:*` matches, and two different sets of values can never build
 * the same key from a template whose placeholders sit in their own `:` levels.
 *
 * @example
 * ```ts
 * encodeKeyValue('alice'); // 'alice'
 * encodeKeyValue('a:b%'); // 'a%3Ab%25'
 * ```
 */
export function encodeKeyValue(value: string): string {
  let i = 0;
  while (i < value.length && !mustEncode(value.charCodeAt(i))) i++;
  if (i === value.length) return value;
  let out = value.slice(0, i);
  for (; i < value.length; i++) {
    const code = value.charCodeAt(i);
    out += mustEncode(code)
      ? `%${code < 16 ? '0' : ''}${code.toString(16).toUpperCase()}`
      : value[i];
  }
  return out;
}

function mustEncode(code: number): boolean {
  return code < 0x20 || code === 0x25 || code === 0x3a || code === 0x7f;
}

/** The encoded text of one placeholder value; throws when there is none, or no single one. */
function keyValue(value: RequestParamValue, name: string, where: string): string {
  if (value === undefined) {
    throw new CacheError(
      'E_MISSING_PARAM',
      `${where} needs parameter "${name}", which the request does not have`,
    );
  }
  if (value === '' || typeof value === 'object') throw ambiguous(name, where);
  return encodeKeyValue(typeof value === 'string' ? value : String(value));
}

function ambiguous(name: string, where: string): CacheError {
  return new CacheError(
    'E_AMBIGUOUS_PARAM',
    `parameter "${name}" of ${where} is empty, repeated or structured, so a key built from it ` +
      'might not match what the handler reads',
  );
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
    if (value === undefined) {
      throw new CacheError(
        'E_RESOURCE_ID',
        `resource id parameter "${rule.resourceIdName}" is missing from the request`,
      );
    }
    if (value === '' || typeof value === 'object') {
      throw ambiguous(rule.resourceIdName, 'the resource id');
    }
    return String(value);
  }
  let found: RequestParamValue;
  let foundName = '';
  for (const name in params) {
    const value = params[name];
    if (value === undefined || value === '') continue;
    // A repeated value may be the id the handler reads: it counts, and makes the id ambiguous.
    const candidate =
      rule.resourceIdType === 'string' ||
      (name.includes('id') && (typeof value === 'object' || INTEGER.test(String(value))));
    if (candidate) {
      found = value;
      foundName = name;
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
  if (typeof found === 'object') throw ambiguous(foundName, 'the resource id');
  return String(found);
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
  return `${template.format(params)}:${encodeKeyValue(resolveResourceId(params, rule))}`;
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
