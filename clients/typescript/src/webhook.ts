/**
 * Verifies a webhook's `Scout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` the way the server
 * signs it (src/webhooks/webhook-signature.ts): the HMAC, keyed with your webhook secret (`whsec_…`),
 * covers `<t>.<raw body>`; timestamps more than `toleranceSeconds` away are refused (replays).
 * Web Crypto only, so it runs unchanged in Node 20+, Deno, browsers and edge runtimes; its
 * `verify` compares in constant time.
 */
export const WEBHOOK_HEADERS = {
  signature: 'Scout-Signature',
  timestamp: 'Scout-Timestamp',
  event: 'Scout-Event',
  delivery: 'Scout-Delivery',
} as const;

export interface VerifyWebhookOptions {
  /** default 300 (5 minutes) */
  toleranceSeconds?: number;
  /** unix seconds to compare against (default: now) */
  now?: number;
}

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * True when `signatureHeader` is a valid, fresh signature of `body` (the exact bytes or text received:
 * verify before parsing JSON) under `secret`. Several `v1=` entries (a rotated secret) are all tried.
 */
export async function verifyWebhookSignature(
  secret: string,
  signatureHeader: string | null | undefined,
  body: string | Uint8Array,
  opts: VerifyWebhookOptions = {},
): Promise<boolean> {
  if (!signatureHeader) return false;
  let t: number | null = null;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const item of signatureHeader.split(',')) {
    const i = item.indexOf('=');
    if (i <= 0) continue;
    const key = item.slice(0, i).trim();
    const value = item.slice(i + 1).trim();
    if (key === 't' && t === null) t = /^\d+$/.test(value) ? Number(value) : NaN;
    else if (key === 'v1') {
      const bytes = hexToBytes(value);
      if (bytes) signatures.push(bytes);
    }
  }
  if (t === null || !Number.isInteger(t) || signatures.length === 0) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return false;

  const prefix = encoder.encode(`${t}.`);
  const payload = typeof body === 'string' ? encoder.encode(body) : body;
  const signed = new Uint8Array(prefix.length + payload.length);
  signed.set(prefix, 0);
  signed.set(payload, prefix.length);
  const key = await globalThis.crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  for (const signature of signatures) {
    if (await globalThis.crypto.subtle.verify('HMAC', key, signature, signed)) return true;
  }
  return false;
}
