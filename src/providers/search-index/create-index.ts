import type { Config } from '../../config.js';
import type { Embedder } from '../embeddings/embedder.js';
import type { Ledger } from '../ledger.js';
import type { CreatorIndex } from './creator-index.js';
import { LanceDbIndex } from './lancedb.index.js';
import { WeaviateIndex } from './weaviate.index.js';
import type { WeaviateIndexOptions } from './weaviate.index.js';

export function createCreatorIndex(config: Config, embedder: Embedder, ledger: Ledger): CreatorIndex {
  switch (config.search.backend) {
    case 'lancedb':
      return new LanceDbIndex({ dir: config.search.lancedbDir, embedder, expandKeywords: config.search.expandKeywords, tuning: config.search.tuning }, ledger);
    case 'weaviate':
      return new WeaviateIndex(weaviateOptionsFrom(config, embedder), ledger);
  }
}

/** The Weaviate index settings from WEAVIATE_* and PROVIDER_* (one retry layer: ours). */
export function weaviateOptionsFrom(config: Config, embedder: Embedder): WeaviateIndexOptions {
  const w = config.search.weaviate;
  const p = config.providers;
  if (!w.url) throw new Error('WEAVIATE_URL is required when SEARCH_BACKEND=weaviate');
  return {
    url: w.url,
    grpcUrl: w.grpcUrl,
    apiKey: w.apiKey,
    collection: w.collection,
    alpha: w.alpha,
    fusion: w.fusion,
    embedder,
    timeoutMs: p.timeoutMs,
    retry: { maxRetries: p.maxRetries, baseDelayMs: p.retryBaseMs, maxDelayMs: p.retryMaxDelayMs },
    breaker: { failureThreshold: p.breakerThreshold, cooldownMs: p.breakerCooldownMs },
  };
}
