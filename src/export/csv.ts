/**
 * CSV as RFC 4180 writes it (comma-separated, CRLF line ends, fields holding a comma, quote or line
 * break quoted with inner quotes doubled), made safe to open in a spreadsheet: a text cell that
 * starts with = + - @ (or a tab / carriage return, which some spreadsheets skip before reading a
 * formula) gets a leading apostrophe, so it is shown as text, never run as a formula (OWASP
 * "CSV injection"). Numbers are written as numbers and never escaped: -0.5 stays a number.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header row and the data rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
