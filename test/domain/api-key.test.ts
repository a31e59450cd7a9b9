import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { API_KEY_PATTERN, generateApiKey, hashApiKey, isWellFormedApiKey } from '../../src/domain/api-key.js';

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
});
