import { invalidOption } from './errors.js';
import {
  formatIPv4,
  formatIPv6,
  inNetwork,
  maskIPv6,
  type ParsedIp,
  parseIp,
} from './ip-address.js';

/**
 * Which proxies may set `X-Forwarded-For`:
 * - `false` (default): ignore the header, use the socket address;
 * - a number: that many proxies in front of the app (1 = one load balancer);
 * - CIDRs (`'10.0.0.0/8'`, `['loopback', 'uniquelocal']`, comma-separated string): trust
 *   exactly those addresses as proxies;
 * - `true`: trust every hop (only when the app is unreachable except through proxies).
 */
export type TrustProxy = boolean | number | string | readonly string[];

/** How the client address is found and grouped. */
export interface ClientIpOptions {
  /** @default false */
  trustProxy?: TrustProxy;
  /** IPv6 callers are grouped by this prefix, since one host usually owns a whole /64. @default 64 */
  ipv6Prefix?: number;
}

const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** An address range: `bits` leading bits of `net`. */
export type Network = { net: ParsedIp; bits: number };

/** Parses IPs, CIDRs and named ranges (`loopback`...); a bad entry fails naming `option`. */
export function parseNetworks(list: readonly string[], option = 'trustProxy'): Network[] {
  const networks: Network[] = [];
  for (const raw of list.flatMap((item) => item.split(','))) {
    const entry = raw.trim();
    if (entry === '') continue;
    const named = NAMED_RANGES[entry];
    if (named) {
      networks.push(...parseNetworks(named, option));
      continue;
    }
    const [address, bitsText] = entry.split('/');
    const net = address === undefined ? undefined : parseIp(address);
    const max = net?.family === 4 ? 32 : 128;
    const bits = bitsText === undefined ? max : Number(bitsText);
    if (net === undefined || !Number.isInteger(bits) || bits < 0 || bits > max) {
      throw invalidOption(option, 'has an entry that is not an IP, a CIDR or a named range', {
        value: entry,
      });
    }
    networks.push({ net, bits });
  }
  return networks;
}

/**
 * An `X-Forwarded-For` hop without the port some proxies append (Azure: `203.0.113.7:52100`,
 * `[2001:db8::1]:443`); left as is when it is not one of those forms.
 */
function withoutPort(hop: string): string {
  if (hop.charCodeAt(0) === 91 /* [ */) {
    const end = hop.indexOf(']');
    return end === -1 ? hop : hop.slice(1, end);
  }
  // Exactly one colon: IPv4 and a port. More than one: a bare IPv6 address.
  const colon = hop.indexOf(':');
  return colon !== -1 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}

/** The grouped key form of an address: IPv4 as is, IPv6 masked to `/prefix`. */
function keyForm(parsed: ParsedIp | undefined, raw: string, prefix: number): string {
  if (parsed === undefined) return raw;
  if (parsed.family === 4) return formatIPv4(parsed.value);
  if (prefix >= 128) return formatIPv6(parsed.groups);
  return `${formatIPv6(maskIPv6(parsed.groups, prefix))}/${prefix}`;
}

/**
 * Compiles the trust-proxy setting once and returns a function from the socket address and
 * the `X-Forwarded-For` header to the client's key address. Adapters use this.
 *
 * @example
 * const ipOf = createClientIpResolver({ trustProxy: 1 });
 * ipOf('10.0.0.2', '203.0.113.7'); // '203.0.113.7'
 */
export function createClientIpResolver(
  options: ClientIpOptions = {},
): (
  remoteAddress: string | null | undefined,
  forwardedFor?: string | string[] | null,
) => string | undefined {
  const { trustProxy = false, ipv6Prefix = 64 } = options;
  if (!Number.isInteger(ipv6Prefix) || ipv6Prefix < 1 || ipv6Prefix > 128) {
    throw invalidOption('ipv6Prefix', 'must be an integer from 1 to 128', {
      value: ipv6Prefix,
    });
  }
  let trusts: (address: ParsedIp | undefined, hop: number) => boolean;
  if (trustProxy === false) {
    trusts = () => false;
  } else if (trustProxy === true) {
    trusts = () => true;
  } else if (typeof trustProxy === 'number') {
    if (!Number.isInteger(trustProxy) || trustProxy < 0) {
      throw invalidOption('trustProxy', 'must be a non-negative integer hop count', {
        value: trustProxy,
      });
    }
    trusts = (_address, hop) => hop < trustProxy;
  } else if (typeof trustProxy === 'string' || Array.isArray(trustProxy)) {
    const networks = parseNetworks(typeof trustProxy === 'string' ? [trustProxy] : trustProxy);
    trusts = (address) =>
      address !== undefined && networks.some((n) => inNetwork(address, n.net, n.bits));
  } else {
    throw invalidOption('trustProxy', 'must be a boolean, a hop count or a list of CIDRs', {
      value: trustProxy,
    });
  }

  // Key forms of socket addresses, for requests the header does not decide: parsing and
  // formatting an address on every request cost a few per cent of a small app's throughput.
  const direct = new Map<string, string>();
  return function resolveClientIp(remoteAddress, forwardedFor) {
    // A peer on a Unix socket (say nginx) has no address; a hop count or `true` still trusts it.
    const hasPeer = typeof remoteAddress === 'string' && remoteAddress !== '';
    const byPeer = hasPeer && (trustProxy === false || !forwardedFor);
    if (byPeer) {
      const known = direct.get(remoteAddress);
      if (known !== undefined) return known;
    }
    let address = hasPeer ? parseIp(remoteAddress) : undefined;
    let raw = hasPeer ? remoteAddress : undefined;
    if (trustProxy !== false && forwardedFor) {
      const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
      const hops = header.split(',');
      // Walk from the socket towards the client while the current hop is a trusted proxy.
      for (let hop = 0; hop < hops.length && trusts(address, hop); hop++) {
        const next = withoutPort(hops[hops.length - 1 - hop]!.trim());
        const parsed = parseIp(next);
        if (parsed === undefined) break;
        address = parsed;
        raw = next;
      }
    }
    if (raw === undefined) return undefined;
    const key = keyForm(address, raw, ipv6Prefix);
    if (byPeer) {
      if (direct.size >= 1024) direct.clear();
      direct.set(remoteAddress, key);
    }
    return key;
  };
}

/**
 * The client's key address for one request: the socket address, or a hop of
 * `X-Forwarded-For` when `trustProxy` says so; IPv6 grouped by `ipv6Prefix`.
 *
 * @example
 * clientIp({ remoteAddress: '::ffff:127.0.0.1' }); // '127.0.0.1'
 * clientIp({ remoteAddress: '2001:db8::1' }); // '2001:db8::/64'
 * clientIp({ remoteAddress: '10.0.0.2', forwardedFor: '203.0.113.7', trustProxy: 1 }); // '203.0.113.7'
 */
export function clientIp(
  input: ClientIpOptions & {
    remoteAddress: string | null | undefined;
    forwardedFor?: string | string[] | null;
  },
): string | undefined {
  return createClientIpResolver(input)(input.remoteAddress, input.forwardedFor);
}
