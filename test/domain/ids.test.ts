import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base36, base36Length, JOB_ID_PATTERN, newApiKeyId, newJobId, randomId } from '../../src/domain/ids.js';

/** The conversion randomId used before it went without BigInt: the ids keep exactly this shape. */
function bigintBase36(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  for (let i = 0; i < base36Length(bytes.length); i++) {
    out = '0123456789abcdefghijklmnopqrstuvwxyz'[Number(n % 36n)] + out;
    n /= 36n;
  }
  return out;
}

describe('random ids', () => {
  it('base36 gives what the BigInt conversion gives, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        assert.equal(base36(Uint8Array.from(bytes), base36Length(bytes.length)), bigintBase36(bytes));
      }),
      { numRuns: 2000 },
    );
    for (const n of [8, 12, 16]) {
      assert.equal(base36(new Uint8Array(n).fill(0xff), base36Length(n)), bigintBase36(new Uint8Array(n).fill(0xff)));
      assert.equal(base36(new Uint8Array(n), base36Length(n)), '0'.repeat(base36Length(n)));
    }
  });

  it('have their documented lengths and alphabet, and do not repeat', () => {
    assert.match(newJobId(), /^job_[a-z0-9]{19}$/);
    assert.match(newJobId(), JOB_ID_PATTERN);
    assert.match(newApiKeyId(), /^key_[a-z0-9]{13}$/);
    assert.match(randomId(), /^[a-z0-9]{25}$/);
    // past the 4 KiB pool several times, and one id larger than the pool
    const seen = new Set(Array.from({ length: 2000 }, () => randomId(12)));
    assert.equal(seen.size, 2000);
    assert.match(randomId(5000), /^[a-z0-9]+$/);
  });
});
