import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Environment } from '../storage/types.js';

/**
 * Server-side request forgery guard for webhook URLs (OWASP SSRF prevention). Production delivers only over
 * https to public addresses. The sandbox also takes http and loopback, so an integrator can receive events on
 * their own machine; private, link-local and other special ranges stay refused there too (cloud metadata
 * lives at 169.254.169.254). The check runs when a URL is saved and again on every delivery, after DNS
 * resolution, on the very address the socket then connects to, so a name that later resolves inward
 * (DNS rebinding) is still refused.
 */
export interface TargetPolicy {
  allowHttp: boolean;
  allowLoopback: boolean;
  /** The operator's `dangerouslyAllowAnyWebhookTarget`: every scheme check and address check off. */
  allowAny: boolean;
}

export function targetPolicy(environment: Environment, dangerouslyAllowAnyTarget: boolean): TargetPolicy {
  const sandbox = environment === 'sandbox';
  return { allowHttp: sandbox || dangerouslyAllowAnyTarget, allowLoopback: sandbox, allowAny: dangerouslyAllowAnyTarget };
}

export type AddressClass = 'public' | 'loopback' | 'forbidden';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

// IANA special-purpose registries (RFC 6890 and successors): nothing here is a public internet host.
const SPECIAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT (RFC 6598)
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) SPECIAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, …)
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) SPECIAL.addSubnet(net, prefix, 'ipv6');

/** What an IP address is, for delivery purposes. Addresses that embed an IPv4 address are judged by it. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) return 'forbidden';
  if (family === 6) {
    const embedded = embeddedIPv4(address);
    if (embedded !== undefined) return classifyAddress(embedded);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(address, type)) return 'loopback';
  if (SPECIAL.check(address, type)) return 'forbidden';
  return 'public';
}

export function addressAllowed(address: string, policy: TargetPolicy): boolean {
  if (policy.allowAny) return true;
  const c = classifyAddress(address);
  return c === 'public' || (c === 'loopback' && policy.allowLoopback);
}

/**
 * Checks a payload URL against the policy; returns the parsed URL or a reason it is refused. The WHATWG
 * parser normalizes odd IPv4 spellings (`0x7f.1`, `2130706433`) to dotted quads before the check.
 */
export function checkPayloadUrl(raw: string, policy: TargetPolicy): { url: URL } | { problem: string } {
  if (raw.length > 2048) return { problem: 'must be at most 2048 characters' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'must be an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    return { problem: policy.allowHttp ? 'must be an http or https URL' : 'must be an https URL' };
  }
  if (url.username !== '' || url.password !== '') return { problem: 'must not carry credentials' };
  if (url.hash !== '') return { problem: 'must not have a fragment' };
  if (policy.allowAny) return { url };
  const host = hostOf(url);
  if (isIP(host) !== 0) {
    if (!addressAllowed(host, policy)) return { problem: 'must point to a public address' };
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    // RFC 6761 §6.3: these names always mean loopback.
    if (!policy.allowLoopback) return { problem: 'must point to a public address' };
  } else if (!host.includes('.')) {
    return { problem: 'must name a fully qualified host' };
  }
  return { url };
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * A `lookup` for http.request: resolves the name, refuses it when any of its addresses is not allowed, and
 * hands Node only checked addresses, so the socket connects to exactly what was checked.
 */
export function guardedLookup(policy: TargetPolicy, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    resolve(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as LookupAddress[];
      if (list.length === 0 || list.some((a) => !addressAllowed(a.address, policy))) {
        return callback(Object.assign(new Error(`refused address for ${hostname}`), { code: 'EREFUSEDADDRESS' }));
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
function embeddedIPv4(address: string): string | undefined {
  const g = expandIPv6(address);
  if (!g) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!);
  return undefined;
}

function expandIPv6(address: string): number[] | undefined {
  let a = address.toLowerCase();
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  // A trailing dotted quad becomes two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (dotted) {
    const [b0, b1, b2, b3] = dotted.slice(1).map(Number) as [number, number, number, number];
    a = a.slice(0, dotted.index) + ((b0 << 8) | b1).toString(16) + ':' + ((b2 << 8) | b3).toString(16);
  }
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const groups = [...h, ...Array(Math.max(0, fill)).fill('0'), ...t].map((x) => parseInt(x, 16));
  return groups.length === 8 && groups.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? groups : undefined;
}
