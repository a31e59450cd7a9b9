import { describe, it } from 'node:test';
import { workerKillScenario } from './scenarios/worker-kill.scenario.js';

// CI size; the full run is worker-kill.chaos.ts (npm run test:chaos).
describe('chaos (CI): kill -9 of workers mid-job', () => {
  it('every accepted job ends exactly once, events in order without duplicates, interrupted jobs resume', { timeout: 240_000 }, async () => {
    await workerKillScenario({ jobs: 12, kills: 3, intervalMs: 500, workers: 2, candidates: 30, llmLatencyMs: 250 });
  });
});
