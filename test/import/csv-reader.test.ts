import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvSyntaxError, headerKeys, readCsv } from '../../src/import/csv-reader.js';
import type { CsvRecord } from '../../src/import/csv-reader.js';

async function parse(text: string, chunkSize = text.length || 1): Promise<CsvRecord[]> {
  async function* chunks() {
    for (let i = 0; i < text.length; i += chunkSize) yield text.slice(i, i + chunkSize);
  }
  const out: CsvRecord[] = [];
  for await (const r of readCsv(chunks())) out.push(r);
  return out;
}

const tricky =
  '\uFEFFname,bio,n\r\n' +
  'plain,"has, comma",1\r\n' +
  'quoted,"two\nlines and ""quotes""",2\n' +
  'empty,"",\n' +
  '\n' +
  'stray,a"b,3\n' +
  'last,"ends ""here""",4';

describe('readCsv', () => {
  it('parses quoted commas, line breaks, doubled quotes, CRLF, BOM and a last line without newline', async () => {
    const records = await parse(tricky);
    assert.deepEqual(records, [
      { line: 1, fields: ['name', 'bio', 'n'] },
      { line: 2, fields: ['plain', 'has, comma', '1'] },
      { line: 3, fields: ['quoted', 'two\nlines and "quotes"', '2'] },
      { line: 5, fields: ['empty', '', ''] },
      { line: 6, fields: [''] },
      { line: 7, fields: ['stray', 'a"b', '3'] },
      { line: 8, fields: ['last', 'ends "here"', '4'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const whole = await parse(tricky);
    for (const size of [1, 2, 3, 5, 7, 11]) assert.deepEqual(await parse(tricky, size), whole, `chunk size ${size}`);
  });

  it('reports an unclosed quote with the line where its record started, after the records before it', async () => {
    for (const size of [3, 100]) {
      const seen: CsvRecord[] = [];
      async function* chunks() {
        const text = 'a,b\r1,2\n3,"never closed\nmore\n';
        for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
      }
      await assert.rejects(
        (async () => {
          for await (const r of readCsv(chunks())) seen.push(r);
        })(),
        (err: unknown) => {
          assert.ok(err instanceof CsvSyntaxError);
          assert.equal(err.line, 3);
          return true;
        },
      );
      assert.deepEqual(seen, [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['1', '2'] },
      ], `chunk size ${size}`);
    }
  });

  it('makes header names comparable and unique', () => {
    assert.deepEqual(headerKeys(['Rank', ' Followers', 'followers', '\nViews (Avg.)', 'Followers']), [
      'rank',
      'followers',
      'followers#2',
      'views (avg.)',
      'followers#3',
    ]);
  });
});
