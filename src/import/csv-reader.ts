import { setImmediate as turn } from 'node:timers/promises';
import { CsvError, parse } from 'csv-parse';
import type { Options } from 'csv-parse';

/**
 * Streaming RFC 4180 CSV through csv-parse: comma-separated, fields optionally in double quotes,
 * `""` is a quote inside a quoted field, quoted fields may hold commas and line breaks, records end
 * in LF, CRLF or CR (mixed in one file too). A leading UTF-8 BOM is dropped; a stray quote inside an
 * unquoted field is kept as is; a record may have any number of fields (the caller checks them
 * against the header, so one bad row does not stop the import). Each record carries the physical
 * line it starts on, so bad rows can be reported by the line number an editor shows.
 */

export interface CsvRecord {
  /** 1-based line number where the record starts */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

const OPTIONS: Options = {
  bom: true,
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: false,
  // listed, not auto-detected: auto-detection keeps the first delimiter it sees for the whole file
  record_delimiter: ['\r\n', '\n', '\r'],
};

/**
 * Parses text chunks as they arrive; csv-parse keeps only the unfinished tail of the last record
 * between chunks, so memory stays flat whatever the file size. Records are taken in `on_record`,
 * synchronously as each chunk is parsed, rather than read from the stream's side: a stream that
 * fails drops what it buffered, and the records before a syntax error must still be imported.
 */
export async function* readCsv(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  const parsed: CsvRecord[] = [];
  /** the line the next record starts on: csv-parse's `lines` is the line a record ends on */
  let line = 1;
  const parser = parse({
    ...OPTIONS,
    on_record: (fields: string[], { lines }) => {
      parsed.push({ line, fields });
      line = lines + 1;
      return null; // taken here, not pushed to the stream
    },
  });
  let failure: unknown = null;
  parser.on('error', (err) => (failure ??= err));
  const closed = new Promise((resolve) => parser.once('close', resolve));
  parser.resume(); // nothing reaches the readable side; flowing lets the stream end and close

  /** Hands over what the last write parsed, then its error (raised on the next tick) if any. */
  async function* settle(): AsyncGenerator<CsvRecord> {
    await turn();
    yield* parsed.splice(0);
    if (failure === null) return;
    if (!(failure instanceof CsvError)) throw failure;
    const why = failure.code === 'CSV_QUOTE_NOT_CLOSED' ? 'quoted field is not closed before the end of the file' : failure.message;
    throw new CsvSyntaxError(line, why);
  }

  try {
    for await (const chunk of chunks) {
      parser.write(chunk);
      yield* settle();
    }
    parser.end();
    await closed;
    yield* settle();
  } finally {
    parser.destroy();
  }
}

/** Header names made comparable: whitespace (incl. the line breaks some exports put in names) collapsed, lowercase. */
export function normalizeHeader(name: string): string {
  return name.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Unique keys for a header row: a repeated name gets `#2`, `#3`, ... (Kaggle repeats each metric twice). */
export function headerKeys(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw) => {
    const name = normalizeHeader(raw);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}#${n}`;
  });
}
