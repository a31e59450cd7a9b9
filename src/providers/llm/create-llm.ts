import type { Config } from '../../config.js';
import type { Ledger } from '../ledger.js';
import { HeuristicLlm } from './heuristic.llm.js';
import type { Llm } from './llm.js';

export function createLlm(config: Config, ledger: Ledger): Llm {
  switch (config.llm.provider) {
    case 'heuristic':
      return new HeuristicLlm(ledger);
    case 'openai':
      throw new Error('LLM_PROVIDER=openai is not available in this build');
  }
}
