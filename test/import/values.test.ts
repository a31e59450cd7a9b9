import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countryCode, countryFromPlace } from '../../src/domain/countries-languages.js';
import { channelSlug } from '../../src/import/formats/kaggle-youtube.format.js';
import { detectLanguage } from '../../src/import/language.js';
import { bool, count, labels, rate, RowError } from '../../src/import/values.js';

describe('import value parsers', () => {
  it('reads counts with thousands separators and K/M/B suffixes', () => {
    assert.equal(count('f', '13,068'), 13068);
    assert.equal(count('f', '409.8M'), 409_800_000);
    assert.equal(count('f', '2.2K'), 2200);
    assert.equal(count('f', '1B'), 1e9);
    assert.equal(count('f', 42.4), 42);
    assert.equal(count('f', ' '), null);
    assert.throws(() => count('followers', 'abc'), (e: unknown) => e instanceof RowError && /followers: "abc"/.test(e.message));
    assert.throws(() => count('followers', -3), RowError);
  });

  it('reads rates as fractions or percentages, booleans and label lists', () => {
    assert.equal(rate('r', '0.034'), 0.034);
    assert.equal(rate('r', '3.4%'), 0.034);
    assert.equal(rate('r', ''), null);
    assert.throws(() => rate('r', 'high'), RowError);
    assert.equal(bool('v', 'True'), true);
    assert.equal(bool('v', 'no'), false);
    assert.equal(bool('v', ''), false);
    assert.throws(() => bool('v', 'maybe'), RowError);
    assert.deepEqual(labels('t', '#Gym| protein ;gym,Vegan Food'), ['gym', 'protein', 'vegan food']);
    assert.deepEqual(labels('t', ['A', '#b', 'a']), ['a', 'b']);
  });

  it('maps country names and places to ISO-2 and leaves the unknown unknown', () => {
    assert.equal(countryCode('United States'), 'US');
    assert.equal(countryCode('South Korea'), 'KR');
    assert.equal(countryCode('uk'), 'GB');
    assert.equal(countryCode('de'), 'DE');
    assert.equal(countryCode('Narnia'), null);
    assert.equal(countryFromPlace('Sydney, Australia'), 'AU');
    assert.equal(countryFromPlace('Lewes, Delaware'), 'US');
    assert.equal(countryFromPlace('Cáceres, España'), 'ES');
    assert.equal(countryFromPlace('The Observatory North Park'), null);
    assert.equal(countryFromPlace('Studio 23'), null);
  });

  it('guesses a language only when the text is clear about it', () => {
    assert.equal(detectLanguage('This is the best day and we are so happy with our new home'), 'en');
    assert.equal(detectLanguage('Hoy es un día muy especial para todos los que están aquí con nosotros'), 'es');
    assert.equal(detectLanguage('요즘 얼굴 좀 먼가 이뻐졌다고 하는뎅'), 'ko');
    assert.equal(detectLanguage('#fitness #gym #protein @someone'), null);
    assert.equal(detectLanguage('ok'), null);
  });

  it('turns YouTube channel names into handles', () => {
    assert.equal(channelSlug('✿ Kids Diana Show'), 'kidsdianashow');
    assert.equal(channelSlug('Vlad và Nikita'), 'vladvanikita');
    assert.equal(channelSlug('5-Minute Crafts'), '5-minutecrafts');
    assert.equal(channelSlug('شفا'), '');
  });
});
