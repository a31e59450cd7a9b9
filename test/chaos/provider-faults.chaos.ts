import { describe, it } from 'node:test';
import { providerFaultScenario } from './scenarios/provider-faults.scenario.js';

describe('chaos: 20 % provider faults (5xx, 429, timeouts)', () => {
  it('≥ 99 % of jobs complete, degraded results flagged, ledger consistent', { timeout: 900_000 }, async () => {
    await providerFaultScenario({ jobs: 200, concurrency: 8 });
  });
});
