import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real creator data beside the repository (`../shared/data`, never copied into it).
 * SCOUT_SHARED_DATA overrides the location. Missing data fails loudly: tests that need it must not
 * quietly pass without it.
 */
export const sharedDataDir = path.resolve(
  process.env.SCOUT_SHARED_DATA ?? fileURLToPath(new URL('../../../shared/data/', import.meta.url)),
);

export function sharedDataFile(relative: string): string {
  const file = path.join(sharedDataDir, relative);
  if (!existsSync(file)) {
    throw new Error(`real data file missing: ${file} (set SCOUT_SHARED_DATA to the shared data folder)`);
  }
  return file;
}

export const kimProfilesCsv = () => sharedDataFile('instagram-kim/profiles_with_captions.csv');
export const kaggleInstagramCsv = () => sharedDataFile('kaggle-2022/instagram-top1000-dec2022.csv');
export const kaggleYoutubeCsv = () => sharedDataFile('kaggle-2022/youtube-top1000-dec2022.csv');
