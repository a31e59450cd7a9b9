import type { Config } from '../../config.js';
import { breakerFrom, retryPolicyFrom } from '../http/policy.js';
import type { Ledger } from '../ledger.js';
import type { Embedder } from './embedder.js';
import { HashingEmbedder } from './hashing.embedder.js';
import { OpenAiEmbedder } from './openai.embedder.js';
import type { EnsureLogger } from './wordvec/convert.js';
import { WordVecEmbedder } from './wordvec.embedder.js';

export function createEmbedder(config: Config, ledger: Ledger, logger: EnsureLogger): Embedder {
  switch (config.embeddings.provider) {
    case 'hashing':
      return new HashingEmbedder({ dimension: config.embeddings.dim }, ledger);
    case 'wordvec':
      return new WordVecEmbedder(
        { dir: config.embeddings.wordvecDir, fallbackDim: config.embeddings.wordvecFallbackDim, logger },
        ledger,
      );
    case 'openai':
      return new OpenAiEmbedder(
        {
          baseUrl: config.embeddings.baseUrl!,
          apiKey: config.embeddings.apiKey,
          model: config.embeddings.model!,
          dimension: config.embeddings.dim,
          sendDimensions: config.embeddings.sendDimensions,
          encoding: config.embeddings.encoding,
          batchSize: config.embeddings.batchSize,
          timeoutMs: config.providers.timeoutMs,
          retry: retryPolicyFrom(config),
          breaker: breakerFrom(config),
          prices: config.prices,
        },
        ledger,
      );
  }
}
