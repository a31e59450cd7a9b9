import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  COUNTRIES,
  countryAbbreviation,
  countryCode,
  countryFromPlace,
  countryName,
  LANGUAGES,
  languageCode,
  languageName,
} from '../../src/domain/countries-languages.js';
import { inferFilters } from '../../src/providers/llm/brief-filters.js';

describe('countries and languages: one table', () => {
  it('takes English names from Intl.DisplayNames and keeps the table\'s other names and demonyms', () => {
    assert.equal(countryName('DE'), 'Germany');
    assert.equal(countryName('de'), 'Germany');
    assert.equal(countryName('EU'), undefined, 'a region that is no country');
    assert.equal(languageName('pt'), 'Portuguese');
    const de = COUNTRIES.find((c) => c.code === 'DE')!;
    assert.equal(de.names[0], 'Germany');
    assert.ok(de.names.includes('Deutschland') && de.demonyms.includes('german'));
    const tr = COUNTRIES.find((c) => c.code === 'TR')!;
    assert.ok(tr.names.includes('Turkey'), 'an ICU rename (Türkiye) loses no name the table had');
    assert.equal(new Set(COUNTRIES.map((c) => c.code)).size, COUNTRIES.length, 'one row per country');
    assert.equal(new Set(LANGUAGES.map((l) => l.code)).size, LANGUAGES.length, 'one row per language');
  });

  it('reads a data set\'s country: table names in any case and spelling, ICU names of the rest, two-letter codes as given', () => {
    assert.equal(countryCode('United States'), 'US');
    assert.equal(countryCode('usa'), 'US');
    assert.equal(countryCode('uk'), 'GB');
    assert.equal(countryCode('Österreich'), 'AT');
    assert.equal(countryCode('osterreich'), 'AT');
    assert.equal(countryCode('Chad'), 'TD', 'not in the table: ICU names it');
    assert.equal(countryCode('de'), 'DE');
    assert.equal(countryCode('European Union'), null);
    assert.equal(countryCode('Narnia'), null);
    assert.equal(countryCode(' '), null);
  });

  it('reads a place name by the table only, so a venue named like a country is no country', () => {
    assert.equal(countryFromPlace('Sydney, Australia'), 'AU');
    assert.equal(countryFromPlace('Lewes, Delaware'), 'US');
    assert.equal(countryFromPlace('Cáceres, España'), 'ES');
    assert.equal(countryFromPlace('Chad'), null);
    assert.equal(countryFromPlace('The Observatory North Park'), null);
  });

  it('reads a language: two-letter codes as given, names from the table and from ICU', () => {
    assert.equal(languageCode('EN'), 'en');
    assert.equal(languageCode('German'), 'de');
    assert.equal(languageCode('Swahili'), 'sw');
    assert.equal(languageCode('tagalog'), 'tl');
    assert.equal(languageCode('Klingon'), null);
  });

  it('abbreviations count in capitals only in a brief ("us" is a word), and the brief reader uses the same rows', () => {
    assert.equal(countryAbbreviation('UK'), 'GB');
    assert.equal(countryAbbreviation('us'), undefined);
    assert.deepEqual(inferFilters('fitness creators based in Österreich').filters.countries, ['AT']);
    assert.deepEqual(inferFilters('Spanish-speaking mums in the UK').filters, { countries: ['GB'], languages: ['es'] });
    assert.equal(inferFilters('send us your best ideas').filters.countries, undefined);
  });
});
