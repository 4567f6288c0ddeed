import { parseNetworks } from './client-ip.js';
import { inNetwork, parseIp } from './ip-address.js';
import type { CheckInput, ListOption } from './types.js';

/** Whether a check's caller is on a list. */
export type ListMatcher = (input: CheckInput) => boolean;

/**
 * Compiles an `allow` / `deny` list once: IPs and CIDRs match the check's `ip` (whoever the
 * caller is), user ids its identity. A predicate is used as is. `undefined` when there is none.
 *
 * @example
 * const isAllowed = compileList('allow', { ips: ['10.0.0.0/8'], users: ['admin'] });
 * isAllowed({ path: '/', ip: '10.1.2.3' }); // true
 */
export function compileList(option: string, list: ListOption | undefined): ListMatcher | undefined {
  if (list === undefined) return undefined;
  if (typeof list === 'function') return list;
  const networks = parseNetworks(list.ips ?? [], `${option}.ips`);
  const users = new Set(list.users ?? []);
  if (networks.length === 0 && users.size === 0) return undefined;
  const onList = (text: string) => {
    // The key form of an IPv6 caller is its /64 (`2001:db8::/64`): its network address.
    const slash = text.indexOf('/');
    const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
    return ip !== undefined && networks.some((n) => inNetwork(ip, n.net, n.bits));
  };
  // A list never changes: each address's verdict is worked out once (parsing an address costs
  // more than a lookup), in a memo emptied when full so a flood of addresses costs no memory.
  const verdicts = new Map<string, boolean>();
  return (input) => {
    const id = input.identity?.id;
    if (id !== undefined && users.has(String(id))) return true;
    const text = input.ip;
    if (networks.length === 0 || typeof text !== 'string') return false;
    let verdict = verdicts.get(text);
    if (verdict === undefined) {
      verdict = onList(text);
      if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
      verdicts.set(text, verdict);
    }
    return verdict;
  };
}

const MAX_VERDICTS = 10_000;
