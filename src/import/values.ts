/** Field parsers shared by the import formats. Each throws RowError naming the field. */

export class RowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowError';
  }
}

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9 };

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

export function text(v: unknown): string {
  if (isBlank(v)) return '';
  return String(v).trim();
}

export function optionalText(v: unknown): string | null {
  const t = text(v);
  return t === '' ? null : t;
}

/**
 * A count such as "13068", "13,068", "409.8M", "2.2K" or 409800000; blank is null.
 * Negative or non-numeric values are a row error.
 */
export function count(field: string, v: unknown): number | null {
  if (isBlank(v)) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new RowError(`${field}: ${v} is not a non-negative number`);
    return Math.round(v);
  }
  const s = String(v).trim().replace(/[,_\s]/g, '').toLowerCase();
  const m = /^(\d+(?:\.\d+)?)([kmb])?$/.exec(s);
  if (!m) throw new RowError(`${field}: "${String(v).trim()}" is not a count`);
  return Math.round(Number(m[1]) * (m[2] ? SUFFIX[m[2]]! : 1));
}

/** A fraction such as 0.034 or a percentage such as "3.4%"; blank is null. */
export function rate(field: string, v: unknown): number | null {
  if (isBlank(v)) return null;
  const s = typeof v === 'number' ? String(v) : String(v).trim();
  const m = /^(\d+(?:\.\d+)?(?:e-?\d+)?)(%)?$/i.exec(s);
  if (!m) throw new RowError(`${field}: "${s}" is not a rate (use a fraction like 0.034 or a percentage like 3.4%)`);
  const n = Number(m[1]) / (m[2] ? 100 : 1);
  if (!Number.isFinite(n)) throw new RowError(`${field}: "${s}" is not a finite number`);
  return n;
}

export function bool(field: string, v: unknown): boolean {
  if (isBlank(v)) return false;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 't'].includes(s)) return true;
  if (['false', '0', 'no', 'n', 'f'].includes(s)) return false;
  throw new RowError(`${field}: "${String(v).trim()}" is not a boolean (true/false)`);
}

/** A list given as a JSON array or as text separated by `|`, `;` or `,` (CSV); lowercase, unique, '#' dropped. */
export function labels(field: string, v: unknown, separators = /[|;,]/): string[] {
  if (isBlank(v)) return [];
  let items: unknown[];
  if (Array.isArray(v)) items = v;
  else if (typeof v === 'string') items = v.split(separators);
  else throw new RowError(`${field}: expected a list or text, got ${typeof v}`);
  return uniqueLabels(items.map((x) => (typeof x === 'string' || typeof x === 'number' ? String(x) : '')));
}

export function uniqueLabels(items: string[], max = 64): string[] {
  const out = new Set<string>();
  for (const item of items) {
    const label = item.trim().replace(/^[#@]+/, '').replace(/\s+/g, ' ').toLowerCase();
    if (label.length > 0 && label.length <= 100) out.add(label);
    if (out.size >= max) break;
  }
  return [...out];
}

/** Free text squeezed to one space between words and capped, so one row cannot bloat the index. */
export function cleanText(v: unknown, max = 4000): string {
  const t = text(v).replace(/\s+/g, ' ');
  return t.length > max ? t.slice(0, max) : t;
}

/**
 * A date or timestamp (ISO 8601, e.g. 2024-05-01 or 2024-05-01T10:00:00Z; a number is Unix
 * seconds or milliseconds) as ISO; blank is null. A date in the future (beyond a day of clock skew)
 * is a row error: nothing was observed there yet.
 */
export function timestamp(field: string, v: unknown, now: number = Date.now()): string | null {
  if (isBlank(v)) return null;
  const raw = typeof v === 'number' ? v : String(v).trim();
  const t = typeof raw === 'number' ? (raw < 1e12 ? raw * 1000 : raw) : /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(t)) throw new RowError(`${field}: "${String(v).trim()}" is not an ISO 8601 date (e.g. 2024-05-01 or 2024-05-01T10:00:00Z)`);
  if (t > now + 86_400_000) throw new RowError(`${field}: ${new Date(t).toISOString()} is in the future`);
  return new Date(t).toISOString();
}
