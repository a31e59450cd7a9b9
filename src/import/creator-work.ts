import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Creator, NicheScore } from '../domain/creator.js';
import type { LocalEmbedderSpec } from '../providers/embeddings/local-embedder.js';
import type { NicheModel } from './niche-classifier.js';

export interface CreatorWorkInit {
  embedder: LocalEmbedderSpec;
  nicheModel: NicheModel | null;
}
/** What a worker reads of a creator: the text its niches and its document come from. */
export type CreatorText = Pick<Creator, 'displayName' | 'handle' | 'bio' | 'categories' | 'topics'>;

export interface CreatorWorkRequest {
  id: number;
  /** only the text fields: every field sent is copied into the worker (structured clone) */
  creators: CreatorText[];
}
export interface CreatorWorkReply {
  id: number;
  /** creators × dimension, in order */
  vectors: Float32Array;
  /** significant niches per creator, or null without a model */
  niches: NicheScore[][] | null;
  /**
   * the batch documents' words the embedder's vocabulary keeps (`relatedVocabulary`) that this
   * worker's embedder met for the first time (a word comes again only after the embedder's memo
   * let it go); null when the embedder has no vocabulary
   */
  words: string[] | null;
  /** the worker's time on this batch */
  busyMs: number;
}
/** a batch sent to a worker, waiting for its reply */
type Pending = { resolve: (r: CreatorWorkReply) => void; reject: (e: Error) => void };
type Message = CreatorWorkReply | { id: number; error: string } | { ready: true; embedderId: string };

/** Threads a bulk import uses by default: one per core, at most 4 (the index writer needs CPU too). */
export function defaultImportThreads(): number {
  return Math.min(4, os.availableParallelism());
}

/** The worker file beside this one: .ts when run from source (tsx), .js when compiled. */
const workerFile = new URL(`./creator-work.worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Worker threads that classify and embed batches of creators for a bulk import, so a local
 * embedder and the niche classifier use every core instead of the importer's one thread. Each
 * batch goes to the least busy worker; results come back per batch, vectors as one transferred
 * buffer. A worker that fails or exits fails the batches it holds (the import stops with its error).
 */
export class CreatorWorkPool {
  private readonly workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  private nextId = 0;
  private closed = false;
  /** classify-and-embed time of all workers so far (ms; they run in parallel, so it can exceed wall time) */
  busyMs = 0;

  private constructor(private readonly dimension: number) {}

  static async start(init: CreatorWorkInit, dimension: number, threads = defaultImportThreads()): Promise<CreatorWorkPool> {
    const pool = new CreatorWorkPool(dimension);
    try {
      await Promise.all(Array.from({ length: Math.max(1, threads) }, () => pool.spawn(init)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private spawn(init: CreatorWorkInit): Promise<void> {
    const worker = new Worker(workerFile, { workerData: init });
    const slot = { worker, pending: new Map<number, Pending>() };
    this.workers.push(slot);
    const failAll = (err: Error) => {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    return new Promise<void>((ready, notReady) => {
      worker.on('message', (m: Message) => {
        if ('ready' in m) return ready();
        const p = slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id);
        if ('error' in m) p.reject(new Error(`import worker: ${m.error}`));
        else p.resolve(m);
      });
      worker.on('error', (err) => {
        notReady(err);
        failAll(err);
      });
      worker.on('exit', (code) => {
        const err = new Error(`import worker exited (code ${code})`);
        notReady(err);
        if (!this.closed) failAll(err);
      });
    });
  }

  /**
   * Niches and vectors of a batch, in the batch's order, and the batch documents' vocabulary words
   * (mostly those its worker has not returned before: all batches' words together are all words
   * of all documents; null when the embedder keeps no vocabulary).
   */
  run(creators: Creator[]): Promise<{ vectors: Float32Array[]; niches: NicheScore[][] | null; words: string[] | null }> {
    if (this.closed) return Promise.reject(new Error('import worker pool is closed'));
    const slot = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise<CreatorWorkReply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const texts = creators.map(({ displayName, handle, bio, categories, topics }) => ({ displayName, handle, bio, categories, topics }));
      slot.worker.postMessage({ id, creators: texts } satisfies CreatorWorkRequest);
    }).then((reply) => {
      this.busyMs += reply.busyMs;
      return {
        vectors: creators.map((_, i) => reply.vectors.subarray(i * this.dimension, (i + 1) * this.dimension)),
        niches: reply.niches,
        words: reply.words,
      };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
