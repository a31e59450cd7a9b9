import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { Config } from '../config.js';

/**
 * Webhook targets must not reach into our own network (SSRF). Every address a host resolves to is
 * checked, at validation time and again at connection time (a custom `lookup`), so a DNS answer
 * that changes between the two (rebinding) still cannot reach a private address.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
// Every IPv6 form that embeds or translates to an IPv4 address is refused as a whole, except
// IPv4-mapped (::ffff:a.b.c.d), whose IPv4 address is checked against the IPv4 list above.
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form (::127.0.0.1)
  ['::ffff:0:0:0', 96], // SIIT IPv4-translated
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23], // includes Teredo (2001::/32)
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address in any notation (compressed, full, with a dotted IPv4 tail); null if it is not one. */
function ipv6Bytes(address: string): number[] | null {
  let text = address.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const octets = tail[1]!.split('.').map(Number);
    if (octets.some((o) => o > 255)) return null;
    text = text.slice(0, -tail[1]!.length) + ((octets[0]! << 8) | octets[1]!).toString(16) + ':' + ((octets[2]! << 8) | octets[3]!).toString(16);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const groups = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...rest];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 255]);
}

/** True for loopback, private, link-local, shared, documentation, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address.replace(/%.*$/, ''));
  if (!bytes) return true;
  const isMapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return blocked.check(bytes.slice(12).join('.'), 'ipv4');
  const canonical = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':');
  return blocked.check(canonical, 'ipv6');
}

export interface WebhookUrlPolicy {
  /** https only (production) */
  requireHttps: boolean;
  /** allow loopback/private targets (WEBHOOK_ALLOW_PRIVATE) */
  allowPrivate: boolean;
}

/** The policy the config asks for: HTTPS outside development and test; private addresses only when allowed. */
export function webhookUrlPolicy(config: Pick<Config, 'env' | 'webhooks'>): WebhookUrlPolicy {
  return { requireHttps: config.env !== 'development' && config.env !== 'test', allowPrivate: config.webhooks.allowPrivate };
}

export class WebhookUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUrlError';
  }
}

const LOOKUP_TIMEOUT_MS = 3_000;

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new WebhookUrlError(`host "${host}" did not resolve in time`)), LOOKUP_TIMEOUT_MS);
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(new WebhookUrlError(`host "${host}" does not resolve`));
      else resolve(addresses);
    });
  });
}

function checkShape(raw: string, policy: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('must be an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.requireHttps)) {
    throw new WebhookUrlError(policy.requireHttps ? 'must use https' : 'must use http or https');
  }
  if (url.username || url.password) throw new WebhookUrlError('must not contain credentials');
  if (url.hash) throw new WebhookUrlError('must not contain a fragment');
  return url;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Throws WebhookUrlError (with a client-facing message) unless the URL is an allowed target. */
export async function validateWebhookUrl(raw: string, policy: WebhookUrlPolicy): Promise<URL> {
  const url = checkShape(raw, policy);
  if (policy.allowPrivate) return url;
  const host = hostOf(url).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) throw new WebhookUrlError('must not point at a loopback or private address');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolveAll(host);
  if (addresses.length === 0) throw new WebhookUrlError(`host "${host}" does not resolve`);
  if (addresses.some((a) => isPrivateAddress(a.address))) {
    throw new WebhookUrlError('must not point at a loopback or private address');
  }
  return url;
}

/** A `lookup` for http(s).request that refuses private addresses at connection time. */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (...args: never[]) => void) => {
    const cb = callback as unknown as (err: Error | null, address?: string | LookupAddress[], family?: number) => void;
    dnsLookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return cb(err);
      const ok = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      if (ok.length === 0) return cb(new WebhookUrlError(`refusing to connect to a private address for "${hostname}"`));
      if (options.all) return cb(null, ok);
      cb(null, ok[0]!.address, ok[0]!.family);
    });
  };
}
