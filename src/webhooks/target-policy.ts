import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Environment } from '../storage/types.js';

/**
 * Server-side request forgery guard for webhook URLs (OWASP SSRF prevention). Production delivers only over
 * https to public addresses. The sandbox also takes http and loopback, so an integrator can receive events on
 * their own machine; private, link-local and other special ranges stay refused there too (cloud metadata
 * lives at 169.254.169.254). In both, the server's own listeners are refused: a webhook must not make the
 * server call itself and report the answers back through the notification log. The check runs when a URL is
 * saved and again on every delivery, after DNS resolution, on the very address the socket then connects to,
 * so a name that later resolves inward (DNS rebinding) is still refused.
 */
export interface TargetPolicy {
  allowHttp: boolean;
  allowLoopback: boolean;
  /** The operator's `dangerouslyAllowAnyWebhookTarget`: every scheme check and address check off. */
  allowAny: boolean;
  ownListeners: OwnListeners;
}

/** A socket this server accepts connections on, as bound (`0.0.0.0` and `::` mean every interface). */
export interface ListeningAddress {
  host: string;
  port: number;
}

/** This server's own listeners (sandbox, production, management), read at every check: ports are bound after start. */
export interface OwnListeners {
  addresses(): readonly ListeningAddress[];
  /** This machine's interface addresses: a listener bound to every interface answers on each of them. */
  localAddresses(): readonly string[];
}

export function targetPolicy(environment: Environment, dangerouslyAllowAnyTarget: boolean, ownListeners: OwnListeners): TargetPolicy {
  const sandbox = environment === 'sandbox';
  return { allowHttp: sandbox || dangerouslyAllowAnyTarget, allowLoopback: sandbox, allowAny: dangerouslyAllowAnyTarget, ownListeners };
}

type AddressClass = 'public' | 'loopback' | 'forbidden';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

// RFC 4291 §2.4: global unicast is 2000::/3; nothing outside it (apart from what embeds IPv4) is a public host.
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
// RFC 4291 §2.5.5.1: the deprecated IPv4-compatible form ::a.b.c.d.
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * What an IP address is, for delivery purposes, by the IANA special-purpose registries (RFC 6890 and
 * successors) as ipaddr.js keeps them. An IPv6 address that embeds an IPv4 address is judged by it: a
 * translator (SIIT, NAT64, 6to4, Teredo) would connect to that IPv4 address.
 */
export function classifyAddress(address: string): AddressClass {
  const ip = parseIp(address);
  if (!ip) return 'forbidden';
  if (ip.kind() === 'ipv4') return classifyIPv4(ip as ipaddr.IPv4);
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'loopback') return 'loopback';
  if (range === 'unspecified') return 'forbidden';
  // ::ffff:a.b.c.d is how a dual-stack socket spells an IPv4 peer: it reaches exactly that address.
  if (range === 'ipv4Mapped') return classifyIPv4(v6.toIPv4Address());
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    // Through a translator, loopback is the translator's own: refused like any other inward address.
    return embedded.every((v4) => classifyIPv4(v4) === 'public') ? 'public' : 'forbidden';
  }
  return range === 'unicast' && v6.match(GLOBAL_UNICAST) ? 'public' : 'forbidden';
}

function classifyIPv4(ip: ipaddr.IPv4): AddressClass {
  const range = ip.range();
  if (range === 'loopback') return 'loopback';
  return range === 'unicast' ? 'public' : 'forbidden';
}

/**
 * The IPv4 addresses inside an IPv6 address of a range built to carry one: IPv4-compatible (::/96),
 * IPv4-translated (::ffff:0:0:0/96, RFC 6145), NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48,
 * RFC 6052 §2.2 / RFC 8215, at every prefix length the operator may choose), 6to4 (2002::/16, RFC 3056)
 * and Teredo (2001::/32, RFC 4380: server and obfuscated client).
 */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4[] | undefined {
  const bytes = ip.toByteArray();
  const at = (...i: number[]) => new ipaddr.IPv4(i.map((k) => bytes[k]!));
  switch (ip.range()) {
    case 'rfc6145':
      return [at(12, 13, 14, 15)];
    case 'rfc6052': {
      if (bytes[4] === 0 && bytes[5] === 0) return [at(12, 13, 14, 15)]; // 64:ff9b::/96
      // 64:ff9b:1::/48: the IPv4 address sits where the operator's prefix length puts it (byte 8 is skipped).
      return [at(6, 7, 9, 10), at(7, 9, 10, 11), at(9, 10, 11, 12), at(12, 13, 14, 15)];
    }
    case '6to4':
      return [at(2, 3, 4, 5)];
    case 'teredo': {
      const client = new ipaddr.IPv4([12, 13, 14, 15].map((k) => bytes[k]! ^ 0xff));
      return [at(4, 5, 6, 7), client];
    }
    default:
      return ip.match(IPV4_COMPATIBLE) ? [at(12, 13, 14, 15)] : undefined;
  }
}

/**
 * Node's own strict parser decides what is an address (no odd spellings). An IPv6 address is first written
 * the WHATWG way, all hex: ipaddr.js reads a trailing dotted quad (`::127.0.0.1`) as IPv4-mapped.
 */
function parseIp(address: string): IP | undefined {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  const family = isIP(bare);
  if (family === 0) return undefined;
  try {
    return ipaddr.parse(family === 4 ? bare : new URL(`http://[${bare}]/`).hostname.slice(1, -1));
  } catch {
    return undefined;
  }
}

function addressAllowed(address: string, port: number, policy: TargetPolicy): boolean {
  if (policy.allowAny) return true;
  if (isOwnListener(address, port, policy.ownListeners)) return false;
  const c = classifyAddress(address);
  return c === 'public' || (c === 'loopback' && policy.allowLoopback);
}

/**
 * Whether a connection to `address`:`port` would reach one of this server's listeners. Loopback and the
 * unspecified address (which connects to this host) reach a listener bound to loopback or to every
 * interface; so do this machine's own interface addresses, and the very address a listener is bound to.
 */
function isOwnListener(address: string, port: number, own: OwnListeners): boolean {
  const listeners = own.addresses().filter((l) => l.port === port);
  if (listeners.length === 0) return false;
  const target = parseIp(address);
  if (!target) return false;
  const ip = unmapped(target);
  const range = ip.range();
  if (range === 'loopback' || range === 'unspecified') return true;
  const same = (other: string) => {
    const o = parseIp(other);
    return o !== undefined && unmapped(o).toNormalizedString() === ip.toNormalizedString() && unmapped(o).kind() === ip.kind();
  };
  return listeners.some((l) => {
    const bound = parseIp(l.host);
    const wildcard = bound === undefined || unmapped(bound).range() === 'unspecified';
    return same(l.host) || (wildcard && own.localAddresses().some(same));
  });
}

/** ::ffff:a.b.c.d compared as a.b.c.d. */
function unmapped(ip: IP): IP {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
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
  const port = portOf(url);
  const host = hostOf(url);
  // A trailing dot makes a name absolute without changing what it names (RFC 1034 §3.1): `localhost.` is localhost.
  const name = host.toLowerCase().replace(/\.+$/, '');
  const self = 'must not point to this server itself';
  if (isIP(host) !== 0) {
    if (isOwnListener(host, port, policy.ownListeners)) return { problem: self };
    if (!addressAllowed(host, port, policy)) return { problem: 'must point to a public address' };
  } else if (name === 'localhost' || name.endsWith('.localhost')) {
    // RFC 6761 §6.3: these names always mean loopback.
    if (!policy.allowLoopback) return { problem: 'must point to a public address' };
    if (isOwnListener('127.0.0.1', port, policy.ownListeners)) return { problem: self };
  } else if (!name.includes('.')) {
    return { problem: 'must name a fully qualified host' };
  }
  return { url };
}

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The port a URL connects to, its scheme's default when none is written. */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * A `lookup` for http.request: resolves the name, refuses it when any of its addresses is not allowed (on
 * the port the request will use), and hands Node only checked addresses, so the socket connects to exactly
 * what was checked.
 */
export function guardedLookup(policy: TargetPolicy, port: number, resolve: typeof dnsLookup = dnsLookup): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    resolve(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as LookupAddress[];
      if (list.length === 0 || list.some((a) => !addressAllowed(a.address, port, policy))) {
        return callback(Object.assign(new Error(`refused address for ${hostname}`), { code: 'EREFUSEDADDRESS' }));
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}
