import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Random lowercase base36 string; `bytes` of entropy (default 16 = 128 bits). */
export function randomId(bytes = 16): string {
  const buf = randomBytes(bytes);
  let out = '';
  // 128 bits as base36 without modulo bias: use BigInt conversion.
  let n = BigInt(`0x${buf.toString('hex')}`);
  const base = BigInt(alphabet.length);
  const length = Math.ceil((bytes * 8) / Math.log2(alphabet.length));
  for (let i = 0; i < length; i++) {
    out = alphabet[Number(n % base)] + out;
    n /= base;
  }
  return out;
}

export const newJobId = () => `job_${randomId(12)}`;
/** What a job id looks like (newJobId makes 19 characters; up to 64 are accepted). */
export const JOB_ID_PATTERN = /^job_[a-z0-9]{1,64}$/;
export const newApiKeyId = () => `key_${randomId(8)}`;
