/**
 * Streaming RFC 4180 CSV: comma-separated, fields optionally in double quotes, `""` is a quote
 * inside a quoted field, quoted fields may hold commas and line breaks, records end in LF or CRLF.
 * A leading UTF-8 BOM is dropped. Each record carries the physical line it starts on, so bad rows
 * can be reported by the line number an editor shows.
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

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Parses text chunks as they arrive; only the unfinished tail of the last record is kept between
 * chunks, so memory stays flat whatever the file size.
 */
export async function* readCsv(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** inside a quoted field (between the opening and the closing quote) */
  let inQuotes = false;
  /** the previous chunk ended on a quote inside a quoted field: closing quote or first half of "" */
  let pendingQuote = false;
  let line = 1;
  let recordLine = 1;
  let atRecordStart = true;
  let first = true;
  let afterCr = false;

  const endField = () => {
    fields.push(field);
    field = '';
    quoted = false;
  };

  for await (let text of chunks) {
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = text.length === 0;
    }
    let i = 0;
    const n = text.length;
    if (pendingQuote && n > 0) {
      pendingQuote = false;
      if (text.charCodeAt(0) === QUOTE) {
        field += '"';
        i = 1;
      } else {
        inQuotes = false;
      }
    }
    while (i < n) {
      if (inQuotes) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          const part = text.slice(i);
          line += countNewlines(part);
          field += part;
          i = n;
          break;
        }
        const part = text.slice(i, q);
        line += countNewlines(part);
        field += part;
        if (q + 1 >= n) {
          pendingQuote = true;
          i = n;
          break;
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          field += '"';
          i = q + 2;
        } else {
          inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      if (afterCr) {
        afterCr = false;
        if (c === LF) {
          i++;
          continue;
        }
      }
      if (atRecordStart) {
        recordLine = line;
        atRecordStart = false;
      }
      if (c === QUOTE && field.length === 0 && !quoted) {
        inQuotes = true;
        quoted = true;
        i++;
      } else if (c === COMMA) {
        endField();
        i++;
      } else if (c === LF || c === CR) {
        endField();
        yield { line: recordLine, fields };
        fields = [];
        line++;
        atRecordStart = true;
        afterCr = c === CR;
        i++;
      } else {
        // plain run up to the next delimiter; a stray quote inside an unquoted field is kept as is
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === COMMA || d === LF || d === CR) break;
          j++;
        }
        field += text.slice(i, j);
        i = j;
      }
    }
  }
  if (pendingQuote) inQuotes = false;
  if (inQuotes) throw new CsvSyntaxError(recordLine, 'quoted field is not closed before the end of the file');
  if (!atRecordStart) {
    endField();
    yield { line: recordLine, fields };
  }
}

function countNewlines(s: string): number {
  let count = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) count++;
  return count;
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
