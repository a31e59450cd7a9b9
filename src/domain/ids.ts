import { randomFillSync } from 'node:crypto';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
/** 36^4: four base-36 digits per pass of the long division */
const CHUNK = 36 ** 4;

// Random bytes are taken from a pool refilled 4 KiB at a time: one randomBytes() call per id cost
// ~5 µs (a request id per request), the pool costs that once per ~340 ids (as crypto.randomUUID does).
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function takeRandom(bytes: number): Uint8Array {
  if (bytes > POOL_SIZE) return randomFillSync(new Uint8Array(bytes));
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

/** Digits of a base-36 id made of `bytes` random bytes. */
export const base36Length = (bytes: number) => Math.ceil((bytes * 8) / Math.log2(alphabet.length));

/**
 * The big-endian number in `digits` as `length` base-36 digits, most significant first, zero-padded.
 * Long division in doubles, four digits per pass, no BigInt (the BigInt version allocated ~2 KB per
 * id). `digits` is overwritten (it ends as the quotient).
 */
export function base36(digits: Uint8Array, length: number): string {
  let out = '';
  while (out.length < length) {
    let rem = 0;
    for (let i = 0; i < digits.length; i++) {
      const cur = rem * 256 + digits[i]!; // < 36^4 * 256, exact in a double
      digits[i] = Math.floor(cur / CHUNK);
      rem = cur % CHUNK;
    }
    for (let k = 0; k < 4 && out.length < length; k++) {
      out = alphabet[rem % 36]! + out;
      rem = Math.floor(rem / 36);
    }
  }
  return out;
}

/** Random lowercase base36 string; `bytes` of entropy (default 16 = 128 bits). */
export function randomId(bytes = 16): string {
  return base36(takeRandom(bytes), base36Length(bytes));
}

export const newJobId = () => `job_${randomId(12)}`;
/** What a job id looks like (newJobId makes 19 characters; up to 64 are accepted). */
export const JOB_ID_PATTERN = /^job_[a-z0-9]{1,64}$/;
export const newApiKeyId = () => `key_${randomId(8)}`;
