import type { Config } from '../../config.js';
import type { Embedder } from '../embeddings/embedder.js';
import type { Ledger } from '../ledger.js';
import type { CreatorIndex } from './creator-index.js';
import { LanceDbIndex } from './lancedb.index.js';

export function createCreatorIndex(config: Config, embedder: Embedder, ledger: Ledger): CreatorIndex {
  switch (config.search.backend) {
    case 'lancedb':
      return new LanceDbIndex({ dir: config.search.lancedbDir, embedder }, ledger);
    case 'weaviate':
      throw new Error('SEARCH_BACKEND=weaviate is not available in this build');
  }
}
