import { describe, it } from 'node:test';
import { outageScenario } from './scenarios/outage.scenario.js';

// CI size; the full run is postgres-restart.chaos.ts (npm run test:chaos).
describe('chaos (CI): a dedicated Postgres restarted under load', () => {
  it('loses no accepted job, answers 503 + Retry-After while down, API and worker recover by themselves', { timeout: 240_000 }, async () => {
    await outageScenario({ target: 'postgres', outages: 1, outageMs: 3000, submitEveryMs: 300, candidates: 20 });
  });
});
