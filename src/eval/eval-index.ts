import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createContext } from '../app/context.js';
import type { AppContext } from '../app/app-context.js';
import type { Logger } from '../app/logger.js';
import type { Config } from '../config.js';
import { importFile, nicheModelPath } from '../import/importer.js';
import type { ImportProgress, ImportSummary } from '../import/importer.js';

/**
 * Bumped whenever what an import writes into the index changes (new columns, a new niche model),
 * so that a kept evaluation index built by older code is rebuilt rather than silently reused.
 */
export const EVAL_INDEX_VERSION = '3';
const MARKER = 'eval-index.json';

interface Marker {
  version: string;
  labels: string;
  labelsBytes: number;
  labelsMtimeMs: number;
  maxCreators: number | null;
  embedder: string;
  withheldCategories: true;
  builtAt: string;
  classifiedNiches: boolean;
  import: Pick<ImportSummary, 'imported' | 'skipped' | 'durationMs' | 'optimizeMs' | 'classifyMs'>;
}

export interface EvalIndex {
  /** a full context whose index (and DATA_DIR) live in the evaluation directory */
  ctx: AppContext;
  dir: string;
  /** false when a kept index from an earlier run was reused */
  built: boolean;
  marker: Marker;
  /** closes the context; removes the directory unless it was given to keep */
  close(): Promise<void>;
}

/**
 * The index an evaluation searches: the labelled file imported with its labels withheld, into a
 * directory of its own (a temporary one, or `indexDir` to keep and reuse across runs), with the
 * configured embedder and always the embedded LanceDB backend. The live index and the live
 * DATA_DIR are never opened; jobs go to the configured database like any other job.
 */
export async function openEvalIndex(
  config: Config,
  opts: {
    labelsFile: string;
    indexDir?: string;
    maxCreators?: number;
    /** infer creator niches at import (default true; false measures search without them) */
    classifyNiches?: boolean;
    /** rebuild even when a matching kept index exists */
    rebuild?: boolean;
    logger?: Logger;
    onProgress?: (p: ImportProgress) => void;
  },
): Promise<EvalIndex> {
  const labels = path.resolve(opts.labelsFile);
  const keep = opts.indexDir !== undefined;
  const dir = keep ? path.resolve(opts.indexDir!) : await mkdtemp(path.join(os.tmpdir(), 'scout-eval-'));
  if (keep) {
    assertNotLive(config, dir);
    await mkdir(dir, { recursive: true });
  }
  const evalConfig: Config = {
    ...config,
    dataDir: dir,
    search: { ...config.search, backend: 'lancedb', lancedbDir: path.join(dir, 'lancedb') },
  };
  const ctx = await createContext(evalConfig, { role: 'cli', logger: opts.logger });
  try {
    const st = await stat(labels);
    const wanted = {
      version: EVAL_INDEX_VERSION,
      labels,
      labelsBytes: st.size,
      labelsMtimeMs: Math.round(st.mtimeMs),
      maxCreators: opts.maxCreators ?? null,
      embedder: ctx.providers.embedder.id,
      withheldCategories: true as const,
      classifiedNiches: opts.classifyNiches ?? true,
    };
    const kept = keep && !opts.rebuild ? await readMarker(dir) : null;
    if (kept && sameBuild(kept, wanted) && (await ctx.providers.index.count()) > 0) {
      return { ctx, dir, built: false, marker: kept, close: () => ctx.close() };
    }
    const summary = await importFile(
      ctx,
      labels,
      {
        reindex: true,
        withholdCategories: true,
        limit: opts.maxCreators,
        source: `eval:${path.basename(labels)}`,
        classifyNiches: opts.classifyNiches ?? true,
        nicheModelFile: nicheModelPath(evalConfig),
      },
      opts.onProgress,
    );
    const marker: Marker = {
      ...wanted,
      builtAt: new Date().toISOString(),
      import: {
        imported: summary.imported,
        skipped: summary.skipped,
        durationMs: Math.round(summary.durationMs),
        optimizeMs: Math.round(summary.optimizeMs),
        classifyMs: Math.round(summary.classifyMs),
      },
    };
    await writeFile(path.join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    return {
      ctx,
      dir,
      built: true,
      marker,
      async close() {
        await ctx.close();
        if (!keep) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await ctx.close();
    if (!keep) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A kept evaluation index must be a directory of its own, never the live data. */
function assertNotLive(config: Config, dir: string): void {
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);
  if (inside(config.search.lancedbDir, dir) || inside(dir, config.search.lancedbDir) || dir === config.dataDir) {
    throw new Error(`--index-dir ${dir} would overlap the live index (${config.search.lancedbDir}); choose a directory of its own`);
  }
}

async function readMarker(dir: string): Promise<Marker | null> {
  const file = path.join(dir, MARKER);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Marker;
  } catch {
    return null;
  }
}

function sameBuild(a: Marker, b: Omit<Marker, 'builtAt' | 'import'>): boolean {
  return (
    a.version === b.version &&
    a.labels === b.labels &&
    a.labelsBytes === b.labelsBytes &&
    a.labelsMtimeMs === b.labelsMtimeMs &&
    a.maxCreators === b.maxCreators &&
    a.embedder === b.embedder &&
    a.withheldCategories === true &&
    a.classifiedNiches === b.classifiedNiches
  );
}
