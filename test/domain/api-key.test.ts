import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { API_KEY_PATTERN, generateApiKey, hashApiKey, hashApiKeyBase64, isWellFormedApiKey } from '../../src/domain/api-key.js';

describe('API key format', () => {
  test('isk_ + base62 with a checksum; at least 128 random bits; unique', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { key, prefix, hash } = generateApiKey();
      assert.match(key, API_KEY_PATTERN);
      assert.ok(isWellFormedApiKey(key));
      assert.ok(key.startsWith(prefix) && prefix.length === 12);
      assert.deepEqual(hash, hashApiKey(key));
      seen.add(key);
    }
    assert.equal(seen.size, 2000);
    // 27 base62 characters carry log2(62^27) ≈ 160 bits.
    assert.ok(27 * Math.log2(62) >= 128);
  });

  test('the checksum catches any single changed character', () => {
    const { key } = generateApiKey();
    for (let i = 4; i < key.length; i++) {
      const c = key[i] === 'a' ? 'b' : 'a';
      assert.equal(isWellFormedApiKey(key.slice(0, i) + c + key.slice(i + 1)), false, `position ${i}`);
    }
    assert.equal(isWellFormedApiKey(key.replace('isk_', 'isx_')), false);
    assert.equal(isWellFormedApiKey(`${key}a`), false);
    assert.equal(isWellFormedApiKey(''), false);
  });

  test('keys issued before the checksum went without BigInt still pass; the BigInt checksum is what is checked', () => {
    // made by generateApiKey at 54963b0
    for (const key of ['isk_5Fg3qRA3KP4UBjXgt5Uglr6EgYN1Awbec', 'isk_57OBikT1vRFAZLggMQaZN4Q3ifm2ljkd9', 'isk_8PS7ng6uMlPte4DOC1BicNYJ6BU1alszK']) {
      assert.ok(isWellFormedApiKey(key), key);
    }
    const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const bigintChecksum = (text: string) => {
      let n = BigInt(crc32(text));
      let out = '';
      for (let i = 0; i < 6; i++) {
        out = BASE62[Number(n % 62n)] + out;
        n /= 62n;
      }
      return out;
    };
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Za-z]{27}$/), (body) => {
        assert.ok(isWellFormedApiKey(`isk_${body}${bigintChecksum(`isk_${body}`)}`));
      }),
      { numRuns: 2000 },
    );
  });

  test('hashApiKeyBase64 is the base64 of hashApiKey', () => {
    for (let i = 0; i < 100; i++) {
      const { key } = generateApiKey();
      assert.equal(hashApiKeyBase64(key), hashApiKey(key).toString('base64'));
    }
  });
});
