import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Creator } from '../domain/creator.js';
import { creatorDocument } from '../providers/embeddings/embedder.js';
import { IndexEmbedderMismatchError } from '../providers/search-index/creator-index.js';
import type { IndexedCreator } from '../providers/search-index/creator-index.js';
import { CreatorWorkPool, defaultImportThreads } from './creator-work.js';
import { noJob } from '../providers/ledger.js';
import type { FormatId } from './formats/index.js';
import { nicheDoc, nicheScores, parseNicheModel, significantNiches, trainNicheModel } from './niche-classifier.js';
import type { NicheDoc, NicheModel } from './niche-classifier.js';
import { openSource } from './records.js';
import { RowError } from './values.js';
import { optimizeIndex, prepareForRealData } from '../services/creator-index.service.js';
import type { IndexOpsDeps } from '../services/creator-index.service.js';

export interface BadRow {
  line: number;
  reason: string;
}

export interface ImportOptions {
  /** detected from the file when absent */
  format?: FormatId;
  /** drop the index first (required after changing the embedder) */
  reindex?: boolean;
  /** creators per classify-and-embed batch (default 1000) */
  batchSize?: number;
  /** creators per index write (default 10,000; at least `batchSize`) */
  writeBatchSize?: number;
  /**
   * threads that classify and embed when the embedder runs locally (default: one per core, at most
   * 4); 1 does it all in the importer's own thread
   */
  threads?: number;
  /** stop after this many data records */
  limit?: number;
  /** leave the source's niche labels out of the index (measures search on content alone; see `scout eval`) */
  withholdCategories?: boolean;
  /** recorded on each creator; default `<format>:<file name>` */
  source?: string;
  /**
   * when the file's data was true (ISO), for rows that do not say; without it those rows are
   * observed at the import time (basis `import`), or at the data set's documented date (Kim, Kaggle)
   */
  observedAt?: string;
  /** keep the demo creators, which the first import of real data otherwise removes */
  keepDemo?: boolean;
  /**
   * infer each creator's niches (default true): a model is trained on the file's own creators
   * (labels never used) before they are written, or, for a file smaller than MIN_TRAIN_CREATORS,
   * the model stored at `nicheModelFile` is applied when there is one
   */
  classifyNiches?: boolean;
  /** where the trained model is kept for later small imports (`scout import`: DATA_DIR/niche-model.json) */
  nicheModelFile?: string;
  signal?: AbortSignal;
  onBadRow?: (row: BadRow) => void;
}

/** A file with fewer creators than this reuses a stored niche model rather than training its own. */
export const MIN_TRAIN_CREATORS = 500;
/**
 * The niche model learns from at most this many creators of a file (the first ones): enough for
 * the vocabulary of a corpus, and it bounds the memory of a million-row import. Every creator is
 * classified.
 */
export const MAX_TRAIN_CREATORS = 60_000;

export interface NicheModelSummary {
  /** trained on this file, or the stored one applied */
  trained: boolean;
  creators: number;
  seeded: number;
  vocabulary: number;
}

export interface ImportProgress {
  phase: 'classifying' | 'importing' | 'optimizing' | 'done';
  read: number;
  imported: number;
  skipped: number;
  bytesRead: number;
  totalBytes: number;
  elapsedMs: number;
}

export interface ImportSummary {
  file: string;
  format: FormatId;
  read: number;
  imported: number;
  skipped: number;
  /** the first MAX_BAD_ROWS bad rows (all of them are counted in `skipped`) */
  badRows: BadRow[];
  durationMs: number;
  /** of which the final index optimisation (compaction, index builds) */
  optimizeMs: number;
  /** of which reading the file once more and training the niche model (0 without classification) */
  classifyMs: number;
  /**
   * busy time spent classifying and embedding the creators, summed over the threads that did it
   * (worker threads run at once, so it can exceed the wall time); overlaps the index writes
   */
  prepareMs: number;
  /** the niche model the creators were classified with; null without classification */
  nicheModel: NicheModelSummary | null;
  /** records read per second, including the final index optimisation */
  ratePerSec: number;
  /** creators in the index afterwards */
  indexCount: number;
  /** demo creators removed before the first real data went in (see `keepDemo`) */
  demoRemoved: number;
}

export type ImportDeps = IndexOpsDeps;

export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_WRITE_BATCH_SIZE = 10_000;
const MAX_BAD_ROWS = 1000;

/**
 * Streams a creator file into the index: records are mapped and validated one by one (bad ones
 * reported by line and skipped), then embedded and written in batches of `batchSize`, keyed on
 * the creator, so importing the same file again updates rather than duplicates. The next batch is
 * embedded while the previous one is being written.
 */
export async function importFile(
  deps: ImportDeps,
  file: string,
  opts: ImportOptions = {},
  onProgress?: (p: ImportProgress) => void,
): Promise<ImportSummary> {
  const { embedder, index } = deps.providers;
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  const started = performance.now();
  const totalBytes = (await stat(file)).size;

  if (opts.reindex) {
    await index.reset();
  } else {
    const info = await index.info();
    if (info.embedder !== null && info.count > 0 && info.embedder !== embedder.id) {
      throw new IndexEmbedderMismatchError(info.embedder, embedder.id);
    }
  }

  const classify = opts.classifyNiches ?? true;
  const t0 = performance.now();
  const niche = classify
    ? await nicheModelFor(file, opts, (read, bytesRead) =>
        onProgress?.({ phase: 'classifying', read, imported: 0, skipped: 0, bytesRead, totalBytes, elapsedMs: performance.now() - started }),
      )
    : null;
  const classifyMs = niche ? performance.now() - t0 : 0;

  const source = await openSource(file, opts.format);
  const format = source.format;
  const rowCtx = {
    source: opts.source ?? `${format.id}:${path.basename(file)}`,
    now: new Date().toISOString(),
    ...(opts.observedAt !== undefined ? { observedAt: opts.observedAt } : {}),
  };
  let demoRemoved = 0;
  try {
    // after the file proved readable, before anything of it is written
    ({ demoRemoved } = await prepareForRealData(deps, rowCtx.source, { keepDemo: opts.keepDemo }));
  } catch (err) {
    source.close();
    throw err;
  }
  let read = 0;
  let imported = 0;
  let skipped = 0;
  const badRows: BadRow[] = [];
  const progress = (phase: ImportProgress['phase']) =>
    onProgress?.({ phase, read, imported, skipped, bytesRead: source.bytesRead(), totalBytes, elapsedMs: performance.now() - started });
  const reject = (row: BadRow) => {
    skipped++;
    if (badRows.length < MAX_BAD_ROWS) badRows.push(row);
    opts.onBadRow?.(row);
  };

  // Creators are classified and embedded in batches of `batchSize` (on worker threads when the
  // embedder is local), in file order, while earlier batches are written in groups of
  // `writeBatchSize`: one index write per group keeps the table's fragments and versions few.
  const threads = opts.threads ?? defaultImportThreads();
  let pool: CreatorWorkPool | null = null;
  if (embedder.local && threads > 1) {
    await embedder.open?.();
    pool = await CreatorWorkPool.start({ embedder: embedder.local, nicheModel: niche?.model ?? null }, embedder.dimension, threads);
    niche?.docs.clear(); // the workers analyse every creator's text themselves
  }
  const writeBatchSize = Math.max(batchSize, opts.writeBatchSize ?? DEFAULT_WRITE_BATCH_SIZE);
  const maxInFlight = pool ? threads * 2 : 1;
  // a batch's rows, and the words of their documents when the workers found them (see UpsertOptions)
  type Prepared = { rows: IndexedCreator[]; words: string[] | null };
  const inFlight: Promise<Prepared>[] = [];
  let ready: IndexedCreator[] = [];
  /** words of the documents in `ready`; null once a batch came without them */
  let readyWords: string[] | null = [];
  let writing: Promise<void> | null = null;
  let batch: Creator[] = [];

  let inThreadMs = 0;
  const prepare = async (creators: Creator[]): Promise<Prepared> => {
    if (pool) {
      const { vectors, niches, words } = await pool.run(creators);
      const rows = creators.map((creator, i) => {
        if (niches) creator.niches = niches[i]!;
        return { creator, vector: vectors[i]! };
      });
      return { rows, words };
    }
    // one call per batch: remote embedders split it into requests of their own batch size
    const t0 = performance.now();
    const vectors = await embedder.embed(creators.map(creatorDocument), noJob);
    inThreadMs += performance.now() - t0;
    return { rows: creators.map((creator, i) => ({ creator, vector: vectors[i]! })), words: null };
  };
  const write = async (rows: IndexedCreator[], words: string[] | null) => {
    if (writing) await writing;
    opts.signal?.throwIfAborted();
    writing = index.upsert(rows, noJob, words ? { documentWords: words } : {}).then(() => {
      imported += rows.length;
      progress('importing');
    });
    // surfaced by the next await; keeps a failed write from being an unhandled rejection meanwhile
    writing.catch(() => {});
  };
  const writeReady = async () => {
    const [rows, words] = [ready, readyWords];
    ready = [];
    readyWords = [];
    await write(rows, words);
  };
  /** Takes the oldest prepared batches; writes once a group is full (and what is left, `all` at the end). */
  const settle = async (all: boolean) => {
    while (inFlight.length > 0 && (all || inFlight.length >= maxInFlight)) {
      const prepared = await inFlight.shift()!;
      ready.push(...prepared.rows);
      if (readyWords && prepared.words) for (const word of prepared.words) readyWords.push(word);
      else readyWords = null;
      if (ready.length >= writeBatchSize) await writeReady();
    }
    if (all && ready.length > 0) await writeReady();
  };
  const flush = async () => {
    const creators = batch;
    batch = [];
    if (creators.length === 0) return;
    const prepared = prepare(creators);
    prepared.catch(() => {});
    inFlight.push(prepared);
    await settle(false);
  };

  try {
    for await (const record of source.records) {
      if (opts.limit !== undefined && read >= opts.limit) break;
      read++;
      if (record.error !== undefined) {
        reject({ line: record.line, reason: record.error });
        continue;
      }
      try {
        const creator = format.toCreator(record.values, rowCtx);
        if (opts.withholdCategories) creator.categories = [];
        if (niche && !pool) {
          const t0 = performance.now();
          creator.niches = significantNiches(nicheScores(niche.model, niche.docs.get(record.line) ?? nicheDoc(creator)));
          inThreadMs += performance.now() - t0;
        }
        batch.push(creator);
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        reject({ line: record.line, reason: err.message });
        continue;
      }
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    await settle(true);
    if (writing) await writing;
  } finally {
    source.close();
    await pool?.close();
  }
  const prepareMs = inThreadMs + (pool?.busyMs ?? 0);

  let optimizeMs = 0;
  if (index.optimize && (imported > 0 || demoRemoved > 0)) {
    progress('optimizing');
    const t0 = performance.now();
    await optimizeIndex(deps);
    optimizeMs = performance.now() - t0;
  }
  const durationMs = performance.now() - started;
  const summary: ImportSummary = {
    file,
    format: format.id,
    read,
    imported,
    skipped,
    badRows,
    durationMs,
    optimizeMs,
    classifyMs,
    prepareMs,
    nicheModel: niche ? { trained: niche.trained, ...niche.model.trainedOn } : null,
    ratePerSec: durationMs > 0 ? (read / durationMs) * 1000 : 0,
    indexCount: await index.count(),
    demoRemoved,
  };
  progress('done');
  return summary;
}

/** How often the first read reports how far it got (records). */
const CLASSIFY_PROGRESS_EVERY = 1000;

/**
 * The niche model for an import: trained on the file's own creators in a first read of the file
 * (their text only: labels are never read), or, for a small file, the stored model. A trained model
 * is stored at `nicheModelFile` for later small imports. `onProgress` hears the records read so far:
 * at the start, every CLASSIFY_PROGRESS_EVERY records, and once the read is done (training follows).
 */
async function nicheModelFor(
  file: string,
  opts: ImportOptions,
  onProgress: (read: number, bytesRead: number) => void,
): Promise<{ model: NicheModel; trained: boolean; docs: Map<number, NicheDoc> }> {
  onProgress(0, 0);
  const stored = opts.nicheModelFile && !opts.reindex ? await readNicheModel(opts.nicheModelFile) : null;
  const source = await openSource(file, opts.format);
  const rowCtx = { source: 'niches', now: new Date().toISOString() };
  // by line: the import's second read classifies each record without analysing its text again
  const docs = new Map<number, NicheDoc>();
  let read = 0;
  try {
    for await (const record of source.records) {
      if (opts.limit !== undefined && read >= opts.limit) break;
      if (docs.size >= MAX_TRAIN_CREATORS) break;
      read++;
      if (read % CLASSIFY_PROGRESS_EVERY === 0) onProgress(read, source.bytesRead());
      if (record.error !== undefined) continue;
      opts.signal?.throwIfAborted();
      try {
        docs.set(record.line, nicheDoc(source.format.toCreator(record.values, rowCtx)));
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
      }
    }
    onProgress(read, source.bytesRead());
  } finally {
    source.close();
  }
  if (stored && docs.size < MIN_TRAIN_CREATORS) return { model: stored, trained: false, docs };
  const model = trainNicheModel([...docs.values()]);
  if (opts.nicheModelFile) await writeNicheModel(opts.nicheModelFile, model);
  return { model, trained: true, docs };
}

/** Where `scout import` keeps the niche model: beside the index, in DATA_DIR. */
export function nicheModelPath(config: { dataDir: string }): string {
  return path.join(config.dataDir, 'niche-model.json');
}

export async function readNicheModel(file: string): Promise<NicheModel | null> {
  try {
    return parseNicheModel(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return null;
  }
}

async function writeNicheModel(file: string, model: NicheModel): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(model));
  await rename(tmp, file);
}
