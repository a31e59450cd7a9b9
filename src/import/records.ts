import { createReadStream } from 'node:fs';
import path from 'node:path';
import { CsvSyntaxError, headerKeys, readCsv } from './csv-reader.js';
import { detectCsvFormat, formatById } from './formats/index.js';
import type { FormatId, ImportFormat } from './formats/index.js';

/** One data record of an import file: its fields by (normalised) column name, or why it is unreadable. */
export type SourceRecord =
  | { line: number; values: Record<string, unknown>; error?: undefined }
  | { line: number; values?: undefined; error: string };

export interface OpenedSource {
  format: ImportFormat;
  records: AsyncGenerator<SourceRecord>;
  /** bytes of the file consumed so far (for progress) */
  bytesRead(): number;
  close(): void;
}

export class ImportFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFormatError';
  }
}

/**
 * Opens an import file as a stream of records, detecting the format from the extension and the
 * header when `format` is not given. Fails before reading data when the header does not fit.
 */
export async function openSource(file: string, format?: FormatId): Promise<OpenedSource> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<string>;
  const first = await chunks.next().catch((err: unknown) => {
    stream.destroy();
    throw err;
  });
  const head = first.done ? '' : first.value;
  const replay = (async function* () {
    if (head) yield head;
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  const common = { bytesRead: () => stream.bytesRead, close: () => stream.destroy() };

  const kind = format ? formatById(format).kind : looksLikeJsonl(file, head) ? 'jsonl' : 'csv';
  if (kind === 'jsonl') return { ...common, format: formatById('jsonl'), records: jsonlRecords(replay) };

  const csv = readCsv(replay);
  const header = await csv.next();
  if (header.done) {
    stream.destroy();
    throw new ImportFormatError(`${file} is empty: expected a CSV header row`);
  }
  const keys = headerKeys(header.value.fields);
  const detected = format ? formatById(format) : detectCsvFormat(keys);
  if (!detected) {
    stream.destroy();
    throw new ImportFormatError(
      `cannot tell the format of ${path.basename(file)} from its header (${keys.slice(0, 8).join(', ')}); ` +
        'pass --format kim|kaggle-instagram|kaggle-youtube|csv|jsonl (see docs/import-format.md)',
    );
  }
  const missing = detected.required.filter((c) => !keys.includes(c));
  if (missing.length > 0) {
    stream.destroy();
    throw new ImportFormatError(`${path.basename(file)} is missing column(s) ${missing.join(', ')} for format ${detected.id}`);
  }
  return { ...common, format: detected, records: csvRecords(csv, keys) };
}

function looksLikeJsonl(file: string, head: string): boolean {
  if (/\.(jsonl|ndjson)$/i.test(file)) return true;
  return head.replace(/^\uFEFF/, '').trimStart().startsWith('{');
}

async function* csvRecords(csv: AsyncGenerator<{ line: number; fields: string[] }>, keys: string[]): AsyncGenerator<SourceRecord> {
  try {
    for await (const { line, fields } of csv) {
      if (fields.length === 1 && fields[0]!.trim() === '') continue;
      if (fields.length !== keys.length) {
        yield { line, error: `expected ${keys.length} fields as in the header, found ${fields.length}` };
        continue;
      }
      const values: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) values[keys[i]!] = fields[i];
      yield { line, values };
    }
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    yield { line: err.line, error: `${err.message.replace(/^line \d+: /, '')} (the rest of the file was not read)` };
  }
}

async function* jsonlRecords(chunks: AsyncIterable<string>): AsyncGenerator<SourceRecord> {
  let rest = '';
  let line = 0;
  const parse = (text: string): SourceRecord | null => {
    line++;
    const t = text.replace(/^\uFEFF/, '').trim();
    if (t === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (err) {
      return { line, error: `invalid JSON: ${(err as Error).message}` };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { line, error: 'expected a JSON object per line' };
    }
    return { line, values: value as Record<string, unknown> };
  };
  for await (const chunk of chunks) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const p of parts) {
      const r = parse(p);
      if (r) yield r;
    }
  }
  const last = parse(rest);
  if (last) yield last;
}
