import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Table } from '@lancedb/lancedb';
import { tokenize } from '../../embeddings/hashing.embedder.js';

/** next to the table's directory in the LanceDB dir; LanceDB lists only `*.lance` entries as tables */
export const VOCABULARY_FILE = 'creators.vocabulary.json';
const FORMAT_VERSION = 1;
/** how long a loaded vocabulary is trusted before the file's mtime is looked at again */
const RECHECK_MS = 1_000;
const YIELD_EVERY_ROWS = 1_000;

interface VocabularyDocument {
  version: number;
  embedder: string;
  rows: number;
  builtAt: string;
  words: string[];
}

/**
 * The words the index's documents contain literally, kept only where the embedder could ever
 * offer them as related words: what the keyword expansion asks about ("does this neighbour occur
 * in the index?") before it adds a word to a query. Without it every new word costs one full-text
 * probe (~1 ms each at 23k creators, about 7 ms for a brief's dozen candidates).
 *
 * It only answers yes: a word in a document is in the full-text index (the index lowercases, folds
 * accents and stems, so a literal word always matches itself), but a word that occurs only
 * inflected (kittens for kitten), in a row written after the last build, or that the index drops
 * as a stop word, is not here, and the caller probes the index for it as before. So searches give
 * exactly the answers they gave without it. Built by `optimize` (after a bulk import; from the words
 * the import's worker threads found while embedding, where they cover every row) and deleted
 * by whatever removes or rewrites rows (a removed creator's words, or words a rewritten creator no
 * longer uses, would otherwise stay "present"); rows added as new keep it (it only misses their words).
 */
export class IndexVocabulary {
  private words: ReadonlySet<string> = new Set();
  private loadedMtimeMs = -1;
  private checkedAt = -Infinity;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly dir: string,
    private readonly embedderId: string,
  ) {}

  get file(): string {
    return path.join(this.dir, VOCABULARY_FILE);
  }

  /** true when the word occurs in the index for sure; false means "unknown here" */
  async has(word: string): Promise<boolean> {
    await this.fresh();
    return this.words.has(word);
  }

  /**
   * Reads every document of `table` once and writes the vocabulary file (atomically: a reader sees
   * the old file or the new one). Returns the number of words kept.
   */
  async build(table: Table, keep: (word: string) => boolean): Promise<number> {
    const words = new Set<string>();
    let rows = 0;
    // streamed batch by batch: one column of every row, never the whole table at once
    for await (const batch of table.query().select(['doc'])) {
      const doc = batch.getChild('doc');
      for (let i = 0; i < batch.numRows; i++) {
        rows++;
        for (const word of tokenize(String(doc?.get(i) ?? ''))) if (!words.has(word) && keep(word)) words.add(word);
        // an API process optimising after ingestion keeps answering requests meanwhile (~25 µs a document)
        if (rows % YIELD_EVERY_ROWS === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return this.write(words, rows);
  }

  /**
   * Writes the vocabulary from words a bulk load already found in the documents of all `rows` rows
   * (`build` without reading them again); keeps those `keep` accepts. Returns the number kept.
   */
  async save(documentWords: Iterable<string>, rows: number, keep: (word: string) => boolean): Promise<number> {
    const words = new Set<string>();
    for (const word of documentWords) if (keep(word)) words.add(word);
    return this.write(words, rows);
  }

  private async write(words: ReadonlySet<string>, rows: number): Promise<number> {
    const body: VocabularyDocument = { version: FORMAT_VERSION, embedder: this.embedderId, rows, builtAt: new Date().toISOString(), words: [...words].sort() };
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(body));
    await rename(tmp, this.file);
    this.forgetLoaded();
    return words.size;
  }

  /** Deletes the file (rows were removed or the table replaced); searches probe until the next build. */
  async invalidate(): Promise<void> {
    await rm(this.file, { force: true });
    this.forgetLoaded();
  }

  private forgetLoaded(): void {
    this.words = new Set();
    this.loadedMtimeMs = -1;
    this.checkedAt = -Infinity;
  }

  /** reloads the file when another process (an import's optimize) rewrote or deleted it */
  private async fresh(): Promise<void> {
    if (performance.now() - this.checkedAt < RECHECK_MS) return;
    this.loading ??= this.reload().finally(() => {
      this.loading = null;
    });
    await this.loading;
  }

  private async reload(): Promise<void> {
    this.checkedAt = performance.now();
    const mtimeMs = await stat(this.file).then((s) => s.mtimeMs, () => null);
    if (mtimeMs === null) {
      this.words = new Set();
      this.loadedMtimeMs = -1;
      return;
    }
    if (mtimeMs === this.loadedMtimeMs) return;
    let parsed: Partial<VocabularyDocument> | null = null;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<VocabularyDocument>;
    } catch {
      // deleted between stat and read, or not JSON: no vocabulary, searches probe
    }
    // a file another embedder's index left behind, or one from a future format, is not ours to trust
    const usable = parsed !== null && parsed.version === FORMAT_VERSION && parsed.embedder === this.embedderId && Array.isArray(parsed.words);
    this.words = new Set(usable ? parsed!.words : []);
    this.loadedMtimeMs = mtimeMs;
  }
}
