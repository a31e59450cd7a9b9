import type { Config } from '../../config.js';
import type { Ledger } from '../ledger.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashing.embedder.js';

export function createEmbedder(config: Config, ledger: Ledger): Embedder {
  switch (config.embeddings.provider) {
    case 'hashing':
      return new HashingEmbedder({ dimension: config.embeddings.dim }, ledger);
    case 'openai':
      throw new Error('EMBEDDINGS_PROVIDER=openai is not available in this build');
  }
}
