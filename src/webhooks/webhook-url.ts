import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';

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
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for loopback, private, link-local, shared, documentation, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  if (/^::ffff:/i.test(address)) return true;
  return blocked.check(address, 'ipv6');
}

export interface WebhookUrlPolicy {
  /** https only (production) */
  requireHttps: boolean;
  /** allow loopback/private targets (WEBHOOK_ALLOW_PRIVATE) */
  allowPrivate: boolean;
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
