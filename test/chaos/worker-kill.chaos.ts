import { describe, it } from 'node:test';
import { workerKillScenario } from './scenarios/worker-kill.scenario.js';

describe('chaos: kill -9 of workers mid-job, repeated', () => {
  it('every accepted job ends exactly once, events in order without duplicates, interrupted jobs resume', { timeout: 900_000 }, async () => {
    await workerKillScenario({ jobs: 60, kills: 15, intervalMs: 2000, workers: 3, candidates: 60, llmLatencyMs: 250 });
  });
});
