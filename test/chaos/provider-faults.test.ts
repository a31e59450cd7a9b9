import { describe, it } from 'node:test';
import { providerFaultScenario } from './scenarios/provider-faults.scenario.js';

// CI size; the full run is provider-faults.chaos.ts (npm run test:chaos).
describe('chaos (CI): 20 % provider faults (5xx, 429, timeouts)', () => {
  it('≥ 99 % of jobs complete, degraded results flagged, ledger consistent', { timeout: 240_000 }, async () => {
    await providerFaultScenario({ jobs: 20, concurrency: 4 });
  });
});
