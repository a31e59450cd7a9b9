import type { FormatId, ImportFormat } from './format.js';
import { genericCsvFormat, genericJsonlFormat } from './generic.format.js';
import { kaggleInstagramFormat } from './kaggle-instagram.format.js';
import { kaggleYoutubeFormat } from './kaggle-youtube.format.js';
import { kimFormat } from './kim.format.js';

export { formatIds } from './format.js';
export type { FormatId, ImportFormat, RowContext } from './format.js';

/** Most specific first: auto-detection takes the first whose header test passes. */
const formats: ImportFormat[] = [kimFormat, kaggleInstagramFormat, kaggleYoutubeFormat, genericCsvFormat, genericJsonlFormat];

export function formatById(id: FormatId): ImportFormat {
  const f = formats.find((x) => x.id === id);
  if (!f) throw new Error(`unknown import format ${id}`);
  return f;
}

/** The CSV format whose header this is, or null. */
export function detectCsvFormat(keys: string[]): ImportFormat | null {
  return formats.find((f) => f.kind === 'csv' && f.matches(keys)) ?? null;
}
