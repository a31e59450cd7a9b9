import type { Logger } from '../../app/logger.js';
import type { Config } from '../../config.js';
import { breakerFrom, retryPolicyFrom } from '../http/policy.js';
import type { Ledger } from '../ledger.js';
import { HeuristicLlm } from './heuristic.llm.js';
import type { Llm } from './llm.js';
import { OpenAiLlm } from './openai.llm.js';

export function createLlm(config: Config, ledger: Ledger, logger?: Logger): Llm {
  switch (config.llm.provider) {
    case 'heuristic':
      return new HeuristicLlm(ledger);
    case 'openai':
      return new OpenAiLlm(
        {
          baseUrl: config.llm.baseUrl!,
          apiKey: config.llm.apiKey,
          model: config.llm.model!,
          timeoutMs: config.llm.timeoutMs,
          retry: retryPolicyFrom(config, { maxRetries: config.llm.maxRetries }),
          breaker: breakerFrom(config),
          prices: config.prices,
          logger,
        },
        ledger,
        new HeuristicLlm(ledger, { asFallback: true }),
      );
  }
}
