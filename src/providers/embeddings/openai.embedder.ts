import type { Prices } from '../../config.js';
import { ProviderError } from '../../errors.js';
import type { CircuitBreaker } from '../http/circuit-breaker.js';
import { HttpClient, parseJsonBody } from '../http/http-client.js';
import type { RetryPolicy } from '../http/retry.js';
import type { CallContext, Ledger } from '../ledger.js';
import type { Embedder } from './embedder.js';

export interface OpenAiEmbedderOptions {
  /** e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:8080/v1 (TEI) */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** the model's vector size; every answer is checked against it */
  dimension: number;
  /** send `dimensions` (models that can shorten their vectors, e.g. text-embedding-3-*) */
  sendDimensions: boolean;
  /** what to ask for; both answer forms are understood whatever was asked */
  encoding: 'float' | 'base64';
  batchSize: number;
  timeoutMs: number;
  retry: RetryPolicy;
  breaker?: CircuitBreaker;
  prices: Prices;
}

interface EmbeddingsAnswer {
  data?: { index?: unknown; embedding?: unknown }[];
  usage?: { prompt_tokens?: number; total_tokens?: number };
}

/** Longest text we send; embedding models stop at a few thousand tokens anyway. */
const MAX_CHARS = 8000;

/**
 * Any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, TEI, Ollama, vLLM). Texts go in batches
 * of `batchSize`, one ledger row per HTTP attempt; answers are re-ordered by `index`, decoded from
 * floats or base64 float32, checked against the configured dimension and L2-normalised.
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  private readonly http: HttpClient;

  constructor(
    private readonly opts: OpenAiEmbedderOptions,
    ledger: Ledger,
  ) {
    if (!Number.isInteger(opts.dimension) || opts.dimension < 1) throw new RangeError(`embedding dimension must be a positive integer`);
    this.dimension = opts.dimension;
    this.id = `openai:${opts.model}:${opts.dimension}`;
    this.http = new HttpClient({
      service: 'embeddings',
      baseUrl: opts.baseUrl,
      headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
      timeoutMs: opts.timeoutMs,
      retry: opts.retry,
      breaker: opts.breaker,
      ledger,
    });
  }

  async embed(texts: string[], ctx: CallContext): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.opts.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(i, i + this.opts.batchSize), ctx)));
    }
    return out;
  }

  private embedBatch(texts: string[], ctx: CallContext): Promise<number[][]> {
    // Servers reject empty strings; an empty text still needs a vector in its slot.
    const input = texts.map((t) => (t.trim() === '' ? '(empty)' : t.slice(0, MAX_CHARS)));
    const body: Record<string, unknown> = { model: this.opts.model, input, encoding_format: this.opts.encoding };
    if (this.opts.sendDimensions) body.dimensions = this.opts.dimension;
    return this.http.call({ method: 'POST', path: 'embeddings', json: body, operation: 'embed' }, ctx, (res) => {
      const answer = parseJsonBody<EmbeddingsAnswer>('embeddings', 'embed', res);
      const vectors = this.readVectors(answer, input.length);
      const tokens = answer.usage?.prompt_tokens ?? answer.usage?.total_tokens ?? 0;
      return {
        result: vectors,
        units: { tokens, vectors: vectors.length },
        costUsd: (tokens * this.opts.prices.embeddingsPer1M) / 1_000_000,
      };
    });
  }

  private readVectors(answer: EmbeddingsAnswer, expected: number): number[][] {
    const bad = (msg: string) => new ProviderError('embeddings', 'embed', msg, { retryable: false });
    if (!Array.isArray(answer.data)) throw bad('answer has no data array');
    const slots: (number[] | undefined)[] = new Array<number[] | undefined>(expected);
    for (const [pos, item] of answer.data.entries()) {
      const index = item.index === undefined ? pos : item.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || slots[index]) {
        throw bad(`answer has a bad or repeated index ${String(index)}`);
      }
      const v = decode(item.embedding);
      if (!v) throw bad(`embedding ${index} is neither a float array nor base64 float32`);
      if (v.length !== this.dimension) {
        throw bad(
          `model ${this.opts.model} returned ${v.length}-dimensional vectors but EMBEDDINGS_DIM is ${this.dimension}; ` +
            `set EMBEDDINGS_DIM=${v.length} (and rebuild the index with \`scout import --reindex\`)`,
        );
      }
      slots[index] = normalize(v);
    }
    const missing = slots.findIndex((s) => s === undefined);
    if (missing >= 0 || slots.length !== expected) throw bad(`answer has ${answer.data.length} embeddings for ${expected} texts`);
    return slots as number[][];
  }
}

/** A float array, or base64 of little-endian float32 (OpenAI's `encoding_format: base64`). */
export function decode(embedding: unknown): number[] | null {
  if (Array.isArray(embedding)) {
    return embedding.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (embedding as number[]) : null;
  }
  if (typeof embedding !== 'string') return null;
  const bytes = Buffer.from(embedding, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out.every(Number.isFinite) ? out : null;
}

/** Unit length, so cosine similarity is a dot product in every index; a zero vector stays zero. */
export function normalize(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? v.slice() : v.map((x) => x / norm);
}
