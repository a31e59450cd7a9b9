import { createHash, hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

// The key crypto, apart from the use cases that store and check keys (services/api-keys.service.ts).

/**
 * API keys look like `isk_` + 27 base62 characters (160 random bits) + a 6-character base62
 * CRC32 of everything before it. The checksum lets secret scanners (and our own auth) recognise a
 * real key without a database lookup; only the SHA-256 of the key is stored.
 */
export const API_KEY_PREFIX = 'isk_';
const RANDOM_BYTES = 20;
const BODY_LENGTH = 27;
const CHECKSUM_LENGTH = 6;
const DISPLAY_LENGTH = 8;
export const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

/** CRC32 (below 2^32, exact in a double) in base 62: checked on every request, so no BigInt. */
function checksum(text: string): string {
  let n = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62]! + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** hashApiKey as base64, in one call (what the per-process key memos are keyed by; ~5× cheaper). */
export function hashApiKeyBase64(key: string): string {
  return hash('sha256', key, 'base64');
}

/** True when `key` has the shape of one of our keys and its checksum matches. */
export function isWellFormedApiKey(key: string): boolean {
  if (!API_KEY_PATTERN.test(key)) return false;
  const cut = key.length - CHECKSUM_LENGTH;
  return checksum(key.slice(0, cut)) === key.slice(cut);
}

/** A new random key, its SHA-256 and the short prefix shown in listings. */
export function generateApiKey(): { key: string; hash: Buffer; prefix: string } {
  const body = base62(BigInt(`0x${randomBytes(RANDOM_BYTES).toString('hex')}`), BODY_LENGTH);
  const head = `${API_KEY_PREFIX}${body}`;
  const key = `${head}${checksum(head)}`;
  return { key, hash: hashApiKey(key), prefix: `${API_KEY_PREFIX}${body.slice(0, DISPLAY_LENGTH)}` };
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
